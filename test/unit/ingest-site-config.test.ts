import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import {
  type IngestDeps,
  ingestChange,
  type ObjectChange,
  reconcileKey,
  type StoredObject,
} from '../../functions/core/ingest';
import { MAX_CONFIG_BYTES, SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { MemoryPostStore } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// How ingest reads the site's _config.yml beside every post: refused while it cannot be read (too
// large, not UTF-8), an error of the bucket thrown for a retry, its own events not read as posts;
// and a draft's reason never written over the reason of a skip.

const KEY = 'posts/2022-05-01-alpha.md';
const encoder = new TextEncoder();
const TEXT = '---\ntitle: Alpha\ndate: 2022-05-01 10:00:00 +0800\ncategories: news\n---\nBody.\n';

function bucket(config: StoredObject | undefined, post: string = TEXT) {
  const reads: string[] = [];
  const readObject = async (key: string): Promise<StoredObject | undefined> => {
    reads.push(key);
    if (key === SITE_CONFIG_KEY) return config;
    return key === KEY ? { bytes: encoder.encode(post), etag: 'e1' } : undefined;
  };
  return { readObject, reads };
}

const created = (n: number, key = KEY): ObjectChange => ({
  key,
  kind: 'created',
  sequencer: s3Sequencer(n),
  eventTime: '2024-01-01T00:00:00.000Z',
});

describe("ingest: the site's _config.yml", () => {
  it('refuses every post while it is larger than ingest reads, saying so', async () => {
    const store = new MemoryPostStore();
    const { readObject } = bucket({ size: MAX_CONFIG_BYTES + 1, etag: 'big' });
    expect(await ingestChange(created(1), { store, readObject })).toEqual({
      key: KEY,
      result: 'rejected',
      feeds: [],
      error: `${SITE_CONFIG_KEY} is over ${MAX_CONFIG_BYTES} bytes`,
    });
    expect(await store.getPost('2022-05-01-alpha')).toBeUndefined();
  });

  it('refuses every post while it is not UTF-8 text, saying so', async () => {
    const store = new MemoryPostStore();
    const { readObject } = bucket({
      bytes: Uint8Array.from([0x74, 0x69, 0x74, 0x6c, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
      etag: 'latin',
    });
    expect(await ingestChange(created(1), { store, readObject })).toEqual({
      key: KEY,
      result: 'rejected',
      feeds: [],
      error: `the site's ${SITE_CONFIG_KEY} is not UTF-8 text`,
    });
  });

  it('throws, for a retry, an error reading it that is not a refusal, and records nothing', async () => {
    const store = new MemoryPostStore();
    const { readObject } = bucket(undefined);
    const readSite = async () => {
      throw new Error('S3 is unavailable');
    };
    await expect(ingestChange(created(1), { store, readObject, readSite })).rejects.toThrow('S3 is unavailable');
    expect(await store.getSourceState(KEY)).toBeUndefined();
  });

  it('throws, for a retry, an error reading it during reindex, even for a key refused while it was unreadable', async () => {
    const store = new MemoryPostStore();
    const { readObject } = bucket(undefined);
    const refusing = async () => {
      throw new PostRejected("the site's _config.yml: broken");
    };
    expect(await ingestChange(created(1), { store, readObject, readSite: refusing })).toMatchObject({
      result: 'rejected',
    });
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'failed', site: 'unreadable', etag: 'e1' });
    const unavailable = async () => {
      throw new Error('S3 is unavailable');
    };
    await expect(reconcileKey(KEY, { store, readObject, readSite: unavailable })).rejects.toThrow('S3 is unavailable');
  });

  it('is not read as a post when its own event arrives: skipped, without a read or a write', async () => {
    const store = new MemoryPostStore();
    const { readObject, reads } = bucket(undefined);
    const operations: string[] = [];
    store.step = async (operation) => {
      operations.push(operation);
    };
    expect(await ingestChange(created(1, SITE_CONFIG_KEY), { store, readObject })).toEqual({
      key: SITE_CONFIG_KEY,
      result: 'skipped',
      reason: 'the site configuration, not a post',
      feeds: [],
    });
    expect(reads).toEqual([]);
    expect(operations).toEqual([]);
  });

  it('while it is refused, an older event delivered again takes nothing back: it cannot know what rows its bytes gave', async () => {
    const store = new MemoryPostStore();
    let refused = false;
    const readSite = async () => {
      if (refused) throw new PostRejected("the site's _config.yml: broken");
      return undefined;
    };
    const objects = new Map<string, StoredObject>([['v1', { bytes: encoder.encode(TEXT), etag: 'e1' }]]);
    const readObject = async (_key: string, versionId?: string) => objects.get(versionId ?? 'v2');
    const deps: IngestDeps = { store, readObject, readSite };
    // Event 1 writes its rows and dies before its commit; event 2 (a delete) then commits.
    store.failNext.push({ operation: /^commitSourceState$/, error: new Error('cut short') });
    await expect(ingestChange({ ...created(1), versionId: 'v1' }, deps)).rejects.toThrow('cut short');
    expect(await ingestChange({ ...created(2), kind: 'removed' }, deps)).toMatchObject({ result: 'deleted' });
    expect((await store.queryFeed({ kind: 'category', name: 'news' }, 10)).map((entry) => entry.title)).toEqual([
      'Alpha',
    ]);
    refused = true;
    const before = store.dump();

    expect(await ingestChange({ ...created(1), versionId: 'v1' }, deps)).toMatchObject({ result: 'skipped' });
    expect(store.dump()).toEqual(before);
  });
});

describe("ingest: a draft's reason", () => {
  it("is not written over the reason of a skip: a second delivery of the draft's event says why it skipped", async () => {
    const store = new MemoryPostStore();
    const { readObject } = bucket(undefined, '---\ntitle: Alpha\ndate: 2022-05-01\npublished: false\n---\nBody.\n');
    const deps: IngestDeps = { store, readObject };
    // The second delivery reads the (empty) state, then waits while the first commits.
    let armed = true;
    let reach!: () => void;
    let release!: () => void;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    store.step = async (name) => {
      if (armed && name === 'commitSourceState') {
        armed = false;
        reach();
        await gate;
      }
    };
    const second = ingestChange(created(1), deps);
    await reached;
    expect(await ingestChange(created(1), deps)).toMatchObject({
      result: 'unpublished',
      reason: 'published: false in its front matter: Jekyll does not publish it',
    });
    release();
    expect(await second).toEqual({
      key: KEY,
      result: 'skipped',
      reason: 'another delivery of the same event applied it',
      feeds: [],
    });
  });
});
