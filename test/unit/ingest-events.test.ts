import { describe, expect, it } from 'vitest';
import {
  ingestChange,
  type ObjectChange,
  type ReadPost,
  readPostInProcess,
  type StoredObject,
} from '../../functions/core/ingest';
import { shortCodeCandidate } from '../../functions/core/short-code';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { MemoryPostStore } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// How ingest answers each kind of S3 event, by what it visibly does: what it reads, the state it
// commits, the reason it gives for a skip, and which errors it lets through for a retry.

const KEY = 'posts/2022-05-01-alpha.md';
const encoder = new TextEncoder();

function text(title: string): string {
  return `---\ntitle: ${title}\ndate: 2022-05-01 10:00:00 +0800\ncategories: news\n---\nBody of ${title}.\n`;
}
const REFUSED = '---\ndate: 2022-05-01\n---\nNo title.\n';

/** A versioned bucket holding KEY's versions; records every read. */
class Bucket {
  readonly versions = new Map<string, StoredObject>();
  latest: string | undefined;
  readonly reads: Array<string | undefined> = [];
  put(versionId: string, body: string): void {
    this.versions.set(versionId, { bytes: encoder.encode(body), etag: `etag-${versionId}` });
    this.latest = versionId;
  }
  readObject = async (key: string, versionId?: string): Promise<StoredObject | undefined> => {
    // It holds no site _config.yml (ingest looks for one): the reads recorded are the posts'.
    if (key === SITE_CONFIG_KEY) return undefined;
    this.reads.push(versionId);
    const id = versionId ?? this.latest;
    return id === undefined ? undefined : this.versions.get(id);
  };
}

const created = (n: number, versionId?: string): ObjectChange => ({
  key: KEY,
  kind: 'created',
  sequencer: s3Sequencer(n),
  eventTime: `2024-01-01T00:00:0${n}.000Z`,
  ...(versionId ? { versionId } : {}),
});
const removed = (n: number, versionId?: string): ObjectChange => ({
  key: KEY,
  kind: 'removed',
  sequencer: s3Sequencer(n),
  eventTime: `2024-01-01T00:00:0${n}.000Z`,
  ...(versionId ? { versionId } : {}),
});

async function titles(store: MemoryPostStore): Promise<string[]> {
  return (await store.queryFeed({ kind: 'category', name: 'news' }, 10)).map((entry) => entry.title);
}

describe('ingest: removals', () => {
  it('a delete (a delete marker: no version) takes the post down without reading the object', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('Alpha'));
    await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    bucket.latest = undefined;
    bucket.reads.length = 0;
    expect(await ingestChange(removed(2), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'deleted',
    });
    expect(bucket.reads).toEqual([]);
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'deleted' });
    expect(await titles(store)).toEqual([]);
  });

  it('a version deleted for good, leaving the key empty, records the key as deleted', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('Alpha'));
    await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject });
    bucket.versions.delete('v1');
    bucket.latest = undefined;
    expect(await ingestChange(removed(2, 'v1'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'deleted',
    });
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'deleted' });
    expect(await titles(store)).toEqual([]);
  });
});

describe('ingest: uploads', () => {
  it('skips an upload whose object is gone by the time it is read, saying so', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    expect(await ingestChange(created(1), { store, readObject: bucket.readObject })).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'object no longer exists',
      feeds: [],
    });
    expect(await store.getSourceState(KEY)).toBeUndefined();
  });

  it('after a refused upload, skips an event older than the version kept up, naming the state it is not newer than', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v0', text('Zero'));
    bucket.put('v2', text('Alpha'));
    bucket.put('v3', REFUSED);
    await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    expect(await ingestChange(created(3, 'v3'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'rejected',
    });
    const state = (await store.getSourceState(KEY))!;
    expect(state.status).toBe('failed');
    const outcome = await ingestChange(created(1, 'v0'), { store, readObject: bucket.readObject });
    expect(outcome).toMatchObject({
      result: 'skipped',
      reason: expect.stringMatching(/^event \w+ is not newer than R\w+$/),
    });
    expect(await titles(store)).toEqual(['Alpha']);
  });
});

