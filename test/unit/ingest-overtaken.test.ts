import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { type IngestDeps, ingestChange, type ObjectChange, type StoredObject } from '../../functions/core/ingest';
import { eventPart } from '../../functions/core/sequencer';
import { shortCodeCandidate } from '../../functions/core/short-code';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { MemoryPostStore } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// Changes of one key overtaken by newer ones, refused and retried, and what each leaves: the
// outcome and its reason, the share links and feed entries taken back, the feed versions readers'
// caches follow, and the write token a change is known by.

const KEY = 'posts/2022-05-01-alpha.md';
const encoder = new TextEncoder();

function text(title: string, extra: string[] = []): string {
  return `---\ntitle: ${title}\ndate: 2022-05-01 10:00:00 +0800\n${extra.join('\n')}${extra.length ? '\n' : ''}---\nBody of ${title}.\n`;
}

/** A versioned bucket holding KEY's versions. */
class Bucket {
  readonly versions = new Map<string, StoredObject>();
  latest: string | undefined;
  put(versionId: string, body: string): void {
    this.versions.set(versionId, { bytes: encoder.encode(body), etag: `etag-${versionId}` });
    this.latest = versionId;
  }
  readObject = async (key: string, versionId?: string): Promise<StoredObject | undefined> => {
    if (key === SITE_CONFIG_KEY) return undefined;
    const id = versionId ?? this.latest;
    return id === undefined ? undefined : this.versions.get(id);
  };
}

const created = (n: number, versionId: string): ObjectChange => ({
  key: KEY,
  kind: 'created',
  sequencer: s3Sequencer(n),
  eventTime: `2024-01-01T00:00:0${n}.000Z`,
  versionId,
});

function pauseAt(store: MemoryPostStore, operation: string) {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  let armed = true;
  store.step = async (name) => {
    if (armed && name === operation) {
      armed = false;
      reach();
      await gate;
    }
  };
  return {
    reached,
    release: () => {
      store.step = async () => {};
      release();
    },
  };
}

async function titles(store: MemoryPostStore, category: string): Promise<string[]> {
  return (await store.queryFeed({ kind: 'category', name: category }, 10)).map((entry) => entry.title);
}

describe('ingest: a change whose post item was overwritten after it wrote its rows', () => {
  it('by a newer event: skipped, naming the post, and its own feed entry taken back', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('One', ['categories: first']));
    bucket.put('v2', text('Two', ['categories: second']));
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    // Event 1 has written every row and checks that its post item is still its own.
    const paused = pauseAt(store, 'getPostWriter');
    const older = ingestChange(created(1, 'v1'), deps);
    await paused.reached;
    store.step = async () => {};
    expect(await ingestChange(created(2, 'v2'), deps)).toMatchObject({ result: 'published' });
    paused.release();

    expect(await older).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'a newer event already wrote this post',
      feeds: [],
      postId: '2022-05-01-alpha',
    });
    expect(await titles(store, 'first')).toEqual([]);
    expect(await titles(store, 'second')).toEqual(['Two']);
  });

  it("by its own event's second delivery taking its rows back: skipped, naming the post", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('One', ['categories: first']));
    bucket.put('v2', text('Two', ['id: other', 'categories: second']));
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    const paused = pauseAt(store, 'getPostWriter');
    const first = ingestChange(created(1, 'v1'), deps);
    await paused.reached;
    store.step = async () => {};
    // Event 2 (another post id) commits; event 1 delivered again is older, and takes back what
    // the first delivery wrote: its post item becomes a tombstone with the first delivery's token.
    expect(await ingestChange(created(2, 'v2'), deps)).toMatchObject({ result: 'published', postId: 'other' });
    expect(await ingestChange(created(1, 'v1'), deps)).toMatchObject({ result: 'skipped' });
    expect(await store.getPostWriter('2022-05-01-alpha')).toMatchObject({ gone: true });
    paused.release();

    expect(await first).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'a newer event already wrote this post',
      feeds: [],
      postId: '2022-05-01-alpha',
    });
    expect(await titles(store, 'first')).toEqual([]);
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'published', postId: 'other' });
  });
});

