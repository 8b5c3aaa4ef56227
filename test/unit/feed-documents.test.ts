import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { FeedDocuments } from '../../functions/core/feed-documents';
import { NotFound } from '../../functions/core/errors';
import type { FeedEntry, FeedRef } from '../../functions/core/post';
import { siteForRequest } from '../../functions/core/settings';
import { MemoryPostStore } from '../support/memory-store';

// A new category's first entry is written before ingest first moves the feed's version
// (functions/core/ingest.ts): in between, its feed exists with entries and no version.

const SITE = siteForRequest({ ...settingsFromEnv({}), feedVersionCacheMs: 0 }, { host: 'localhost' });
const NEW_CATEGORY: FeedRef = { kind: 'category', name: 'new-category' };

const entry: FeedEntry = {
  id: 'first-post', title: 'First post', date: '2022-03-01T09:00:00+08:00', updated: '2022-03-01T09:00:00+08:00',
  categories: ['new-category'], tags: [], path: '/new-category/first-post.html', shortCode: 'AbCdEf1',
  html: '<p>Body.</p>', summary: 'Body.',
};

describe('a feed whose entries are written and whose version is not yet', () => {
  it('keeps answering with the document it served, then moves on when the version does', async () => {
    const store = new MemoryPostStore();
    const feeds = new FeedDocuments(store);
    await store.putFeedEntry(NEW_CATEGORY, entry, '0000000000000000000000000000000A.x');

    const first = await feeds.current(NEW_CATEGORY, 'json', SITE, {});
    expect(first.status).toBe(200);
    expect(first.body).toContain('First post');
    // The next poll finds the document cached and checks the version, which does not exist yet.
    const second = await feeds.current(NEW_CATEGORY, 'json', SITE, {});
    expect(second.status).toBe(200);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect((await feeds.current(NEW_CATEGORY, 'json', SITE, { 'if-none-match': first.headers.etag })).status).toBe(304);

    await store.touchFeeds([NEW_CATEGORY]);
    const moved = await feeds.current(NEW_CATEGORY, 'json', SITE, { 'if-none-match': first.headers.etag });
    expect(moved.status).toBe(200);
    expect(moved.headers.etag).not.toBe(first.headers.etag);
  });

  it('still answers 404 for a category that has no entries, with or without a validator', async () => {
    const feeds = new FeedDocuments(new MemoryPostStore());
    const unknown: FeedRef = { kind: 'category', name: 'made-up' };
    await expect(feeds.current(unknown, 'rss', SITE, {})).rejects.toBeInstanceOf(NotFound);
    await expect(feeds.current(unknown, 'rss', SITE, { 'if-none-match': '"0-x"' })).rejects.toBeInstanceOf(NotFound);
  });
});