describe('ingest: rows an older delivery may have left', () => {
  /** KEY published by event 2 (v2), and an older event 1 (v1) about to be delivered late. */
  async function newerPublished() {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', text('First'));
    bucket.put('v2', text('Second'));
    await ingestChange(created(2, 'v2'), { store, readObject: bucket.readObject });
    return { store, bucket };
  }

  it('reads the older version with the options the change would have read it with', async () => {
    const { store, bucket } = await newerPublished();
    const calls: Array<Parameters<ReadPost>[2]> = [];
    const readPost: ReadPost = async (key, bytes, options) => {
      calls.push(options);
      return readPostInProcess(key, bytes, options);
    };
    const deps = {
      store,
      readObject: bucket.readObject,
      readPost,
      maxPostBytes: 4096,
      iframeHosts: ['video.example'],
      legacyHosts: ['old.example'],
    };
    expect(await ingestChange(created(1, 'v1'), deps)).toMatchObject({ result: 'skipped' });
    expect(calls).toEqual([
      {
        now: '2024-01-01T00:00:01.000Z',
        maxPostBytes: 4096,
        iframeHosts: ['video.example'],
        legacyHosts: ['old.example'],
      },
    ]);
  });

  it('lets an error reading them through (not a refusal of the post), so that the event is retried', async () => {
    const { store, bucket } = await newerPublished();
    const readPost: ReadPost = async () => {
      throw new Error('the reading worker stopped');
    };
    await expect(ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject, readPost })).rejects.toThrow(
      'the reading worker stopped',
    );
    expect(await titles(store)).toEqual(['Second']);
  });
});

describe('ingest: short codes held by other posts', () => {
  const ALPHA = `---\ntitle: Alpha\nid: alpha\ndate: 2022-05-01 10:00:00 +0800\ncategories: news\n---\nBody.\n`;
  async function holdCodes(store: MemoryPostStore, attempts: number[]) {
    for (const attempt of attempts) {
      expect(
        await store.claimShareLink({
          code: shortCodeCandidate('alpha', attempt),
          postId: `other-${attempt}`,
          path: `/other/${attempt}.html`,
        }),
      ).toBe(true);
    }
  }

  it('takes the eighth candidate when the first seven are held', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', ALPHA);
    await holdCodes(store, [0, 1, 2, 3, 4, 5, 6]);
    expect(await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject })).toMatchObject({
      result: 'published',
      postId: 'alpha',
    });
    expect((await store.getPost('alpha'))?.shortCode).toBe(shortCodeCandidate('alpha', 7));
    expect(await store.getShareLink(shortCodeCandidate('alpha', 7))).toMatchObject({ postId: 'alpha', gone: false });
    expect(await store.findPage('/news/2022/05/01/alpha.html')).toMatchObject({ post: { id: 'alpha' } });
  });

  it('refuses the post when all eight are held, naming the id, and publishes nothing of it', async () => {
    const store = new MemoryPostStore();
    const bucket = new Bucket();
    bucket.put('v1', ALPHA);
    await holdCodes(store, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(await ingestChange(created(1, 'v1'), { store, readObject: bucket.readObject })).toEqual({
      key: KEY,
      result: 'rejected',
      feeds: [],
      error: 'could not find a free short code for post id "alpha": 8 candidates are held by other posts',
    });
    expect(await store.getPost('alpha')).toBeUndefined();
    expect(await store.findPage('/news/2022/05/01/alpha.html')).toBeUndefined();
    expect(await titles(store)).toEqual([]);
    expect(await store.getShareLink(shortCodeCandidate('alpha', 0))).toMatchObject({ postId: 'other-0' });
  });
});
