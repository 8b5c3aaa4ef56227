import { describe, expect, it } from 'vitest';
import { ingestChange, type StoredObject } from '../../functions/core/ingest';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { MemoryPostStore } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// Ingest reads a page path's claim and a declared infoCode's link before it writes anything, and
// refuses a post whose path or code another post holds. Two posts claiming the same path or code
// at once both pass that check: the conditional claims decide, and the loser is refused after
// its first writes, which it takes back. Here the other post is published exactly in that gap
// (when the loser writes its post item, just after its check).

const encoder = new TextEncoder();
const objects = new Map<string, StoredObject>();
const readObject = async (key: string) => (key === SITE_CONFIG_KEY ? undefined : objects.get(key));

function post(title: string, fields: string[]): string {
  return [
    '---',
    `title: ${title}`,
    'date: 2022-05-01 10:00:00 +0800',
    'categories: race',
    ...fields,
    '---',
    `Body of ${title}.`,
    '',
  ].join('\n');
}

let sequence = 0;
async function upload(store: MemoryPostStore, key: string, text: string) {
  objects.set(key, { bytes: encoder.encode(text), etag: `etag-${++sequence}` });
  return ingestChange(
    { key, kind: 'created', sequencer: s3Sequencer(++sequence), eventTime: '2024-01-01T00:00:00.000Z' },
    { store, readObject },
  );
}

/** A store in which `other` is published the first time the change under test writes its post item. */
function racingStore(other: { key: string; text: string }): MemoryPostStore {
  const store = new MemoryPostStore();
  let raced = false;
  store.step = async (operation) => {
    if (operation !== 'putPost' || raced) return;
    raced = true;
    expect(await upload(store, other.key, other.text)).toMatchObject({ result: 'published' });
  };
  return store;
}

/** Rows that belong to `postId` or `key` (its state aside). */
function rowsOf(store: MemoryPostStore, postId: string, key: string) {
  return store
    .dump()
    .filter(
      (row) =>
        (row.postId === postId || row.id === postId || row.sourceKey === key) &&
        !row.pk.startsWith('SOURCE#') &&
        row.gone !== true,
    );
}

describe('two posts claiming one page path at once', () => {
  it('refuses the one that claims second, naming the holder, and leaves nothing of it published', async () => {
    const store = racingStore({
      key: 'posts/winner.md',
      text: post('Winner', ['id: winner', 'permalink: /same.html']),
    });
    const outcome = await upload(store, 'posts/loser.md', post('Loser', ['id: loser', 'permalink: /same.html']));
    expect(outcome).toMatchObject({
      result: 'rejected',
      error: 'page path /same.html is already published by posts/winner.md',
    });
    expect(await store.findPage('/same.html')).toMatchObject({ post: { id: 'winner', title: 'Winner' } });
    expect(rowsOf(store, 'loser', 'posts/loser.md')).toEqual([]);
    expect((await store.queryFeed({ kind: 'category', name: 'race' }, 10)).map((entry) => entry.id)).toEqual([
      'winner',
    ]);
    expect((await store.listFailedSources()).map(({ key, error }) => ({ key, error }))).toEqual([
      { key: 'posts/loser.md', error: 'page path /same.html is already published by posts/winner.md' },
    ]);
  });
});

describe('two posts declaring one infoCode at once', () => {
  it('refuses the one that claims second, naming the holder, and leaves nothing of it published', async () => {
    const store = racingStore({
      key: 'posts/first.md',
      text: post('First', ['id: first', 'infoCode: NW0000000000000001']),
    });
    const outcome = await upload(
      store,
      'posts/second.md',
      post('Second', ['id: second', 'infoCode: NW0000000000000001']),
    );
    expect(outcome).toMatchObject({
      result: 'rejected',
      error: 'infoCode "NW0000000000000001" is already published by posts/first.md',
    });
    expect(await store.getShareLink('NW0000000000000001')).toMatchObject({ postId: 'first', gone: false });
    expect(rowsOf(store, 'second', 'posts/second.md')).toEqual([]);
    expect((await store.queryFeed({ kind: 'category', name: 'race' }, 10)).map((entry) => entry.id)).toEqual(['first']);
  });
});
