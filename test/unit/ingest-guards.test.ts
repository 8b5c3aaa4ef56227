import { describe, expect, it } from 'vitest';
import { ingestChange, type ObjectChange, type StoredObject } from '../../functions/core/ingest';
import { eventPart } from '../../functions/core/sequencer';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import type { SourceState } from '../../functions/core/store';
import { MemoryPostStore, type Row } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// The promises ingest makes about one key's events, each pinned by what it visibly does: the
// outcome and its reason, which rows change, which storage requests are sent, what is read.
// The property tests (ingest-history, ingest-crash-repair) find the histories that break them;
// these name each guard, so that removing one fails a test that says which.

const KEY = 'posts/2022-05-01-alpha.md';
/** The page of the post when it is in `category` (the default permalink starts with the categories). */
const pathIn = (category: string) => `/${category}/2022/05/01/alpha.html`;
const encoder = new TextEncoder();

function postText(title: string, category: string): string {
  return `---\ntitle: ${title}\ndate: 2022-05-01 10:00:00 +0800\ncategories: ${category}\n---\nBody of ${title}.\n`;
}
const REFUSED_TEXT = '---\ndate: 2022-05-01\n---\nNo title.\n';

/** A versioned bucket holding one key's versions; records every read. */
class Bucket {
  private readonly versions = new Map<string, StoredObject>();
  private latest: string | undefined;
  readonly reads: Array<{ key: string; versionId?: string }> = [];

  put(versionId: string, text: string): void {
    this.versions.set(versionId, { bytes: encoder.encode(text), etag: `etag-${versionId}` });
    this.latest = versionId;
  }

  remove(): void {
    this.latest = undefined;
  }

  readObject = async (key: string, versionId?: string): Promise<StoredObject | undefined> => {
    // It holds no site _config.yml (ingest looks for one): the reads recorded are the posts'.
    if (key === SITE_CONFIG_KEY) return undefined;
    this.reads.push({ key, ...(versionId === undefined ? {} : { versionId }) });
    const id = versionId ?? this.latest;
    return id === undefined ? undefined : this.versions.get(id);
  };
}

function created(n: number, versionId: string): ObjectChange {
  return { key: KEY, kind: 'created', sequencer: s3Sequencer(n), eventTime: `2024-01-01T00:00:0${n}.000Z`, versionId };
}

function removed(n: number): ObjectChange {
  return { key: KEY, kind: 'removed', sequencer: s3Sequencer(n), eventTime: `2024-01-01T00:00:0${n}.000Z` };
}

/** Records the name of every storage request from now on. */
function recordOperations(store: MemoryPostStore): string[] {
  const operations: string[] = [];
  store.step = async (operation) => {
    operations.push(operation);
  };
  return operations;
}

const WRITES = new Set([
  'putFailure',
  'commitSourceState',
  'deleteFailure',
  'putPost',
  'deletePost',
  'claimPath',
  'releasePath',
  'removeLeftover',
  'putFeedEntry',
  'deleteFeedEntry',
  'bumpFeedVersion',
  'countName',
  'setCount',
  'claimShareLink',
  'markShareLinkGone',
]);

/** Every row but the feeds' version rows (taking rows back moves those on by design). */
function withoutFeedVersions(rows: Row[]): Row[] {
  return rows.filter((row) => row.sk !== '~META');
}

/**
 * Holds the first `operation` request sent from now on until `release()`: the change sending it
 * has read the key's state, and another change can run in between. `reached` resolves then.
 */
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

async function entryTitles(store: MemoryPostStore, category: string): Promise<string[]> {
  return (await store.queryFeed({ kind: 'category', name: category }, 10)).map((entry) => entry.title);
}

