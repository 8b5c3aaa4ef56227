import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingestChange, reconcileKey } from '../../functions/core/ingest';
import {
  expectConverged,
  expectNoStaleFeed,
  type FeedSnapshot,
  feedSnapshot,
  HISTORY_KEYS,
  type History,
  historyArbitrary,
  renderVersion,
  runHistory,
} from '../support/histories';
import { MemoryPostStore } from '../support/memory-store';
import { numRuns } from '../support/num-runs';

// The order, duplicate and concurrency guarantees of ingest, as properties over random S3
// histories, against the in-memory store (same rows and conditions as the DynamoDB store;
// test/integration/ingest-history.test.ts checks the two agree on real dynalite).

describe('ingest: random histories of uploads, re-uploads and deletes', () => {
  it('ends with the newest event of every key, over 1,000 histories delivered duplicated and shuffled', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(), async (history) => {
        const store = new MemoryPostStore();
        await runHistory(history, store);
        await expectConverged(history, store.dump(), store);
      }),
      { numRuns: numRuns(1000) },
    );
  });

  it('ends the same when deliveries that arrive together run at once, interleaved at every storage request', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(8), fc.scheduler(), async (history, scheduler) => {
        // What a reader could have cached between any two storage requests.
        const moments: FeedSnapshot[] = [];
        const store: MemoryPostStore = new MemoryPostStore(async () => {
          moments.push(feedSnapshot(store.dump()));
          await scheduler.schedule(Promise.resolve());
        });
        await runHistory(history, store, {
          runBatch: async (batch) => {
            const all = Promise.all(batch.map((delivery) => delivery()));
            await scheduler.waitFor(all);
          },
        });
        store.step = async () => {};
        await expectConverged(history, store.dump(), store);
        expectNoStaleFeed(moments, feedSnapshot(store.dump()));
      }),
      { numRuns: numRuns(300) },
    );
  });

  it('ends the same when storage requests fail at random and Lambda retries the event', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(8), fc.infiniteStream(fc.nat(99)), async (history, rolls) => {
        const dice = rolls[Symbol.iterator]();
        const moments: FeedSnapshot[] = [];
        const store: MemoryPostStore = new MemoryPostStore(async (operation) => {
          moments.push(feedSnapshot(store.dump()));
          if (!operation.startsWith('get') && dice.next().value >= 97) throw new Error(`throttled: ${operation}`);
        });
        await runHistory(history, store, { retries: 200 });
        store.step = async () => {};
        expectNoStaleFeed(moments, feedSnapshot(store.dump()));
        await expectConverged(history, store.dump(), store, { counts: false });
        // A count left behind by a failure between an entry and its count: reindex recounts.
        const published = (await store.listSources()).states.flatMap((state) => state.published?.feeds ?? []);
        await store.recountNames(published.flatMap((ref) => (ref.kind === 'site' ? [] : [ref])));
        await expectConverged(history, store.dump(), store);
      }),
      { numRuns: numRuns(300) },
    );
  });
});

describe('ingest: no reader keeps a feed whose entries changed under the same version', () => {
  const key = 'posts/2022-05-01-alpha.md';
  const version = (title: string) =>
    renderVersion(
      { title, categories: ['a'], tags: [], date: '2022-05-01', published: true, valid: true, infoCode: false },
      0,
    );
  const texts = new Map([
    ['v1', version('Alpha')],
    ['v2', version('Beta')],
    ['v3', version('Alpha')],
  ]);
  const readObject = async (_key: string, versionId?: string) => ({
    bytes: new TextEncoder().encode(texts.get(versionId!)!),
  });

  // Found in review: an overtaken change writes its entry, a reader caches the feed, and the
  // newer change writes back what was there before, so its commit changes no feed (A → A).
  it("moves the version on when an overtaken change's entry was overwritten by content equal to the committed one", async () => {
    let releaseV2 = () => {};
    const v2Paused = new Promise<void>((resolve) => (releaseV2 = resolve));
    let pauseNext = false;
    const store: MemoryPostStore = new MemoryPostStore(async (operation) => {
      if (pauseNext && operation === 'getPostWriter') {
        pauseNext = false;
        await v2Paused;
      }
    });
    const deliver = (sequencer: string, versionId: string) =>
      ingestChange(
        { key, kind: 'created', sequencer, eventTime: '2024-01-01T00:00:00.000Z', versionId },
        { store, readObject },
      );
    expect((await deliver('01', 'v1')).result).toBe('published');
    pauseNext = true;
    const v2 = deliver('02', 'v2'); // writes "Beta" into the feeds, then waits before checking it still owns the post
    while (pauseNext) await new Promise((resolve) => setImmediate(resolve));
    const cachedByAReader = feedSnapshot(store.dump());
    expect([...cachedByAReader.values()].some((feed) => feed.entries.includes('Beta'))).toBe(true);
    expect((await deliver('03', 'v3')).result).toBe('published');
    releaseV2();
    expect((await v2).result).toBe('skipped');
    expectNoStaleFeed([cachedByAReader], feedSnapshot(store.dump()));
  });
});

