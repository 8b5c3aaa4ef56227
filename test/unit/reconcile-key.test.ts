import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ingestChange, type ObjectChange, reconcileKey, type StoredObject } from '../../functions/core/ingest';
import { eventPart } from '../../functions/core/sequencer';
import { MemoryPostStore } from '../support/memory-store';

// reconcileKey (what reindex does for one key), by what it visibly does: the outcome, the state
// and write token it commits, and the writes it sends (none when it leaves a key alone).

const KEY = 'posts/2022-05-01-alpha.md';
const encoder = new TextEncoder();
const SEQUENCER = '0055AED6DCD90281E5';
/** The event part of SEQUENCER (functions/core/sequencer.ts). */
const EVENT = 'R0055AED6DCD90281E500000000000000';

function text(title: string): string {
  return `---\ntitle: ${title}\ndate: 2022-05-01 10:00:00 +0800\ncategories: news\n---\nBody of ${title}.\n`;
}

/** The part of a write token naming the bytes a change read (sha-256, 16 hex digits). */
function hashOf(body: string): string {
  return createHash('sha256').update(encoder.encode(body)).digest('hex').slice(0, 16);
}

class Bucket {
  readonly objects = new Map<string, StoredObject>();
  put(body: string, etag: string | undefined, lastModified = '2024-02-02T00:00:00.000Z'): void {
    this.objects.set(KEY, { bytes: encoder.encode(body), ...(etag === undefined ? {} : { etag }), lastModified });
  }
  readObject = async (key: string): Promise<StoredObject | undefined> => this.objects.get(key);
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

function recordWrites(store: MemoryPostStore): string[] {
  const writes: string[] = [];
  store.step = async (operation) => {
    if (WRITES.has(operation)) writes.push(operation);
  };
  return writes;
}

const created: ObjectChange = {
  key: KEY,
  kind: 'created',
  sequencer: SEQUENCER,
  eventTime: '2024-01-01T00:00:00.000Z',
};

/** A store where KEY's upload with SEQUENCER is published, and the bucket holding it. */
/** `etag` null: the object has none (undefined would take the default). */
async function published(etag: string | null = 'e1') {
  const store = new MemoryPostStore();
  const bucket = new Bucket();
  bucket.put(text('Alpha'), etag ?? undefined);
  expect(await ingestChange(created, { store, readObject: bucket.readObject })).toMatchObject({ result: 'published' });
  return { store, bucket };
}

async function titles(store: MemoryPostStore): Promise<string[]> {
  return (await store.queryFeed({ kind: 'category', name: 'news' }, 10)).map((entry) => entry.title);
}

describe('reconcileKey: a key left alone', () => {
  it("leaves a key whose state describes the object's ETag, and whose post it owns: unchanged, no write", async () => {
    const { store, bucket } = await published();
    const writes = recordWrites(store);
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toEqual({
      key: KEY,
      result: 'unchanged',
      status: 'published',
      feeds: [],
    });
    expect(writes).toEqual([]);
  });

  it('leaves a key with no object and no state, or a deleted state: unchanged and deleted, no write', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const writes = recordWrites(store);
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toEqual({
      key: KEY,
      result: 'unchanged',
      status: 'deleted',
      feeds: [],
    });
    expect(writes).toEqual([]);
    const { store: deletedStore, bucket: emptied } = await published();
    emptied.objects.delete(KEY);
    await ingestChange(
      { ...created, kind: 'removed', sequencer: `${SEQUENCER}1` },
      { store: deletedStore, readObject: emptied.readObject },
    );
    const after = recordWrites(deletedStore);
    expect(await reconcileKey(KEY, { store: deletedStore, readObject: emptied.readObject })).toEqual({
      key: KEY,
      result: 'unchanged',
      status: 'deleted',
      feeds: [],
    });
    expect(after).toEqual([]);
  });
});

