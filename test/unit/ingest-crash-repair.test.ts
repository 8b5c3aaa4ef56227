import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ingestChange, type StoredObject } from '../../functions/core/ingest';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { reindex } from '../../functions/core/reindex';
import { expectCountsMatch, historyArbitrary, publicRows, runHistory } from '../support/histories';
import { MemoryPostStore } from '../support/memory-store';
import { numRuns } from '../support/num-runs';
import { s3Sequencer } from '../support/sequencers';

// A machine that crashes: any storage request of any delivery may be the last one it sends, and
// the event is then lost (no retry). Whatever rows that leaves, reindex must bring the table to
// exactly what a clean ingest of the final bucket gives.

describe('reindex repairs what crashes leave', () => {
  it('ends equal to a clean ingest of the final bucket, whichever storage requests a crash cut off, over 500 histories', async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArbitrary(8),
        fc.array(fc.nat(99), { minLength: 400, maxLength: 400 }),
        fc.integer({ min: 5, max: 40 }),
        async (history, rolls, crashPercent) => {
          let roll = 0;
          const store = new MemoryPostStore(async (operation) => {
            if ((rolls[roll++] ?? 99) < crashPercent) throw new Error(`crashed before ${operation}`);
          });
          const run = await runHistory(history, store, { loseFailed: true });
          store.step = async () => {};
          const repair = () =>
            reindex({
              store,
              readObject: run.readObject,
              settings: DEFAULT_INGEST_SETTINGS,
              listObjects: async function* () {
                yield* run.objects();
              },
            });
          await repair();

          const clean = new MemoryPostStore();
          await reindex({
            store: clean,
            readObject: run.readObject,
            settings: DEFAULT_INGEST_SETTINGS,
            listObjects: async function* () {
              yield* run.objects();
            },
          });
          const refused = new Set((await clean.listFailedSources()).map((state) => state.key));
          expect(publicRows(store.dump(), refused)).toEqual(publicRows(clean.dump(), refused));
          expectCountsMatch(store.dump());
          expect((await store.listFailedSources()).map((state) => [state.key, state.error]).sort()).toEqual(
            (await clean.listFailedSources()).map((state) => [state.key, state.error]).sort(),
          );
          // And a second run finds nothing to do.
          expect(await repair()).toMatchObject({ published: 0, unpublished: 0, deleted: 0, skipped: 0, recounted: 0 });
        },
      ),
      { numRuns: process.env.CRASH_RUNS ? Number(process.env.CRASH_RUNS) : numRuns(500) },
    );
  }, 120_000);

  it('brings back a post whose delete was cut short before its commit and whose re-upload event was lost', async () => {
    const key = 'posts/2022-05-01-back.md';
    const text = '---\ntitle: Back\ndate: 2022-05-01 10:00:00 +0800\ncategories: news\n---\nBody.\n';
    const files = new Map<string, StoredObject>();
    const readObject = async (name: string) => files.get(name);
    const store = new MemoryPostStore();
    const at = (n: number) => ({ key, sequencer: s3Sequencer(n), eventTime: `2022-05-01T0${n}:00:00.000Z` });

    files.set(key, { bytes: new TextEncoder().encode(text), etag: 'e1' });
    await ingestChange({ ...at(1), kind: 'created' }, { store, readObject });
    // The delete tombstones the post, then the machine dies before it commits; the event is lost.
    files.delete(key);
    store.failNext.push({ operation: /^deleteFeedEntry$/, error: new Error('killed') });
    await expect(ingestChange({ ...at(2), kind: 'removed' }, { store, readObject })).rejects.toThrow('killed');
    // The post is uploaded again, and that event is lost too.
    files.set(key, { bytes: new TextEncoder().encode(text.replace('Body.', 'Body, again.')), etag: 'e2' });

    const summary = await reindex({
      store,
      readObject,
      settings: DEFAULT_INGEST_SETTINGS,
      listObjects: async function* () {
        yield { key, etag: 'e2' };
      },
    });
    expect(summary).toMatchObject({ published: 1, skipped: 0 });
    expect((await store.findPostByPath('/news/2022/05/01/back.html'))?.html).toBe('<p>Body, again.</p>');
    expect((await store.queryFeed({ kind: 'category', name: 'news' }, 5)).map((entry) => entry.title)).toEqual([
      'Back',
    ]);
    expect(await store.getSourceState(key)).toMatchObject({ status: 'published', etag: 'e2' });
  });

  it('claims the page paths of posts published before paths were claimed, and finds their pages meanwhile', async () => {
    const key = 'posts/2022-05-01-older.md';
    const files = new Map<string, StoredObject>([
      [key, { bytes: new TextEncoder().encode('---\ntitle: Older\ndate: 2022-05-01\n---\nBody.\n'), etag: 'e1' }],
    ]);
    const readObject = async (name: string) => files.get(name);
    const store = new MemoryPostStore();
    await ingestChange(
      { key, kind: 'created', sequencer: s3Sequencer(1), eventTime: '2022-05-01T00:00:00.000Z' },
      { store, readObject },
    );
    // A table written before: no claim.
    store.deleteRows((row) => row.pk.startsWith('PATH#'));
    expect((await store.findPostByPath('/2022/05/01/older.html'))?.title).toBe('Older');

    const summary = await reindex({
      store,
      readObject,
      settings: DEFAULT_INGEST_SETTINGS,
      listObjects: async function* () {
        yield { key, etag: 'e1' };
      },
    });
    expect(summary).toMatchObject({ published: 1 });
    expect(store.dump().filter((row) => row.pk === 'PATH#/2022/05/01/older.html')).toMatchObject([
      { postId: '2022-05-01-older', sourceKey: key, gone: false },
    ]);
    expect(
      await reindex({
        store,
        readObject,
        settings: DEFAULT_INGEST_SETTINGS,
        listObjects: async function* () {
          yield { key, etag: 'e1' };
        },
      }),
    ).toMatchObject({ published: 0, unchanged: 1 });
  });
});