describe('ingest: two deliveries of one key at once', () => {
  const key = 'posts/2022-05-01-alpha.md';
  const version = (title: string, categories: string[]) =>
    renderVersion(
      { title, categories, tags: [], date: '2022-05-01', published: true, valid: true, infoCode: false },
      0,
    );

  it('keeps the newer upload whichever of two concurrent deliveries finishes first', async () => {
    const texts = new Map([
      ['v1', version('old', ['a'])],
      ['v2', version('new', ['b'])],
    ]);
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), async (scheduler) => {
        const store = new MemoryPostStore(async () => {
          await scheduler.schedule(Promise.resolve());
        });
        const readObject = async (_key: string, versionId?: string) => ({
          bytes: new TextEncoder().encode(texts.get(versionId!)!),
        });
        const deliver = (sequencer: string, versionId: string) =>
          ingestChange(
            { key, kind: 'created', sequencer, eventTime: '2024-01-01T00:00:00.000Z', versionId },
            { store, readObject },
          );
        await scheduler.waitFor(Promise.all([deliver('01', 'v1'), deliver('02', 'v2')]));
        store.step = async () => {};
        const history: History = {
          ops: [
            {
              key: 0,
              action: 'put',
              version: {
                title: 'old',
                categories: ['a'],
                tags: [],
                date: '2022-05-01',
                published: true,
                valid: true,
                infoCode: false,
              },
            },
            {
              key: 0,
              action: 'put',
              version: {
                title: 'new',
                categories: ['b'],
                tags: [],
                date: '2022-05-01',
                published: true,
                valid: true,
                infoCode: false,
              },
            },
          ],
          deliveries: [{ delays: [0] }, { delays: [0] }],
          versioned: true,
        };
        await expectConverged(history, store.dump(), store);
        expect((await store.queryFeed({ kind: 'category', name: 'a' }, 10)).length).toBe(0);
      }),
      { numRuns: numRuns(200) },
    );
  });
});

describe('reindex during and after random histories', () => {
  it('never overrides a newer event when it runs while events are still being delivered', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(8),
        fc.array(fc.nat(12), { maxLength: 3 }),
        fc.scheduler(),
        async (history, reindexAt, scheduler) => {
          const store = new MemoryPostStore(async () => {
            await scheduler.schedule(Promise.resolve());
          });
          await runHistory(history, store, {
            reindexAt,
            runBatch: async (batch) => {
              await scheduler.waitFor(Promise.all(batch.map((delivery) => delivery())));
            },
          });
          store.step = async () => {};
          await expectConverged(history, store.dump(), store);
        },
      ),
      { numRuns: numRuns(200) },
    );
  });

  it('changes nothing once the store matches the bucket', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary(8), async (history) => {
        const store = new MemoryPostStore();
        const { readObject } = await runHistory(history, store);
        const before = store.dump();
        for (const key of HISTORY_KEYS) {
          expect((await reconcileKey(key, { store, readObject })).result).toBe('unchanged');
        }
        expect(store.dump()).toEqual(before);
      }),
      { numRuns: numRuns(200) },
    );
  });
});