describe('reconcileKey: a key applied again, ordered just after its state (golden write tokens)', () => {
  it('deletes what a key publishes when its object is gone, with the token base/000001.-', async () => {
    const { store, bucket } = await published();
    bucket.objects.delete(KEY);
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toMatchObject({
      result: 'deleted',
      postId: expect.any(String),
    });
    expect(await store.getSourceState(KEY)).toMatchObject({
      status: 'deleted',
      sequencer: `${EVENT}.${hashOf(text('Alpha'))}/000001.-`,
    });
    expect(await titles(store)).toEqual([]);
  });

  it("applies an object whose ETag changed, with the token base/000001.hash and the object's time", async () => {
    const { store, bucket } = await published();
    bucket.put(text('Beta'), 'e2', '2024-03-03T00:00:00.000Z');
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toMatchObject({ result: 'published' });
    expect(await store.getSourceState(KEY)).toMatchObject({
      status: 'published',
      etag: 'e2',
      at: '2024-03-03T00:00:00.000Z',
      sequencer: `${EVENT}.${hashOf(text('Alpha'))}/000001.${hashOf(text('Beta'))}`,
    });
    expect(await titles(store)).toEqual(['Beta']);
  });

  it('counts on from the last reindex token: /000002 after /000001', async () => {
    const { store, bucket } = await published();
    await reconcileKey(KEY, { store, readObject: bucket.readObject, force: true });
    await reconcileKey(KEY, { store, readObject: bucket.readObject, force: true });
    const hash = hashOf(text('Alpha'));
    expect((await store.getSourceState(KEY))?.sequencer).toBe(`${EVENT}.${hash}/000002.${hash}`);
  });

  it("gives a key with no state the token 0…0/000001.hash, below every event's", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put(text('Alpha'), 'e1');
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toMatchObject({ result: 'published' });
    const token = (await store.getSourceState(KEY))!.sequencer;
    expect(token).toBe(`${'0'.repeat(32)}/000001.${hashOf(text('Alpha'))}`);
    expect(token < eventPart('0')).toBe(true);
  });

  it('applies an object when neither it nor the state has an ETag to compare', async () => {
    const { store, bucket } = await published(null);
    bucket.put(text('Beta'), undefined);
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toMatchObject({ result: 'published' });
    expect(await titles(store)).toEqual(['Beta']);
  });

  it('applies a key again when the post its state names is gone', async () => {
    const { store, bucket } = await published();
    const state = (await store.getSourceState(KEY))!;
    store.deleteRows((row) => row.pk === `POST#${state.postId}`);
    expect(await store.getPost(state.postId!)).toBeUndefined();
    expect(await reconcileKey(KEY, { store, readObject: bucket.readObject })).toMatchObject({ result: 'published' });
    expect((await store.getPost(state.postId!))?.title).toBe('Alpha');
  });

  it("orders itself after the state, not after rows no newer than it (`after` equal to the state's token)", async () => {
    const { store, bucket } = await published();
    const state = (await store.getSourceState(KEY))!;
    const outcome = await reconcileKey(KEY, {
      store,
      readObject: bucket.readObject,
      force: true,
      after: { token: state.sequencer, postId: state.postId },
    });
    expect(outcome).toMatchObject({ result: 'published' });
    expect((await store.getSourceState(KEY))?.sequencer).toBe(`${state.sequencer}/000001.${hashOf(text('Alpha'))}`);
  });

  it("orders itself after newer rows that read other bytes, with its own token and the object's time", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put(text('Alpha'), 'e1');
    // A change cut short after writing its rows, before its commit: no state names them.
    store.failNext.push({ operation: /commitSourceState/, error: new Error('cut short') });
    await expect(ingestChange(created, { store, readObject: bucket.readObject })).rejects.toThrow('cut short');
    const rows = `${EVENT}.${hashOf(text('Alpha'))}`;
    const postId = (await store.queryFeed({ kind: 'category', name: 'news' }, 10))[0].id;
    expect((await store.getPostWriter(postId))?.sequencer).toBe(rows);
    bucket.put(text('Beta'), 'e2', '2024-03-03T00:00:00.000Z');
    expect(
      await reconcileKey(KEY, { store, readObject: bucket.readObject, after: { token: rows, postId } }),
    ).toMatchObject({ result: 'published' });
    expect(await store.getSourceState(KEY)).toMatchObject({
      sequencer: `${rows}/000001.${hashOf(text('Beta'))}`,
      at: '2024-03-03T00:00:00.000Z',
    });
    expect(await titles(store)).toEqual(['Beta']);
  });
});

describe('reconcileKey: a change of the key running at the same time', () => {
  /** Holds the first `operation` request from now on until released; `reached` resolves then. */
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

  it("finishes a running change that read the same bytes with that change's own token and time", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put(text('Alpha'), 'e1');
    const pause = pauseAt(store, 'commitSourceState');
    const running = ingestChange(created, { store, readObject: bucket.readObject });
    await pause.reached;
    // The running change wrote its rows and waits before its commit: its post item is newer.
    store.step = async () => {};
    const outcome = await reconcileKey(KEY, { store, readObject: bucket.readObject });
    expect(outcome).toMatchObject({ result: 'published' });
    const token = `${EVENT}.${hashOf(text('Alpha'))}`;
    // The time the running change stamped its post with (a first publish: the post's own date),
    // not the object's (2024-02-02).
    expect(await store.getSourceState(KEY)).toMatchObject({
      status: 'published',
      sequencer: token,
      at: '2022-05-01T02:00:00.000Z',
    });
    pause.release();
    expect(await running).toMatchObject({ result: 'skipped', reason: 'another delivery of the same event applied it' });
    expect(await titles(store)).toEqual(['Alpha']);
  });

  it('leaves a running change that read other bytes to its own event: skipped, naming its post', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put(text('Alpha'), 'e1');
    const pause = pauseAt(store, 'commitSourceState');
    const running = ingestChange(created, { store, readObject: bucket.readObject });
    await pause.reached;
    store.step = async () => {};
    bucket.put(text('Beta'), 'e2');
    const outcome = await reconcileKey(KEY, { store, readObject: bucket.readObject });
    expect(outcome).toMatchObject({
      result: 'skipped',
      reason: 'a newer event already wrote this post',
      postId: expect.any(String),
    });
    expect(await store.getSourceState(KEY)).toBeUndefined();
    pause.release();
    expect(await running).toMatchObject({ result: 'published' });
    expect(await store.getSourceState(KEY)).toMatchObject({ sequencer: `${EVENT}.${hashOf(text('Alpha'))}` });
  });
});
