import { describe, expect, it } from 'vitest';
import { ingestChange, type StoredObject } from '../../functions/core/ingest';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { reindex } from '../../functions/core/reindex';
import { MemoryPostStore } from '../support/memory-store';

// A change cut short after writing a new key's rows and before its first commit (a crash, a
// Lambda timeout), whose object is then deleted before any retry finishes it: no state names
// the rows, and no event ever will. Reindex takes them back; when the object is still there,
// it finishes the change instead.

const KEY = 'posts/2022-03-01-cut-short.md';
const TEXT =
  '---\ntitle: Cut short\ndate: 2022-03-01 09:00 +0800\ncategories: orphaned\ntags: [孤儿]\ninfoCode: NW202203010900000001\n---\nBody.\n';

describe('reindex and the rows of a change cut short before its first commit', () => {
  it('takes them back when the object is gone, and leaves them when it is there', async () => {
    for (const objectStays of [false, true]) {
      const store = new MemoryPostStore();
      const files = new Map<string, StoredObject>([[KEY, { bytes: new TextEncoder().encode(TEXT), etag: 'e1' }]]);
      const readObject = async (key: string) => files.get(key);
      const change = {
        key: KEY,
        kind: 'created' as const,
        sequencer: '0000000000000000000000000000000A',
        eventTime: '2022-03-01T01:00:00.000Z',
      };
      store.failNext.push({ operation: /commitSourceState/, error: new Error('cut short') });
      await expect(ingestChange(change, { store, readObject })).rejects.toThrow('cut short');
      expect((await store.queryFeed({ kind: 'category', name: 'orphaned' }, 20)).map((entry) => entry.id)).toEqual([
        'NW202203010900000001',
      ]);
      expect(await store.getSourceState(KEY)).toBeUndefined();

      if (!objectStays) files.delete(KEY);
      const summary = await reindex({
        store,
        readObject,
        settings: DEFAULT_INGEST_SETTINGS,
        listObjects: async function* () {
          for (const [key, object] of files) yield { key, etag: object.etag! };
        },
      });

      const entries = async (kind: 'site' | 'category' | 'tag', name = '') =>
        (await store.queryFeed(kind === 'site' ? { kind } : { kind, name }, 20)).map((entry) => entry.id);
      if (objectStays) {
        // The object is there: its rows are what it publishes, and they stay. Reindex finishes
        // the change cut short, as its event's retry would: the state now names the rows.
        expect(summary).toMatchObject({ objects: 1, deleted: 0, published: 1, skipped: 0 });
        expect(await entries('category', 'orphaned')).toEqual(['NW202203010900000001']);
        expect(await store.getSourceState(KEY)).toMatchObject({
          status: 'published',
          postId: 'NW202203010900000001',
          at: change.eventTime,
        });
        // The same rows the event's retry would write: stamped with the event's time.
        expect((await store.getPost('NW202203010900000001'))?.updated).toBe(change.eventTime);
        expect((await store.queryFeed({ kind: 'site' }, 20))[0].updated).toBe(change.eventTime);
        const again = await reindex({
          store,
          readObject,
          settings: DEFAULT_INGEST_SETTINGS,
          listObjects: async function* () {
            for (const [key, object] of files) yield { key, etag: object.etag! };
          },
        });
        expect(again).toMatchObject({ objects: 1, unchanged: 1, skipped: 0 });
        // So a later delete takes the rows back with everything else the key published.
        files.delete(KEY);
        await ingestChange(
          { ...change, kind: 'removed', sequencer: '0000000000000000000000000000000B' },
          { store, readObject },
        );
        expect(await entries('site')).toEqual([]);
        expect(await entries('category', 'orphaned')).toEqual([]);
        expect(await store.getPost('NW202203010900000001')).toBeUndefined();
        continue;
      }
      // Post, page path, two share links and three feed entries.
      expect(summary).toMatchObject({ objects: 0, swept: 7 });
      expect(await entries('site')).toEqual([]);
      expect(await entries('category', 'orphaned')).toEqual([]);
      expect(await entries('tag', '孤儿')).toEqual([]);
      expect(await store.getPost('NW202203010900000001')).toBeUndefined();
      expect((await store.getShareLink('NW202203010900000001'))?.gone).toBe(true);
      expect(await store.listNames('category')).toEqual([]);
      // A second run finds nothing left to do.
      expect(
        await reindex({ store, readObject, settings: DEFAULT_INGEST_SETTINGS, listObjects: async function* () {} }),
      ).toMatchObject({ deleted: 0, swept: 0 });
    }
  });

  it('does not finish it with other bytes: rows written from a newer upload are not taken over by a read of the older one', async () => {
    const store = new MemoryPostStore();
    const older = { bytes: new TextEncoder().encode(TEXT), etag: 'e1' };
    const newer = {
      bytes: new TextEncoder().encode(TEXT.replace('title: Cut short', 'title: Newer upload')),
      etag: 'e2',
    };
    // Reindex reads the object just before a newer upload lands; that upload's change writes its
    // rows and is cut short before its commit (its event will be delivered again), all before
    // reindex applies what it read.
    const change = {
      key: KEY,
      kind: 'created' as const,
      sequencer: '0000000000000000000000000000000B',
      eventTime: '2022-03-01T02:00:00.000Z',
    };
    let landed = false;
    const readBeforeTheUpload = async (key: string) => {
      // No site _config.yml.
      if (key !== KEY) return undefined;
      if (!landed) {
        landed = true;
        store.failNext.push({ operation: /commitSourceState/, error: new Error('cut short') });
        await expect(
          ingestChange(change, { store, readObject: async (read) => (read === KEY ? newer : undefined) }),
        ).rejects.toThrow('cut short');
      }
      return older;
    };
    const summary = await reindex({
      store,
      readObject: readBeforeTheUpload,
      settings: DEFAULT_INGEST_SETTINGS,
      listObjects: async function* () {
        yield { key: KEY, etag: 'e1' };
      },
    });
    expect(summary).toMatchObject({ objects: 1, published: 0, skipped: 1 });
    expect((await store.getPost('NW202203010900000001'))?.title).toBe('Newer upload');
    expect(await store.getSourceState(KEY)).toBeUndefined();
    // The event's retry finishes the newer change.
    expect(
      await ingestChange(change, { store, readObject: async (read) => (read === KEY ? newer : undefined) }),
    ).toMatchObject({ result: 'published' });
    expect(await store.getSourceState(KEY)).toMatchObject({ status: 'published', etag: 'e2' });
  });
});
