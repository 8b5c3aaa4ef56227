import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type IngestDeps,
  ingestChange,
  type ObjectChange,
  readPostInProcess,
  reconcileKey,
  type StoredObject,
} from '../../functions/core/ingest';
import { eventPart } from '../../functions/core/sequencer';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { MemoryPostStore } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// Applying an object: the `updated` time a post gets, errors that are not refusals, a change
// that finds its post item newer stopping at once, and reindex finishing a change cut short.

const KEY = 'posts/2022-05-01-alpha.md';
const ID = '2022-05-01-alpha';
const encoder = new TextEncoder();

function text(title: string): string {
  return `---\ntitle: ${title}\ndate: 2022-05-01 10:00:00 +0800\ncategories: news\n---\nBody of ${title}.\n`;
}
const hashOf = (body: string) => createHash('sha256').update(encoder.encode(body)).digest('hex').slice(0, 16);

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
  eventTime: `2024-01-0${n}T00:00:00.000Z`,
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

describe("ingest: a post's `updated` time", () => {
  it("is the post's own date on a first publish, the event's time when its content changes, and kept when it does not", async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One'));
    await ingestChange(created(1, 'v1'), deps);
    expect((await store.getPost(ID))?.updated).toBe('2022-05-01T02:00:00.000Z');
    bucket.put('v2', text('One, edited'));
    await ingestChange(created(2, 'v2'), deps);
    expect((await store.getPost(ID))?.updated).toBe('2024-01-02T00:00:00.000Z');
    // The same text uploaded again: a new object version, a new event, the same content.
    bucket.put('v3', text('One, edited'));
    expect(await ingestChange(created(3, 'v3'), deps)).toMatchObject({ result: 'published' });
    expect((await store.getPost(ID))?.updated).toBe('2024-01-02T00:00:00.000Z');
  });
});

describe('ingest: an error reading the post that is not a refusal', () => {
  it('is thrown as it is, for a retry, and records nothing', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('One'));
    const readPost = async () => {
      throw new Error('the parser worker ran out of memory');
    };
    await expect(ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject, readPost })).rejects.toThrow(
      'the parser worker ran out of memory',
    );
    expect(await store.getSourceState(KEY)).toBeUndefined();
    expect(await store.listFailedSources()).toEqual([]);
    // With the worker back, the retry publishes.
    expect(
      await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject, readPost: readPostInProcess }),
    ).toMatchObject({ result: 'published' });
  });
});

describe('ingest: a change that finds its post item written by a newer one', () => {
  it('writes nothing more of its own: no share link, page path or feed entry claim', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One'));
    bucket.put('v2', text('Two'));
    const paused = pauseAt(store, 'putPost');
    const older = ingestChange(created(1, 'v1'), deps);
    await paused.reached;
    store.step = async () => {};
    expect(await ingestChange(created(2, 'v2'), deps)).toMatchObject({ result: 'published' });
    const operations: string[] = [];
    paused.release();
    store.step = async (operation) => {
      operations.push(operation);
    };
    expect(await older).toMatchObject({ result: 'skipped', reason: 'a newer event already wrote this post' });
    expect(
      operations.filter((operation) => ['claimShareLink', 'claimPath', 'putFeedEntry'].includes(operation)),
    ).toEqual([]);
  });
});

describe('reconcileKey: rows newer than the state, from a change that read the same bytes', () => {
  it('leaves a listing older than the post item to the newer change, and finishes that one with its own token', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    // Events 1 and 2 upload the same text; each is cut short before its commit.
    bucket.put('v1', text('One'));
    bucket.put('v2', text('One'));
    for (const [n, version] of [
      [1, 'v1'],
      [2, 'v2'],
    ] as const) {
      store.failNext.push({ operation: /^commitSourceState$/, error: new Error('cut short') });
      await expect(ingestChange(created(n, version), deps)).rejects.toThrow('cut short');
    }
    const first = `${eventPart(s3Sequencer(1))}.${hashOf(text('One'))}`;
    const second = `${eventPart(s3Sequencer(2))}.${hashOf(text('One'))}`;
    expect((await store.getPostWriter(ID))?.sequencer).toBe(second);
    // Reindex listed the rows while event 1's were the newest.
    const outcome = await reconcileKey(KEY, { ...deps, after: { token: first, postId: ID } });
    expect(outcome).toMatchObject({ result: 'published', postId: ID });
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'published', sequencer: second });
  });

  it('does not take over a post item its change took back: applied again with a reindex token', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    const deps: IngestDeps = { store, readObject: bucket.readObject };
    bucket.put('v1', text('One'));
    store.failNext.push({ operation: /^commitSourceState$/, error: new Error('cut short') });
    await expect(ingestChange(created(1, 'v1'), deps)).rejects.toThrow('cut short');
    const token = `${eventPart(s3Sequencer(1))}.${hashOf(text('One'))}`;
    // As a take-back by that change leaves it: a tombstone with its token.
    await store.deletePost({ id: ID, sourceKey: KEY }, token);
    expect(await store.getPostWriter(ID)).toMatchObject({ gone: true, sequencer: token });
    expect(await reconcileKey(KEY, { ...deps, after: { token, postId: ID } })).toMatchObject({
      result: 'published',
      postId: ID,
    });
    expect(await store.getSourceState(KEY)).toMatchObject({
      status: 'published',
      sequencer: `${token}/000001.${hashOf(text('One'))}`,
    });
    expect((await store.getPost(ID))?.title).toBe('One');
  });
});