describe("ingest: an event no newer than the key's state", () => {
  it('skips an older upload, naming the event it is not newer than, and leaves every row as it was', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    bucket.put('v2', postText('Two', 'second'));
    await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    const before = store.dump();

    const late = await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    expect(late).toEqual({
      key: KEY,
      result: 'skipped',
      reason: `event ${s3Sequencer(1)} is not newer than ${eventPart(s3Sequencer(2))}`,
      feeds: [],
    });
    expect(withoutFeedVersions(store.dump())).toEqual(withoutFeedVersions(before));
    expect(await entryTitles(store, 'second')).toEqual(['Two']);
  });

  it('skips an older delete without reading the object and without a single write', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v3', postText('Three', 'third'));
    await ingestChange(created(3, 'v3'), { store, readObject: bucket.readObject });
    const before = store.dump();
    bucket.reads.length = 0;
    const operations = recordOperations(store);

    const late = await ingestChange(removed(2), { store, readObject: bucket.readObject });
    expect(late).toEqual({
      key: KEY,
      result: 'skipped',
      reason: `event ${s3Sequencer(2)} is not newer than ${eventPart(s3Sequencer(3))}`,
      feeds: [],
    });
    expect(bucket.reads).toEqual([]);
    expect(operations).toEqual(['getSourceState']);
    expect(store.dump()).toEqual(before);
  });

  it('skips a second delivery of the event applied last, reading its state once and taking nothing back', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    const first = await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    expect(first).toMatchObject({ result: 'published' });
    const before = store.dump();
    const operations = recordOperations(store);

    const again = await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    expect(again).toMatchObject({
      result: 'skipped',
      reason: `event ${s3Sequencer(1)} is not newer than ${eventPart(s3Sequencer(1))}`,
    });
    // Its rows are the rows in place: nothing to clean up, so no request but the state's read.
    expect(operations).toEqual(['getSourceState']);
    expect(store.dump()).toEqual(before);
    expect((await store.findPostByPath(pathIn('first')))?.title).toBe('One');
  });

  it('skips a second delivery of a delete already applied, changing nothing', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    bucket.remove();
    expect(await ingestChange(removed(2), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'deleted',
    });
    const before = store.dump();
    expect(await ingestChange(removed(2), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'skipped',
    });
    expect(store.dump()).toEqual(before);
  });

  it('skips an older upload whose object is gone or too large to read, without parsing or writing', async () => {
    for (const readObject of [async () => undefined, async () => ({ size: 10_000_000, etag: 'huge' })]) {
      const store = new MemoryPostStore();
      const bucket = new Bucket();
      bucket.put('v2', postText('Two', 'second'));
      await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
      const before = store.dump();
      const operations = recordOperations(store);
      expect(await ingestChange(created(1, 'v1'), { store, readObject })).toMatchObject({ result: 'skipped' });
      expect(operations.filter((operation) => WRITES.has(operation))).toEqual([]);
      expect(store.dump()).toEqual(before);
    }
  });

  it('skips an older upload that is refused, without throwing and without recording its refusal', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', REFUSED_TEXT);
    bucket.put('v2', postText('Two', 'second'));
    await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    expect(await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'skipped',
    });
    expect(await store.listFailedSources()).toEqual([]);
    expect(await store.getSourceState(KEY)).toMatchObject({
      status: 'published',
      sequencer: expect.stringMatching(/^R/),
    });
  });
});

describe('ingest: rows an overtaken attempt left behind', () => {
  it('are taken back when the older event is delivered again: its feed entry goes, the newer post stays', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    bucket.put('v2', postText('Two', 'second'));
    // Event 1 writes its rows, then dies before its commit (a timeout, a crash).
    store.failNext.push({ operation: /^commitSourceState$/, error: new Error('cut short') });
    await expect(ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject })).rejects.toThrow('cut short');
    // Event 2 knows nothing of those rows (no state named them): it rewrites the post, not the entry in `first`.
    expect(await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'published',
    });
    expect(await entryTitles(store, 'first')).toEqual(['One']);

    // Lambda retries event 1: it is older than the state, and takes back what its attempt wrote.
    const retry = await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    expect(retry).toMatchObject({
      result: 'skipped',
      reason: `event ${s3Sequencer(1)} is not newer than ${eventPart(s3Sequencer(2))}`,
    });
    expect(await entryTitles(store, 'first')).toEqual([]);
    expect(await store.listNames('category')).toEqual([{ name: 'second', count: 1 }]);
    expect(await entryTitles(store, 'second')).toEqual(['Two']);
    const post = (await store.findPostByPath(pathIn('second')))!;
    expect(post.title).toBe('Two');
    expect(await store.getShareLink(post.shortCode)).toMatchObject({ gone: false, path: pathIn('second') });
    // The page path the attempt claimed is free again: another key may publish there.
    bucket.put('other', `---\ntitle: Other\ndate: 2022-05-02\npermalink: ${pathIn('first')}\n---\nBody.\n`);
    const other = await ingestChange(
      { ...created(3, 'other'), key: 'posts/other.md' },
      { store, readObject: bucket.readObject },
    );
    expect(other).toMatchObject({ result: 'published', path: pathIn('first') });
  });

  it('are taken back by the change itself when a newer event commits while it runs', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    bucket.put('v2', postText('Two', 'second'));
    // Event 1 has written its rows and is about to commit when event 2 runs from start to end.
    const paused = pauseAt(store, 'commitSourceState');
    const older = ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    await paused.reached;
    store.step = async () => {};
    await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    expect(await entryTitles(store, 'first')).toEqual(['One']);
    paused.release();

    expect(await older).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'a newer event for this key was applied meanwhile',
      feeds: [],
    });
    expect(await entryTitles(store, 'first')).toEqual([]);
    expect(await entryTitles(store, 'second')).toEqual(['Two']);
    expect((await store.findPostByPath(pathIn('second')))?.title).toBe('Two');
  });

  it('are taken back when a newer event wrote the post first: skipped, naming the post', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    bucket.put('v2', postText('Two', 'second'));
    // Event 1 has read the state (none) and is about to write its post when event 2 runs.
    const paused = pauseAt(store, 'putPost');
    const older = ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    await paused.reached;
    store.step = async () => {};
    const newer = await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    paused.release();

    expect(await older).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'a newer event already wrote this post',
      feeds: [],
      postId: '2022-05-01-alpha',
    });
    expect(newer).toMatchObject({ result: 'published', postId: '2022-05-01-alpha' });
    expect(await entryTitles(store, 'first')).toEqual([]);
    expect(await entryTitles(store, 'second')).toEqual(['Two']);
  });
});

