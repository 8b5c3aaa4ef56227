import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { runCli } from '../support/cli';
import { get, publishSampleContent, startTestStack } from '../support/local-stack';
import { BAD_POSTS, CASE_MAX_POST_BYTES, FIFTY_TAGS, postFile, VALID_POSTS } from '../support/post-cases';

// The refusal and awkward-post suites of test/unit/ingest-posts.test.ts, uploaded through the S3
// API of the local stack (s3rver → events → ingest → dynalite), and read back with the CLI tools.

let stack: LocalStack;
let scratch: string;

beforeAll(async () => {
  stack = await startTestStack({
    [ENV.maxPostBytes]: String(CASE_MAX_POST_BYTES),
    [ENV.iframeHosts]: 'www.youtube.com',
  });
  await publishSampleContent(stack);
  scratch = await mkdtemp(join(tmpdir(), 'ingest-posts-'));
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function upload(key: string, body: string | Uint8Array): Promise<void> {
  await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));
}

const cli = (tool: 'errors' | 'reindex', args: string[] = [], env: Record<string, string> = {}) =>
  runCli(stack, tool, args, env);

const FEEDS = [
  '/feed.atom',
  '/category/chengduribao.rss',
  '/tag/%E6%88%90%E9%83%BD%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB.json',
];

async function feedDocuments(): Promise<string[]> {
  return Promise.all(FEEDS.map(async (path) => (await get(stack, path)).text()));
}

describe('npm run errors before any post is refused', () => {
  it('says there is none and exits 0', async () => {
    const { stdout, code } = await cli('errors');
    expect(stdout).toContain('No refused posts in the local stack');
    expect(code).toBe(0);
  }, 30_000);
});

describe(`${BAD_POSTS.length} refused posts uploaded to the bucket`, () => {
  let feedsBefore: string[];

  beforeAll(async () => {
    feedsBefore = await feedDocuments();
    for (const bad of BAD_POSTS) await upload(bad.key, bad.body);
    await stack.idle();
  });

  it('records each one for its key with its exact reason', async () => {
    const recorded = new Map((await stack.store.listFailedSources()).map((state) => [state.key, state.error]));
    for (const bad of BAD_POSTS) {
      if (typeof bad.error === 'string') expect(recorded.get(bad.key), bad.name).toBe(bad.error);
      else expect(recorded.get(bad.key), bad.name).toMatch(bad.error);
    }
  });

  it('leaves every feed exactly as it was', async () => {
    expect(await feedDocuments()).toEqual(feedsBefore);
  });

  it('lists them with `npm run errors` against the local stack', async () => {
    const { stdout: output, code } = await cli('errors');
    // Listing refusals is a failure a script can see.
    expect(code).toBe(1);
    expect(output).toContain(`${BAD_POSTS.length} refused posts in the local stack`);
    for (const bad of BAD_POSTS.filter((post) => typeof post.error === 'string')) {
      expect(output).toContain(`${bad.key}\n  ${bad.error}\n`);
    }
  }, 30_000);

  it('lists them with `npm run errors -- --outputs cdk-outputs.json --json` against a deployed table', async () => {
    // The deployed stack's outputs file, and the SDK's own endpoint variable standing in for AWS.
    const outputs = join(scratch, 'cdk-outputs.json');
    await writeFile(
      outputs,
      JSON.stringify({ PublishingStack: { PostsTableName: stack.tableName, ContentBucketName: 'unused' } }),
    );
    // The outputs name a bucket the local S3 does not hold: the missing-file check cannot list it
    // and says so, and the refusals are still listed.
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
      AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    };
    const { stdout, code } = await cli('errors', ['--outputs', outputs, '--json'], env);
    expect(code).toBe(1);
    const lines = stdout.trim().split('\n');
    const listed = lines.map((line) => JSON.parse(line) as { key: string; error: string });
    expect(listed.map(({ key }) => key).sort()).toEqual(BAD_POSTS.map((post) => post.key).sort());
    expect(listed).toContainEqual(expect.objectContaining({ key: BAD_POSTS[0].key, error: BAD_POSTS[0].error }));
  }, 30_000);
});

describe(`${VALID_POSTS.length} awkward posts uploaded to the bucket`, () => {
  beforeAll(async () => {
    for (const valid of VALID_POSTS) await upload(valid.key, valid.body);
    await stack.idle();
  });

  for (const valid of VALID_POSTS) {
    it(`publishes ${valid.name}, page and feed`, async () => {
      const state = await stack.store.getSourceState(valid.key);
      expect(state?.status, JSON.stringify(state)).toBe('published');
      const post = (await stack.store.getPost(state!.postId!))!;
      valid.check(post);
      expect((await get(stack, encodeURI(post.path))).status).toBe(200);
    });
  }

  it('serves the post with 50 tags in every one of its 50 tag feeds', async () => {
    for (const tag of FIFTY_TAGS) {
      const feed = (await (await get(stack, `/tag/${encodeURIComponent(tag)}.json`)).json()) as {
        items: Array<{ title: string }>;
      };
      expect(feed.items.map((item) => item.title)).toEqual(['Fifty tags']);
    }
  });

  it('keeps an iframe from a host listed in IFRAME_HOSTS', async () => {
    await upload(
      'posts/valid/2022-02-14-video.html',
      postFile(
        ['title: Video'],
        '<iframe src="https://www.youtube.com/embed/x"></iframe><iframe src="https://evil.example/x"></iframe>',
      ),
    );
    await stack.idle();
    const post = await stack.store.getPost('valid/2022-02-14-video');
    expect(post?.html).toBe('<iframe src="https://www.youtube.com/embed/x"></iframe><iframe></iframe>');
  });
});

describe('npm run reindex against the local stack', () => {
  it('finds the table matching the bucket, and reports the refused posts', async () => {
    const objects = 7 + BAD_POSTS.length + VALID_POSTS.length + 1;
    const { stdout: output, code } = await cli('reindex');
    expect(code).toBe(0);
    expect(output).toContain(
      `${objects} objects: 0 published, ${objects - BAD_POSTS.length} unchanged, ${BAD_POSTS.length} failed`,
    );
    expect(output).toContain('Refused posts: npm run errors');
  }, 30_000);
});
