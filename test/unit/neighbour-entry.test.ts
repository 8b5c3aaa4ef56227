import { describe, expect, it } from 'vitest';
import type { FeedEntry, FeedRef } from '../../functions/core/post';
import { feedCursor } from '../../functions/core/store';
import { MemoryPostStore } from '../support/memory-store';

// The in-memory store answers neighbourEntry as the DynamoDB one does (the integration test
// test/integration/post-navigation.test.ts follows the links over the DynamoDB store).

const category: FeedRef = { kind: 'category', name: 'paging' };

function entry(day: number): FeedEntry {
  const date = `2022-03-0${day}T12:00:00+08:00`;
  return {
    id: `nav-${day}`,
    title: `第 ${day} 篇`,
    date,
    updated: date,
    categories: ['paging'],
    tags: [],
    path: `/nav-${day}.html`,
    shortCode: `c${day}`,
    html: '<p>x</p>',
    summary: '<p>x</p>',
  };
}

describe('MemoryPostStore.neighbourEntry', () => {
  it('finds the entry just older or newer, never the feed version, undefined at the ends', async () => {
    const store = new MemoryPostStore();
    for (const day of [1, 2, 3]) await store.putFeedEntry(category, entry(day), `R${day}`);
    await store.touchFeeds([category]);
    expect((await store.neighbourEntry(category, feedCursor(entry(2)), 'older'))?.id).toBe('nav-1');
    expect((await store.neighbourEntry(category, feedCursor(entry(2)), 'newer'))?.id).toBe('nav-3');
    expect(await store.neighbourEntry(category, feedCursor(entry(1)), 'older')).toBeUndefined();
    expect(await store.neighbourEntry(category, feedCursor(entry(3)), 'newer')).toBeUndefined();
    expect(
      await store.neighbourEntry({ kind: 'category', name: 'other' }, feedCursor(entry(2)), 'older'),
    ).toBeUndefined();
  });
});