describe('ingest: two deliveries of one event at once', () => {
  async function deliverTwiceAtOnce(text: string, pauseBefore: string) {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text);
    // The second delivery reads the (empty) state, then waits while the first runs to its end.
    const paused = pauseAt(store, pauseBefore);
    const second = ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    await paused.reached;
    store.step = async () => {};
    const first = await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    const afterFirst = store.dump();
    paused.release();
    return { store, first, second: await second, afterFirst };
  }

  it("publish once: the second reports that another delivery applied it, and the rows are the first's", async () => {
    const { store, first, second, afterFirst } = await deliverTwiceAtOnce(postText('One', 'first'), 'putPost');
    expect(first).toMatchObject({ result: 'published' });
    expect(second).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'another delivery of the same event applied it',
      feeds: [],
    });
    expect(withoutFeedVersions(store.dump())).toEqual(withoutFeedVersions(afterFirst));
  });

  it('refuse once: the second reports that another delivery applied it, and the failure is recorded once', async () => {
    const { store, first, second, afterFirst } = await deliverTwiceAtOnce(REFUSED_TEXT, 'putFailure');
    expect(first).toMatchObject({ result: 'rejected', error: 'line 1: front matter has no title' });
    expect(second).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'another delivery of the same event applied it',
      feeds: [],
    });
    expect(store.dump()).toEqual(afterFirst);
  });

  it('a refused upload overtaken by a newer event reports that the newer one was applied', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', REFUSED_TEXT);
    bucket.put('v2', postText('Two', 'second'));
    const paused = pauseAt(store, 'putFailure');
    const older = ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    await paused.reached;
    store.step = async () => {};
    await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    paused.release();
    expect(await older).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'a newer event for this key was applied meanwhile',
      feeds: [],
    });
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'published' });
  });
});

describe('ingest: a refused upload keeps the last good version', () => {
  it('lets an older good upload that arrives late become the version kept, still listing the refusal', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    bucket.put('v2', postText('Two', 'second'));
    bucket.put('v3', REFUSED_TEXT);
    await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    expect(await ingestChange(created(3, 'v3'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'rejected',
    });

    // Event 2 is older than the refusal but newer than the rows in place (event 1's): it applies.
    const late = await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    expect(late).toMatchObject({ result: 'published', postId: '2022-05-01-alpha', path: pathIn('second') });
    expect((await store.findPostByPath(pathIn('second')))?.title).toBe('Two');
    expect(await entryTitles(store, 'first')).toEqual([]);
    expect(await store.getSourceState(KEY)).toMatchObject({
      status: 'failed',
      sequencer: expect.stringContaining(eventPart(s3Sequencer(3))),
      rowsSequencer: expect.stringContaining(eventPart(s3Sequencer(2))),
    });
    expect((await store.listFailedSources()).map((state) => state.error)).toEqual([
      'line 1: front matter has no title',
    ]);

    // And event 1, delivered again, is older than those rows: skipped.
    expect(await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'skipped',
    });
    expect((await store.findPostByPath(pathIn('second')))?.title).toBe('Two');
  });
});

describe("ingest: the commit's retries", () => {
  it('gives up after 20 attempts when the state keeps changing, so that Lambda retries the event', async () => {
    // A store whose compare-and-swap never succeeds: someone else always committed in between.
    class NeverCommits extends MemoryPostStore {
      commits = 0;
      override async commitSourceState(): Promise<{ committed: boolean }> {
        this.commits++;
        if (this.commits > 25) throw new Error('kept retrying past the limit');
        return { committed: false };
      }
    }
    const store = new NeverCommits();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    await expect(ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject })).rejects.toThrow(
      `the state of ${KEY} kept changing; giving up for a retry`,
    );
    expect(store.commits).toBe(20);
  });
});

describe('ingest: a key state written before states recorded their rows', () => {
  it("is completed from the post it names, so that the next upload takes back that post's rows", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', postText('One', 'first'));
    bucket.put('v2', postText('Two', 'second'));
    await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    // Rewrite the state as older versions wrote it: the post's id, no `published`.
    const state = (await store.getSourceState(KEY))!;
    const { published: _published, ...legacy } = state;
    expect((await store.commitSourceState(legacy as SourceState, state)).committed).toBe(true);

    expect(await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'published',
      feeds: expect.arrayContaining([{ kind: 'category', name: 'first' }]),
    });
    expect(await entryTitles(store, 'first')).toEqual([]);
    expect(await store.listNames('category')).toEqual([{ name: 'second', count: 1 }]);
  });
});
