import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects, s3ObjectReader } from '../../functions/adapters/s3-objects';
import { inParallel } from '../../functions/core/in-parallel';
import { reindex } from '../../functions/core/reindex';
import { encodePath } from '../../functions/core/urls';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack } from '../support/local-stack';

// An archive moved here is not "updated today": each item's updated time is its own date (or its
// last_modified_at), and reading the same bytes again (reindex --force) changes no validator.

const POSTS = 1000;
const CATEGORIES = ['要闻', 'sport', '文化', 'weather'];
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

function archivePost(n: number): { key: string; body: string; date: string } {
  const day = new Date(Date.UTC(2015, 0, 1) + n * 36 * 3600 * 1000);
  const date = day.toISOString().slice(0, 10);
  const modified = n % 10 === 0 ? [`last_modified_at: ${date} 23:00:00 +0800`] : [];
  return {
    key: `posts/archive/${date}-story-${n}.md`,
    body: [
      '---',
      `title: "旧闻 ${n}"`,
      `date: ${date} 08:00:00 +0800`,
      `categories: ${CATEGORIES[n % CATEGORIES.length]}`,
      ...modified,
      '---',
      `Story ${n}.`,
      '',
    ].join('\n'),
    date: new Date(`${date}T${n % 10 === 0 ? '23:00:00' : '08:00:00'}+08:00`).toISOString(),
  };
}

describe(`an archive of ${POSTS} posts moved here`, () => {
  it('dates each item by its own date, and reindex --force afterwards leaves every feed and its ETag as they were', async () => {
    const posts = Array.from({ length: POSTS }, (_, n) => archivePost(n));
    await inParallel(
      posts,
      8,
      async (post) =>
        void (await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: post.key, Body: post.body }))),
    );
    await stack.idle();

    const feeds = [
      '/feed.atom',
      '/feed.json',
      '/feed.rss',
      ...CATEGORIES.flatMap((name) => [`/category/${name}.atom`, `/category/${name}.json`]),
    ];
    const snapshot = async () =>
      Promise.all(
        feeds.map(async (path) => {
          const response = await get(stack, encodePath(path));
          return { path, status: response.status, etag: response.headers.get('etag'), body: await response.text() };
        }),
      );
    const before = await snapshot();

    // Every item of every feed and archive page: updated is the post's own (UTC) date or last_modified_at.
    const wanted = new Map(posts.map((post) => [post.key.slice('posts/'.length, -'.md'.length), post.date]));
    const site = await stack.store.queryFeed({ kind: 'site' }, POSTS);
    expect(site).toHaveLength(POSTS);
    for (const entry of site) expect(entry.updated, entry.id).toBe(wanted.get(entry.id));
    const updated = [...before[0].body.matchAll(/<entry>[\s\S]*?<updated>([^<]+)<\/updated>/g)].map(
      (match) => match[1],
    );
    expect(new Set(updated).size, 'distinct <updated> in the Atom feed (no DuplicateUpdated)').toBe(updated.length);

    const summary = await reindex({
      store: stack.store,
      listObjects: () => listObjects(stack.s3, stack.bucket, 'posts/'),
      readObject: s3ObjectReader(stack.s3, stack.bucket),
      readPost: stack.readPost,
      settings: ingestSettingsFromEnv(stack.functionEnv),
      force: true,
    });
    expect(summary).toMatchObject({ objects: POSTS, published: POSTS, failed: 0 });
    const after = await snapshot();
    for (const [index, feed] of after.entries()) {
      expect(feed.status, feed.path).toBe(200);
      expect(feed.etag, feed.path).toBe(before[index].etag);
      expect(feed.body, feed.path).toBe(before[index].body);
    }
  }, 300_000);
});
