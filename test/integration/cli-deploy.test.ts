import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, REPO_ROOT, startTestStack } from '../support/local-stack';
import { postFile } from '../support/post-cases';

// `npm run deploy` cannot reach AWS here. A stand-in `cdk` first on PATH (as node_modules/.bin is
// for npm scripts) records what it is asked and writes the outputs file the real one would; the
// upload that follows goes to the local stack's S3 API through the SDK's own endpoint variable.

const run = promisify(execFile);
let stack: LocalStack;
let scratch: string;
let bin: string;

const FAKE_CDK = `#!/bin/sh
printf '%s\\n' "$@" > cdk-arguments.txt
[ -n "$FAKE_CDK_STDERR" ] && printf '%s\\n' "$FAKE_CDK_STDERR" >&2
[ -n "$FAKE_CDK_EXIT" ] && exit "$FAKE_CDK_EXIT"
while [ $# -gt 0 ]; do [ "$1" = --outputs-file ] && out="$2"; shift; done
printf '{"PublishingStack":{"ApiUrl":"https://abc123.execute-api.us-east-1.amazonaws.com/","SiteUrl":"https://d111111abcdef8.cloudfront.net","ContentBucketName":"content","PostsTableName":"posts"}}' > "$out"
`;

beforeAll(async () => {
  stack = await startTestStack();
  scratch = await mkdtemp(join(tmpdir(), 'cli-deploy-'));
  bin = join(scratch, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'cdk'), FAKE_CDK);
  await chmod(join(bin, 'cdk'), 0o755);
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function cli(
  tool: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const options = {
    cwd: scratch,
    env: {
      ...process.env,
      PATH: `${bin}${delimiter}${process.env.PATH}`,
      AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      ...env,
    },
  };
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), join(REPO_ROOT, `infra/cli/${tool}.ts`), ...args],
      options,
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run deploy', () => {
  it('says how to bootstrap an account and region CDK was never bootstrapped in, with the environment cdk named', async () => {
    // CDK's own words, in the forms its releases print (AWS CDK Developer Guide, Bootstrapping).
    const notFound =
      "❌  PublishingStack failed: Error: PublishingStack: SSM parameter /cdk-bootstrap/hnb659fds/version not found. Has the environment been bootstrapped? Please run 'cdk bootstrap' (see https://docs.aws.amazon.com/cdk/latest/guide/bootstrapping.html)";
    const cases = [
      [
        `PublishingStack: SSM parameter /cdk-bootstrap/hnb659fds/version not found in aws://123456789012/eu-west-1.\nHas the environment been bootstrapped? Please run 'cdk bootstrap'`,
        'npx cdk bootstrap aws://123456789012/eu-west-1\n',
      ],
      [
        `current credentials could not be used to assume 'arn:aws:iam::210987654321:role/cdk-hnb659fds-deploy-role-210987654321-ap-east-1', but are for the right account. Proceeding anyway.\n${notFound}`,
        'npx cdk bootstrap aws://210987654321/ap-east-1\n',
      ],
      [notFound, 'npx cdk bootstrap   (the account of your credentials, in your region)'],
    ];
    for (const [printed, advice] of cases) {
      const { code, stderr } = await cli('deploy', [], { FAKE_CDK_EXIT: '1', FAKE_CDK_STDERR: printed });
      expect(code).toBe(1);
      expect(stderr).toContain(printed.split('\n')[0]);
      expect(stderr).toContain(`not bootstrapped for CDK. Once per account and region, run:\n  ${advice}`);
    }
  });

  it('runs cdk deploy writing cdk-outputs.json, passes extra arguments through, and says where to go next', async () => {
    const { code, stdout } = await cli('deploy', ['--require-approval', 'never', '-c', 'siteTitle=成都日报']);
    expect(code).toBe(0);
    expect((await readFile(join(scratch, 'cdk-arguments.txt'), 'utf8')).split('\n')).toEqual([
      'deploy',
      '--outputs-file',
      'cdk-outputs.json',
      '--require-approval',
      'never',
      '-c',
      'siteTitle=成都日报',
      '',
    ]);
    expect(stdout).toContain('Site:       https://d111111abcdef8.cloudfront.net/\n');
    expect(stdout).toContain('Subscribe:  https://d111111abcdef8.cloudfront.net/feeds.opml');
    expect(stdout).toContain(
      'API:        https://abc123.execute-api.us-east-1.amazonaws.com/ (behind CloudFront; for debugging)\n',
    );
    expect(stdout).toContain('npm run upload -- _posts --aws');
  }, 20_000);

  it('after which `npm run upload -- --aws` uploads to the bucket named in cdk-outputs.json', async () => {
    await mkdir(join(scratch, '_posts'));
    await writeFile(
      join(scratch, '_posts', '2022-06-01-deployed.md'),
      postFile(['title: Deployed', 'categories: deployed']),
    );
    const { code, stdout } = await cli('upload', ['_posts', '--aws']);
    expect(stdout).toContain('Uploading 1 file to AWS (bucket content)…\n  new       posts/2022-06-01-deployed.md\n');
    // It waits for ingest through the table named there, and links the post at the API's URL.
    expect(stdout).toMatch(
      /^ {2}published https:\/\/d111111abcdef8\.cloudfront\.net\/deployed\/2022\/06\/01\/deployed\.html {2}share /m,
    );
    expect(code).toBe(0);
    expect((await get(stack, '/category/deployed.rss')).status).toBe(200);
  }, 20_000);

  it("exits with cdk deploy's code when it fails", async () => {
    const { code, stdout } = await cli('deploy', [], { FAKE_CDK_EXIT: '3' });
    expect(code).toBe(3);
    expect(stdout).not.toContain('Subscribe:');
  }, 20_000);
});
