import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { dataPaths } from '../../infra/local/emulators';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { syncContent } from '../../infra/local/sync-content';

export const REPO_ROOT = resolve(__dirname, '../..');
export const CONTENT_DIR = join(REPO_ROOT, 'content');

/** A local stack on free ports with throw-away storage, for one test file. */
export async function startTestStack(env: Record<string, string> = {}): Promise<LocalStack> {
  // Ingest logs one line per post; tests assert on state instead. LOG=1 shows them.
  if (!process.env.LOG) setLogSink(() => {});
  // Tests look at a feed right after each change: no reuse of a version read a moment ago
  // (test/integration/feed-costs.test.ts tests that window on its own).
  return startLocalStack({
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    env: { [ENV.feedVersionCacheMs]: '0', ...env },
    onError: () => {},
  });
}

/** Publishes the repository's content/ into the stack, as `npm start` does. */
export async function publishSampleContent(stack: LocalStack): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'publishing-manifest-'));
  try {
    await syncContent({
      s3: stack.s3,
      bucket: stack.bucket,
      contentDir: CONTENT_DIR,
      manifestFile: dataPaths(dir).contentManifest,
    });
    await stack.idle();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Uploads a post through the S3 API and waits until ingest has applied it. */
export async function uploadPost(stack: LocalStack, key: string, body: string): Promise<void> {
  await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));
  await stack.idle();
}

/** Deletes a post's object through the S3 API and waits until ingest has applied it. */
export async function removePost(stack: LocalStack, key: string): Promise<void> {
  await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: key }));
  await stack.idle();
}

export async function get(stack: LocalStack, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(stack.url + path, { redirect: 'manual', ...init });
}