describe('ingest: a change overtaken before its commit by a newer one with another post id', () => {
  it('marks its own share links gone: its short code and its infoCode', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('One', ['infoCode: NW5', 'categories: first']));
    bucket.put('v2', text('Two', ['categories: second']));
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    const paused = pauseAt(store, 'commitSourceState');
    const older = ingestChange(created(1, 'v1'), deps);
    await paused.reached;
    store.step = async () => {};
    expect(await ingestChange(created(2, 'v2'), deps)).toMatchObject({
      result: 'published',
      postId: '2022-05-01-alpha',
    });
    expect(await store.getShareLink('NW5')).toMatchObject({ postId: 'NW5', gone: false });
    paused.release();

    expect(await older).toMatchObject({
      result: 'skipped',
      reason: 'a newer event for this key was applied meanwhile',
    });
    expect(await store.getShareLink(shortCodeCandidate('NW5', 0))).toMatchObject({ postId: 'NW5', gone: true });
    expect(await store.getShareLink('NW5')).toMatchObject({ postId: 'NW5', gone: true });
    expect(await store.getShareLink(shortCodeCandidate('2022-05-01-alpha', 0))).toMatchObject({ gone: false });
  });
});

describe('ingest: a delete overtaken before its commit by a newer upload', () => {
  it("is skipped, and the newer upload's post stays", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One', ['categories: first']));
    await ingestChange(created(1, 'v1'), deps);
    const paused = pauseAt(store, 'commitSourceState');
    const deletion = ingestChange({ ...created(2, 'v1'), kind: 'removed', versionId: undefined }, deps);
    await paused.reached;
    store.step = async () => {};
    bucket.put('v3', text('Three', ['categories: first']));
    expect(await ingestChange(created(3, 'v3'), deps)).toMatchObject({ result: 'published' });
    paused.release();
    expect(await deletion).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'a newer event for this key was applied meanwhile',
      feeds: [],
    });
    expect(await titles(store, 'first')).toEqual(['Three']);
  });
});

describe('ingest: a refused event delivered again', () => {
  it('publishes once the cause is gone, and is no longer listed as failed', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('One', ['categories: first']));
    let siteReadable = false;
    const deps: IngestDeps = {
      store,
      readObject: bucket.readObject,
      readSite: async () => {
        if (!siteReadable) throw new PostRejected("the site's _config.yml: broken");
        return undefined;
      },
    };
    expect(await ingestChange(created(1, 'v1'), deps)).toMatchObject({ result: 'rejected' });
    expect((await store.listFailedSources()).map((state) => state.key)).toEqual([KEY]);
    siteReadable = true;
    expect(await ingestChange(created(1, 'v1'), deps)).toMatchObject({ result: 'published' });
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'published' });
    expect(await store.getSourceState(KEY)).not.toHaveProperty('error');
    expect(await store.listFailedSources()).toEqual([]);
  });
});

describe('ingest: outcomes', () => {
  it('an upload Jekyll would not publish takes the post down: unpublished, naming the post and why', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One', ['categories: first']));
    await ingestChange(created(1, 'v1'), deps);
    bucket.put('v2', text('One', ['categories: first', 'published: false']));
    expect(await ingestChange(created(2, 'v2'), deps)).toEqual({
      key: KEY,
      result: 'unpublished',
      postId: '2022-05-01-alpha',
      feeds: expect.arrayContaining([{ kind: 'category', name: 'first' }]),
      reason: 'published: false in its front matter: Jekyll does not publish it',
    });
    expect(await titles(store, 'first')).toEqual([]);
  });
});

