import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../../functions/adapters/s3-objects';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack, uploadPost } from '../support/local-stack';

// The local S3 (s3rver on its worker thread) as the local stack runs it: listings of any length,
// keys the file system cannot store, and requests that fail unexpectedly.

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** S3 lists keys in the binary order of their UTF-8 bytes. */
const s3Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

async function putAll(keys: string[]): Promise<void> {
  const queue = [...keys];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: key }));
      }
    }),
  );
}

/** Every key under `prefix` by ListObjects (version 1), page by page, each page starting after the last key of the one before. */
async function listByMarker(prefix: string, maxKeys: number): Promise<string[]> {
  const keys: string[] = [];
  for (let marker: string | undefined, truncated = true; truncated; ) {
    const page = await stack.s3.send(
      new ListObjectsCommand({ Bucket: stack.bucket, Prefix: prefix, Marker: marker, MaxKeys: maxKeys }),
    );
    const listed = (page.Contents ?? []).map((object) => object.Key!);
    keys.push(...listed);
    truncated = page.IsTruncated ?? false;
    marker = listed.at(-1);
  }
  return keys;
}

async function listByToken(prefix: string, maxKeys: number): Promise<string[]> {
  const keys: string[] = [];
  for (let token: string | undefined, truncated = true; truncated; ) {
    const page = await stack.s3.send(
      new ListObjectsV2Command({ Bucket: stack.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: maxKeys }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    truncated = page.IsTruncated ?? false;
    token = page.NextContinuationToken;
  }
  return keys;
}

describe('local S3 listing', () => {
  // 1,000 plain keys, and keys whose file names sort differently from the keys themselves
  // (a key that is a prefix of another, a folder beside a file, characters past U+FFFF).
  const keys = [
    ...Array.from({ length: 1000 }, (_, index) => `listing/${String(index).padStart(4, '0')}.md`),
    'listing/a',
    'listing/a-b',
    'listing/a/b',
    'listing/2022/x.md',
    'listing/2022-01-01-a.md',
    'listing/\uFF61.md',
    'listing/😀.md',
  ];
  const expected = [...keys].sort(s3Order);

  beforeAll(async () => {
    await putAll(keys);
  }, 60_000);

  it('lists past 1,000 keys, as reindex and the start-up reconciliation do', async () => {
    const listed = [];
    for await (const object of listObjects(stack.s3, stack.bucket, 'listing/')) listed.push(object.key);
    expect(listed).toHaveLength(1007);
    expect(listed).toEqual(expected);
  });

  it('pages with continuation tokens and with markers, in S3 order, each key once', async () => {
    expect(await listByToken('listing/', 50)).toEqual(expected);
    expect(await listByMarker('listing/', 50)).toEqual(expected);
    // Page boundaries between each pair of keys whose file names sort out of key order.
    expect(await listByToken('listing/2022', 1)).toEqual(['listing/2022-01-01-a.md', 'listing/2022/x.md']);
    expect(await listByMarker('listing/a', 1)).toEqual(['listing/a', 'listing/a-b', 'listing/a/b']);
  });
});

describe('local S3 keys and errors', () => {
  const post = (title: string) =>
    `---\ntitle: ${title}\ndate: 2022-03-01 09:00 +0800\ncategories: s3keys\n---\n${title}.\n`;

  it('refuses a key too long for the file system on its own, and goes on serving every other request', async () => {
    // A legal S3 key (S3 allows 1,024 bytes) whose file name the file system cannot hold.
    const key = `posts/${'l'.repeat(900)}.md`;
    const refused = await stack.s3
      .send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: post('Long') }))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(S3ServiceException);
    expect((refused as S3ServiceException).name).toBe('KeyTooLongError');
    expect((refused as S3ServiceException).$metadata.httpStatusCode).toBe(400);
    expect((refused as S3ServiceException).message).toMatch(/255 bytes/);
    const read = await stack.s3
      .send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }))
      .catch((error: unknown) => error);
    expect((read as S3ServiceException).name).toBe('NoSuchKey');
    // Folder parts the file system would resolve elsewhere (here, outside the data directory).
    const escaping = await stack.s3
      .send(new PutObjectCommand({ Bucket: stack.bucket, Key: '../../escape.md', Body: 'x' }))
      .catch((error: unknown) => error);
    expect([(escaping as S3ServiceException).name, (escaping as S3ServiceException).$metadata?.httpStatusCode]).toEqual(
      ['InvalidArgument', 400],
    );

    // Later uploads are stored and ingested; the site and listings work.
    await uploadPost(stack, 'posts/2022-03-01-after-long-key.md', post('After the long key'));
    const feed = (await (await get(stack, '/category/s3keys.json')).json()) as { items: Array<{ title: string }> };
    expect(feed.items.map((item) => item.title)).toEqual(['After the long key']);
    const listed = [];
    for await (const object of listObjects(stack.s3, stack.bucket, 'posts/')) listed.push(object.key);
    expect(listed).toEqual(['posts/2022-03-01-after-long-key.md']);
  });

  it('answers 500 to a request that fails unexpectedly inside s3rver, and goes on serving', async () => {
    // Completing a multipart upload with a part that was never uploaded makes s3rver open a
    // file that does not exist, from a stream nobody listens to for errors.
    const key = 'uploads/multipart.bin';
    const { UploadId } = await stack.s3.send(new CreateMultipartUploadCommand({ Bucket: stack.bucket, Key: key }));
    const part = await stack.s3.send(
      new UploadPartCommand({ Bucket: stack.bucket, Key: key, UploadId, PartNumber: 1, Body: 'part one' }),
    );
    const failed = await stack.s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: stack.bucket,
          Key: key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: part.ETag },
              { PartNumber: 2, ETag: part.ETag },
            ],
          },
        }),
        { abortSignal: AbortSignal.timeout(10_000) },
      )
      .catch((error: unknown) => error);
    expect((failed as S3ServiceException).$metadata?.httpStatusCode).toBe(500);

    await uploadPost(stack, 'posts/2022-03-01-after-error.md', post('After the error'));
    const feed = (await (await get(stack, '/category/s3keys.json')).json()) as { items: Array<{ title: string }> };
    expect(feed.items.map((item) => item.title)).toContain('After the error');
  });
});
