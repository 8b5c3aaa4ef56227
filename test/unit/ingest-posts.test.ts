import { describe, expect, it } from 'vitest';
import { ingestChange, type ObjectChange, type StoredObject } from '../../functions/core/ingest';
import { MemoryPostStore } from '../support/memory-store';
import { BAD_POSTS, CASE_MAX_POST_BYTES, FIFTY_TAGS, postFile, VALID_POSTS } from '../support/post-cases';

// Every refusal reason, exactly as recorded for the object key, and awkward posts that must
// publish; in memory here, uploaded through the local stack in test/integration/ingest-posts.test.ts.

const objects = new Map<string, StoredObject>();
const readObject = async (key: string) => objects.get(key);
let sequence = 0;

async function upload(store: MemoryPostStore, key: string, body: string | Uint8Array, iframeHosts: string[] = []) {
  objects.set(key, {
    bytes: typeof body === 'string' ? new TextEncoder().encode(body) : body,
    etag: `etag-${++sequence}`,
  });
  const change: ObjectChange = {
    key,
    kind: 'created',
    sequencer: (++sequence).toString(16),
    eventTime: '2024-05-01T00:00:00.000Z',
  };
  return ingestChange(change, { store, readObject, maxPostBytes: CASE_MAX_POST_BYTES, iframeHosts });
}

describe('refused posts', () => {
  it(`has ${BAD_POSTS.length} distinct bad posts, each with its own reason`, () => {
    expect(BAD_POSTS.length).toBeGreaterThanOrEqual(25);
    expect(new Set(BAD_POSTS.map((post) => String(post.error))).size).toBe(BAD_POSTS.length - 1); // two binary cases share theirs
  });

  for (const bad of BAD_POSTS) {
    it(`refuses ${bad.name}, recording the reason and touching nothing else`, async () => {
      const store = new MemoryPostStore();
      await upload(store, 'posts/2022-01-01-good.md', postFile(['title: Good', 'categories: good']));
      const before = store.dump();

      const outcome = await upload(store, bad.key, bad.body);
      expect(outcome).toMatchObject({ key: bad.key, result: 'rejected', feeds: [] });
      if (outcome.result !== 'rejected') return;
      if (typeof bad.error === 'string') expect(outcome.error).toBe(bad.error);
      else expect(outcome.error).toMatch(bad.error);

      const failures = await store.listFailedSources();
      expect(failures.map(({ key, error }) => ({ key, error }))).toEqual([{ key: bad.key, error: outcome.error }]);
      const after = store.dump().filter((row) => row.pk !== `SOURCE#${bad.key}` && row.pk !== 'FAILURES');
      expect(after).toEqual(before);
    });
  }

  it('keeps the last good version published while a broken re-upload is refused, and clears the failure when fixed', async () => {
    const store = new MemoryPostStore();
    const key = 'posts/2022-01-02-story.md';
    await upload(store, key, postFile(['title: Good version', 'categories: story']));
    const published = store.dump();
    expect(await upload(store, key, postFile(['title: [broken', 'categories: story']))).toMatchObject({
      result: 'rejected',
    });
    expect(store.dump().filter((row) => row.pk.startsWith('FEED#') || row.pk.startsWith('POST#'))).toEqual(
      published.filter((row) => row.pk.startsWith('FEED#') || row.pk.startsWith('POST#')),
    );
    expect((await store.listFailedSources()).map((state) => state.key)).toEqual([key]);

    expect(await upload(store, key, postFile(['title: Fixed version', 'categories: story']))).toMatchObject({
      result: 'published',
    });
    expect(await store.listFailedSources()).toEqual([]);
    expect((await store.queryFeed({ kind: 'category', name: 'story' }, 10)).map((entry) => entry.title)).toEqual([
      'Fixed version',
    ]);
  });

  it('refuses a second object key that claims an id another key publishes, naming that key', async () => {
    const store = new MemoryPostStore();
    await upload(store, 'posts/2022-01-03-first.md', postFile(['title: First', 'id: shared']));
    const outcome = await upload(store, 'posts/2022-01-03-second.md', postFile(['title: Second', 'id: shared']));
    expect(outcome).toMatchObject({
      result: 'rejected',
      error: 'post id "shared" is already published by posts/2022-01-03-first.md',
    });
    expect((await store.getShareLink((await store.getPost('shared'))!.shortCode))?.path).toBe('/2022/01/03/first.html');
  });

  // An edit that reaches for another post's page or code is refused before it writes: the
  // version already published stays whole (page, feeds, share link), and nothing else moves.
  for (const [what, edit, error] of [
    [
      'a declared infoCode',
      ['title: Second, edited', 'id: second', 'infoCode: NW1'],
      'infoCode "NW1" is already published by posts/2022-01-04-first.md',
    ],
    [
      'a permalink',
      ['title: Second, edited', 'id: second', 'permalink: /2022/01/04/first.html'],
      'page path /2022/01/04/first.html is already published by posts/2022-01-04-first.md',
    ],
  ] as const) {
    it(`refuses an edit that takes ${what} another post holds, leaving the published version as it was`, async () => {
      const store = new MemoryPostStore();
      await upload(store, 'posts/2022-01-04-first.md', postFile(['title: First', 'infoCode: NW1']));
      await upload(store, 'posts/2022-01-05-second.md', postFile(['title: Second', 'id: second']));
      const rows = () => store.dump().filter((row) => !row.pk.startsWith('SOURCE#') && row.pk !== 'FAILURES');
      const before = rows();
      expect(await upload(store, 'posts/2022-01-05-second.md', postFile([...edit]))).toMatchObject({
        result: 'rejected',
        error,
      });
      expect(rows()).toEqual(before);
      expect(await store.findPage('/2022/01/05/second.html')).toMatchObject({ post: { title: 'Second' } });
    });
  }

  it('leaves no trace at the page path of a new post refused for a code another post holds', async () => {
    const store = new MemoryPostStore();
    await upload(store, 'posts/2022-01-04-first.md', postFile(['title: First', 'infoCode: NW1']));
    const before = store.dump().filter((row) => !row.pk.startsWith('SOURCE#') && row.pk !== 'FAILURES');
    expect(
      await upload(store, 'posts/2022-01-06-third.md', postFile(['title: Third', 'id: third', 'infoCode: NW1'])),
    ).toMatchObject({ result: 'rejected' });
    expect(await store.findPage('/2022/01/06/third.html')).toBeUndefined();
    expect(store.dump().filter((row) => !row.pk.startsWith('SOURCE#') && row.pk !== 'FAILURES')).toEqual(before);
  });
});