describe("ingest: feed versions (what readers' cached feeds follow)", () => {
  async function versions(store: MemoryPostStore): Promise<Array<number | undefined>> {
    return Promise.all(
      [{ kind: 'site' as const }, { kind: 'category' as const, name: 'first' }].map(
        async (ref) => (await store.getFeedMeta(ref))?.version,
      ),
    );
  }

  it('stay when an upload changes nothing its feed entries show', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    // `last_modified_at` fixes `updated`; `mood` is kept on the post, not in its feed entries.
    bucket.put('v1', text('One', ['categories: first', 'last_modified_at: 2022-06-01', 'mood: calm']));
    await ingestChange(created(1, 'v1'), deps);
    const before = await versions(store);
    expect(before).toEqual([1, 1]);
    bucket.put('v2', text('One', ['categories: first', 'last_modified_at: 2022-06-01', 'mood: cheerful']));
    expect(await ingestChange(created(2, 'v2'), deps)).toMatchObject({ result: 'published', feeds: [] });
    expect((await store.getPost('2022-05-01-alpha'))?.extra).toEqual({ mood: 'cheerful' });
    expect(await versions(store)).toEqual(before);
  });

  it('move on when an upload puts back entries a change cut short before its commit had replaced', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One', ['categories: first', 'last_modified_at: 2022-06-01']));
    await ingestChange(created(1, 'v1'), deps);
    // Event 2 rewrites the entries, moves the versions on, then dies before its commit.
    bucket.put('v2', text('Two', ['categories: first', 'last_modified_at: 2022-06-01']));
    store.failNext.push({ operation: /^commitSourceState$/, error: new Error('cut short') });
    await expect(ingestChange(created(2, 'v2'), deps)).rejects.toThrow('cut short');
    expect(await titles(store, 'first')).toEqual(['Two']);
    const cached = await versions(store);
    // Event 3 uploads the first text again: the same entries as the state's, not as the rows'.
    bucket.put('v3', text('One', ['categories: first', 'last_modified_at: 2022-06-01']));
    expect(await ingestChange(created(3, 'v3'), deps)).toMatchObject({ result: 'published' });
    expect(await titles(store, 'first')).toEqual(['One']);
    const now = await versions(store);
    expect(now[0]).toBeGreaterThan(cached[0]!);
    expect(now[1]).toBeGreaterThan(cached[1]!);
  });

  it("move on only for the post's own feeds when it is deleted", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One', ['categories: first']));
    await ingestChange(created(1, 'v1'), deps);
    bucket.latest = undefined;
    expect(await ingestChange({ ...created(2, 'v1'), kind: 'removed', versionId: undefined }, deps)).toMatchObject({
      result: 'deleted',
    });
    const feedRows = [
      ...new Set(
        store
          .dump()
          .filter((row) => row.pk.startsWith('FEED#'))
          .map((row) => row.pk),
      ),
    ];
    expect(feedRows.sort()).toEqual(['FEED#category#first', 'FEED#site']);
  });
});

describe('ingest: the write token of an object too large to read', () => {
  // Tokens are stored with every row and compared with tokens made later (reindex finishes a change
  // that read "these very bytes"): what names an unread object is fixed, like the hash of bytes.
  const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  const cases: Array<[string, StoredObject, string]> = [
    ['its ETag and size', { etag: 'big', size: 5000 }, 'unread\0big\u00005000'],
    ['its size alone when it has no ETag', { size: 5000 }, 'unread\0\u00005000'],
    ['its ETag alone when its size is unknown', { etag: 'big' }, 'unread\0big\0'],
  ];
  for (const [name, object, named] of cases) {
    it(`names ${name}`, async () => {
      const store = new MemoryPostStore();
      const outcome = await ingestChange(created(1, 'v1'), {
        store,
        readObject: async (key) => (key === SITE_CONFIG_KEY ? undefined : object),
        maxPostBytes: 1000,
      });
      expect(outcome).toMatchObject({ result: 'rejected' });
      expect((await store.getSourceState(KEY))?.sequencer).toBe(`${eventPart(s3Sequencer(1))}.${hash(named)}`);
    });
  }
});
