import { describe, expect, it } from 'vitest';
import { ingestChange, type StoredObject } from '../../functions/core/ingest';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { reindex } from '../../functions/core/reindex';
import { MemoryPostStore } from '../support/memory-store';

// A change cut short after writing a new key's rows and before its first commit (a crash, a
// Lambda timeout), whose object is then deleted before any retry finishes it: no state names
// the rows, and no event ever will. Reindex takes them back.

const KEY = 'posts/2022-03-01-cut-short.md';
const TEXT = '---\ntitle: Cut short\ndate: 2022-03-01 09:00 +0800\ncategories: orphaned\ntags: [孤儿]\ninfoCode: NW202203010900000001\n---\nBody.\n';

describe('reindex and the rows of a change cut short before its first commit', () => {
  it('takes them back when the object is gone, and leaves them when it is there', async () => {
    for (const objectStays of [false, true]) {
      const store = new MemoryPostStore();
      const files = new Map<string, StoredObject>([[KEY, { bytes: new TextEncoder().encode(TEXT), etag: 'e1' }]]);
      const readObject = async (key: string) => files.get(key);
      const change = { key: KEY, kind: 'created' as const, sequencer: '0000000000000000000000000000000A', eventTime: '2022-03-01T01:00:00.000Z' };
      store.failNext.push({ operation: /commitSourceState/, error: new Error('cut short') });
      await expect(ingestChange(change, { store, readObject })).rejects.toThrow('cut short');
      expect((await store.queryFeed({ kind: 'category', name: 'orphaned' }, 20)).map((entry) => entry.id)).toEqual(['NW202203010900000001']);
      expect(await store.getSourceState(KEY)).toBeUndefined();

      if (!objectStays) files.delete(KEY);
      const summary = await reindex({
        store, readObject, settings: DEFAULT_INGEST_SETTINGS,
        listObjects: async function* () {
          for (const [key, object] of files) yield { key, etag: object.etag! };
        },
      });

      const entries = async (kind: 'site' | 'category' | 'tag', name = '') =>
        (await store.queryFeed(kind === 'site' ? { kind } : { kind, name }, 20)).map((entry) => entry.id);
      if (objectStays) {
        // The object is there: its rows are what it publishes, and they stay.
        expect(summary).toMatchObject({ objects: 1, deleted: 0 });
        expect(await entries('category', 'orphaned')).toEqual(['NW202203010900000001']);
        continue;
      }
      expect(summary).toMatchObject({ objects: 0, deleted: 1 });
      expect(await entries('site')).toEqual([]);
      expect(await entries('category', 'orphaned')).toEqual([]);
      expect(await entries('tag', '孤儿')).toEqual([]);
      expect(await store.getPost('NW202203010900000001')).toBeUndefined();
      expect((await store.getShareLink('NW202203010900000001'))?.gone).toBe(true);
      expect(await store.listNames('category')).toEqual([]);
      // A second run finds nothing left to do.
      expect(await reindex({ store, readObject, settings: DEFAULT_INGEST_SETTINGS, listObjects: async function* () {} })).toMatchObject({ deleted: 0 });
    }
  });
});