describe('awkward posts that publish', () => {
  it(`has at least 10 of them (${VALID_POSTS.length})`, () => {
    expect(VALID_POSTS.length).toBeGreaterThanOrEqual(10);
  });

  for (const valid of VALID_POSTS) {
    it(`publishes ${valid.name}`, async () => {
      const store = new MemoryPostStore();
      const outcome = await upload(store, valid.key, valid.body);
      expect(outcome.result).toBe('published');
      if (outcome.result !== 'published') return;
      const post = (await store.getPost(outcome.postId))!;
      valid.check(post);
      expect(await store.findPostByPath(post.path)).toEqual(post);
      expect((await store.queryFeed({ kind: 'site' }, 5)).map((entry) => entry.id)).toEqual([post.id]);
    });
  }

  it('puts a post with 50 tags in all 50 tag feeds and reports all 51 feeds as changed', async () => {
    const store = new MemoryPostStore();
    const valid = VALID_POSTS.find((post) => post.name === '50 tags')!;
    const outcome = await upload(store, valid.key, valid.body);
    expect(outcome.feeds).toHaveLength(51);
    for (const tag of FIFTY_TAGS) {
      expect((await store.queryFeed({ kind: 'tag', name: tag }, 5)).map((entry) => entry.title)).toEqual([
        'Fifty tags',
      ]);
    }
    expect((await store.listNames('tag')).length).toBe(50);
  });
});
