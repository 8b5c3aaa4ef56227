import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { CONTENT_DIR, get, REPO_ROOT, startTestStack } from '../support/local-stack';
import { postFile } from '../support/post-cases';

// `npm run upload`, as a process, against the local stack (s3rver → events → ingest → dynalite).

const run = promisify(execFile);
let stack: LocalStack;
let scratch: string;

beforeAll(async () => {
  stack = await startTestStack();
  scratch = await mkdtemp(join(tmpdir(), 'cli-upload-'));
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function upload(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/cli/upload.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          [ENV.s3Endpoint]: stack.s3Endpoint,
          [ENV.dynamoEndpoint]: stack.dynamoEndpoint,
          PORT: new URL(stack.url).port,
          ...env,
        },
      },
    );
    await stack.idle();
    return { code: 0, stdout, stderr };
  } catch (error) {
    await stack.idle();
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function keys(prefix: string): Promise<string[]> {
  const listed = await stack.s3.send(new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

describe('npm run upload of a Jekyll _posts folder', () => {
  let posts: string;

  beforeAll(async () => {
    // Shaped like a Jekyll site's: dated files at the top, some in subfolders, editor litter.
    posts = join(scratch, 'site', '_posts');
    await mkdir(join(posts, '2022', 'january'), { recursive: true });
    await cp(join(CONTENT_DIR, 'posts', '000_7402dedd91baa3ec.txt'), join(posts, '2022-01-12-jinniu.md'));
    await cp(
      join(CONTENT_DIR, 'posts', '2022-01-13-metro-line-opens.md'),
      join(posts, '2022', 'january', '2022-01-13-metro-line-opens.md'),
    );
    await writeFile(
      join(posts, '2022', '2022-02-01-imported.md'),
      postFile(['title: Imported', 'categories: imports']),
    );
    await writeFile(join(posts, '2022-03-01-untitled.md'), postFile(['categories: imports']));
    await writeFile(join(posts, '.DS_Store'), Buffer.from([0, 1, 0]));
    await mkdir(join(posts, '.git'));
    await writeFile(join(posts, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  });

  it('uploads each file at posts/ + its path in the folder, one line per file, refuses what ingest would, exits 1', async () => {
    const { code, stdout } = await upload([posts]);
    expect(stdout).toContain(`Uploading 4 files to the local stack (S3 ${stack.s3Endpoint}, bucket content)…\n`);
    expect(stdout).toMatch(/^ {2}new {7}posts\/2022-01-12-jinniu\.md$/m);
    expect(stdout).toMatch(/^ {2}new {7}posts\/2022\/january\/2022-01-13-metro-line-opens\.md$/m);
    expect(stdout).toContain(`  refused   ${join(posts, '2022-03-01-untitled.md')}:1: front matter has no title\n`);
    expect(stdout).toContain('4 files: 3 new, 0 updated, 0 unchanged, 0 deleted, 1 refused\n');
    // Then ingest's outcome of each file put: its page and share link.
    const site = stack.url;
    expect(stdout).toMatch(
      new RegExp(`^  published ${site}/chengduribao/2022/01/12/jinniu\\.html  share ${site}/s/\\w+$`, 'm'),
    );
    expect(stdout).toMatch(
      new RegExp(`^  published ${site}/imports/2022/02/01/imported\\.html  share ${site}/s/\\w+$`, 'm'),
    );
    expect(stdout).toContain(
      'Ingest: 3 published, 0 not published (published: false or deleted), 0 refused, 0 still waiting\n',
    );
    expect(code).toBe(1);

    expect(await keys('posts/')).toEqual([
      'posts/2022-01-12-jinniu.md',
      'posts/2022/2022-02-01-imported.md',
      'posts/2022/january/2022-01-13-metro-line-opens.md',
    ]);
    // Published as Jekyll would: the seed keeps its own permalink, date and share link.
    expect((await get(stack, '/chengduribao/2022/01/12/jinniu.html')).status).toBe(200);
    expect((await get(stack, '/html_News/NewsShare.html?infoCode=NW202201122244036113')).status).toBe(301);
    expect((await get(stack, '/category/imports.rss')).status).toBe(200);
    expect(await stack.store.listFailedSources()).toEqual([]);
  }, 30_000);

  it('skips unchanged files, updates changed ones, and with --delete removes objects whose files are gone', async () => {
    await writeFile(join(posts, '2022-03-01-untitled.md'), postFile(['title: Now titled', 'categories: imports']));
    await writeFile(
      join(posts, '2022', '2022-02-01-imported.md'),
      postFile(['title: Imported, edited', 'categories: imports']),
    );
    await rm(join(posts, '2022', 'january'), { recursive: true });
    const { code, stdout } = await upload([posts, '--delete']);
    expect(stdout).toMatch(/^ {2}unchanged posts\/2022-01-12-jinniu\.md$/m);
    expect(stdout).toMatch(/^ {2}updated {3}posts\/2022\/2022-02-01-imported\.md$/m);
    expect(stdout).toMatch(/^ {2}new {7}posts\/2022-03-01-untitled\.md$/m);
    expect(stdout).toMatch(/^ {2}deleted {3}posts\/2022\/january\/2022-01-13-metro-line-opens\.md$/m);
    expect(stdout).toContain('3 files: 1 new, 1 updated, 1 unchanged, 1 deleted, 0 refused\n');
    expect(code).toBe(0);
    expect((await get(stack, '/category/metro.rss')).status).toBe(404);
    expect(await (await get(stack, '/category/imports.json')).text()).toContain('Imported, edited');
  }, 30_000);

  it('shows a progress bar above 20 files, then the summary', async () => {
    const many = join(scratch, 'many');
    await mkdir(many);
    for (let day = 1; day <= 25; day++) {
      await writeFile(
        join(many, `2022-04-${String(day).padStart(2, '0')}-day.md`),
        postFile([`title: Day ${day}`, 'categories: daily']),
      );
    }
    const first = await upload([many]);
    expect(first.stdout).not.toMatch(/^ {2}new /m);
    expect(first.stdout).toMatch(/^ {2}-{40} 0\/25 files$/m);
    expect(first.stdout).toMatch(/^ {2}={40} 25\/25 files$/m);
    expect(first.stdout).toContain('25 files: 25 new, 0 updated, 0 unchanged, 0 deleted, 0 refused\n');
    expect(first.code).toBe(0);
    expect(await keys('posts/2022-04-')).toHaveLength(25);

    const again = await upload([many]);
    expect(again.stdout).toContain('25 files: 0 new, 0 updated, 25 unchanged, 0 deleted, 0 refused\n');
    expect(again.code).toBe(0);
  }, 30_000);
});

describe('npm run upload and what only ingest can refuse', () => {
  it('prints the refusal in the form check uses and exits 1, locally and with --aws', async () => {
    const holder = join(scratch, 'holder');
    await mkdir(holder);
    await writeFile(
      join(holder, '2022-06-01-holder.md'),
      postFile(['title: Holder', 'id: held-id', 'categories: claims']),
    );
    expect((await upload([holder])).code).toBe(0);

    // Another file claiming the held id: check cannot know (it needs the table), ingest refuses.
    const local = join(scratch, 'claims-local');
    await mkdir(local);
    await writeFile(
      join(local, '2022-06-02-thief.md'),
      postFile(['title: Thief', 'id: held-id', 'categories: claims']),
    );
    await writeFile(join(local, '2022-06-03-fine.md'), postFile(['title: Fine', 'categories: claims']));
    const first = await upload([local]);
    expect(first.stdout).toContain(
      `  refused   ${join(local, '2022-06-02-thief.md')}: post id "held-id" is already published by posts/2022-06-01-holder.md\n`,
    );
    expect(first.stdout).toMatch(new RegExp(`^  published ${stack.url}/claims/2022/06/03/fine\\.html  share `, 'm'));
    expect(first.stdout).toContain(
      'Ingest: 1 published, 0 not published (published: false or deleted), 1 refused, 0 still waiting\n',
    );
    expect(first.code).toBe(1);

    // The deployed stack, named by the outputs file; the SDK's own endpoint variables stand in for AWS.
    const outputs = join(scratch, 'cdk-outputs.json');
    const api = 'https://abc123.execute-api.us-east-1.amazonaws.com';
    await writeFile(
      outputs,
      JSON.stringify({
        PublishingStack: { ApiUrl: `${api}/`, PostsTableName: stack.tableName, ContentBucketName: stack.bucket },
      }),
    );
    const deployed = join(scratch, 'claims-aws');
    await mkdir(deployed);
    await writeFile(
      join(deployed, '2022-06-04-thief.md'),
      postFile(['title: Thief again', 'id: held-id', 'categories: claims']),
    );
    await writeFile(join(deployed, '2022-06-05-fine.md'), postFile(['title: Fine again', 'categories: claims']));
    const second = await upload([deployed, '--aws', '--outputs', outputs], {
      AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    expect(second.stdout).toContain(
      `  refused   ${join(deployed, '2022-06-04-thief.md')}: post id "held-id" is already published by posts/2022-06-01-holder.md\n`,
    );
    expect(second.stdout).toMatch(
      new RegExp(`^  published ${api}/claims/2022/06/05/fine\\.html  share ${api}/s/\\w+$`, 'm'),
    );
    expect(second.stdout).toContain('npm run errors -- --aws lists the refusals');
    expect(second.code).toBe(1);

    // --no-wait: the old behaviour, exit 0 when everything went up.
    await writeFile(join(deployed, '2022-06-05-fine.md'), postFile(['title: Fine, edited', 'categories: claims']));
    await rm(join(deployed, '2022-06-04-thief.md'));
    const quick = await upload([deployed, '--no-wait']);
    expect(quick.stdout).toContain('Not waiting for ingest (--no-wait)');
    expect(quick.stdout).not.toContain('  published ');
    expect(quick.code).toBe(0);
  }, 60_000);
});

describe('npm run upload of single files', () => {
  it('puts a file given directly at posts/<name>, to a bucket named with --bucket', async () => {
    const file = join(scratch, '2022-05-01-single.md');
    await writeFile(file, postFile(['title: Single', 'categories: singles']));
    // --bucket means AWS: the SDK's own endpoint variable stands in for it (s3rver computes no checksums).
    const { code, stdout } = await upload([file, '--bucket', stack.bucket], {
      AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    expect(stdout).toContain('Uploading 1 file to AWS (bucket content)…\n  new       posts/2022-05-01-single.md\n');
    expect(code).toBe(0);
    expect((await get(stack, '/category/singles.rss')).status).toBe(200);
  }, 30_000);

  it('answers usage errors with exit code 2 and an unreachable stack with exit code 1', async () => {
    const file = join(scratch, '2022-05-01-single.md');
    const [deleteWithoutFolder, unreachable] = await Promise.all([
      upload([file, '--delete']),
      upload([file], { [ENV.s3Endpoint]: 'http://127.0.0.1:9' }),
    ]);
    expect(deleteWithoutFolder.stderr).toContain('--delete needs a folder');
    expect(deleteWithoutFolder.code).toBe(2);
    expect(unreachable.stderr).toContain('is `npm start` running?');
    expect(unreachable.code).toBe(1);
    expect(await readFile(file, 'utf8')).toContain('Single');
  }, 30_000);
});

describe('npm run upload of a Jekyll site folder', () => {
  it('uploads _config.yml first and every _posts folder, leaves the rest out, and re-publishes every post when the permalink style changes', async () => {
    // The parity test's site (test/integration/jekyll-parity.test.ts checks its URLs against Debian's jekyll).
    const site = join(scratch, 'jekyll-site');
    await cp(join(REPO_ROOT, 'test', 'fixtures', 'jekyll-site'), site, { recursive: true });
    const first = await upload([site]);
    expect(first.stdout).toMatch(
      /^ {2}\(1 file of the site outside _posts and _drafts left out: pages, layouts and styles are not published here\)$/m,
    );
    expect(first.stdout).toMatch(/^ {2}new {7}posts\/_config\.yml$/m);
    expect(first.stdout).toMatch(/^\d+ files: \d+ new, 0 updated, 0 unchanged, 0 deleted, 0 refused$/m);
    expect(first.code).toBe(0);
    expect(await keys('posts/news/')).toEqual([
      'posts/news/_posts/2022-02-03-local-story.md',
      'posts/news/local/_posts/2022-02-04-nested.md',
    ]);
    expect(await keys('posts/_drafts/')).toEqual(['posts/_drafts/a-draft.md']);
    expect(await keys('posts/post-urls')).toEqual([]);

    const nested = '/news/local/extra/2022/02/04/nested.html';
    expect((await get(stack, encodeURI(nested))).status).toBe(200);
    expect((await get(stack, encodeURI('/ux/ui/design notes/2022/03/04/UX-UI-&-You.html'))).status).toBe(200);
    // A category with a slash: its feed at Jekyll's slug of it, titled as written.
    const feed = await get(stack, '/category/ux-ui.atom');
    expect(feed.status).toBe(200);
    expect(await feed.text()).toContain('UX/UI');
    expect((await get(stack, '/2022/03/05/why-100-1.html')).status).toBe(200);

    await writeFile(
      join(site, '_config.yml'),
      `${await readFile(join(site, '_config.yml'), 'utf8')}permalink: pretty\n`,
    );
    const second = await upload([site]);
    expect(second.stdout).toMatch(/^ {2}updated {3}posts\/_config\.yml$/m);
    expect(second.stdout).toMatch(/0 new, 0 updated, \d+ unchanged, 0 deleted, 0 refused\n/);
    const moved = await get(stack, encodeURI(nested), { redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe(`${stack.url}/news/local/extra/2022/02/04/nested/`);
    expect((await get(stack, '/news/local/extra/2022/02/04/nested/')).status).toBe(200);
    // None of the site's files refused (earlier tests leave refused files of their own).
    expect((await stack.store.listFailedSources()).filter((state) => /\/_(posts|drafts)\//.test(state.key))).toEqual(
      [],
    );
  }, 60_000);
});
