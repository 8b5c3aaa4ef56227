import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { NotFound } from '../../functions/core/errors';
import { FeedDocuments } from '../../functions/core/feed-documents';
import type { FeedEntry, FeedRef } from '../../functions/core/post';
import { siteForRequest } from '../../functions/core/settings';
import { MemoryPostStore } from '../support/memory-store';

// A new category's first entry is written before ingest first moves the feed's version
// (functions/core/ingest.ts): in between, its feed exists with entries and no version.

const SITE = siteForRequest({ ...settingsFromEnv({}), feedVersionCacheMs: 0 }, { host: 'localhost' });
const NEW_CATEGORY: FeedRef = { kind: 'category', name: 'new-category' };

const entry: FeedEntry = {
  id: 'first-post',
  title: 'First post',
  date: '2022-03-01T09:00:00+08:00',
  updated: '2022-03-01T09:00:00+08:00',
  categories: ['new-category'],
  tags: [],
  path: '/new-category/first-post.html',
  shortCode: 'AbCdEf1',
  html: '<p>Body.</p>',
  summary: 'Body.',
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

describe('a conditional poll on an instance that has rendered nothing', () => {
  it('reads the entries of a feed that has no version yet instead of answering 404', async () => {
    const store = new MemoryPostStore();
    await store.putFeedEntry(NEW_CATEGORY, entry, '0000000000000000000000000000000A.x');
    // Another instance served the entries as version 0; this one starts cold.
    const served = await new FeedDocuments(store).current(NEW_CATEGORY, 'rss', SITE, {});
    const cold = () => new FeedDocuments(store);

    expect((await cold().current(NEW_CATEGORY, 'rss', SITE, { 'if-none-match': served.headers.etag })).status).toBe(
      304,
    );
    const stale = await cold().current(NEW_CATEGORY, 'rss', SITE, { 'if-none-match': '"7-older"' });
    expect(stale.status).toBe(200);
    expect(stale.body).toContain('First post');
  });
});

/** A store whose feed Queries run at once and answer only when the test says (a response in flight). */
class HeldFeedReads extends MemoryPostStore {
  private held: Array<() => void> = [];
  private holding = true;
  queries = 0;
  async readFeed(...args: Parameters<MemoryPostStore['readFeed']>) {
    this.queries++;
    const page = await super.readFeed(...args);
    if (this.holding) await new Promise<void>((resolve) => this.held.push(resolve));
    return page;
  }
  /** Answers the held Queries and every later one at once. */
  open(): void {
    this.holding = false;
    this.release();
  }
  get waiting(): number {
    return this.held.length;
  }
  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** Lets pending work run until `condition` holds; a few turns of the event loop suffice when it will. */
async function until(condition: () => boolean): Promise<void> {
  for (let turns = 0; !condition(); turns++) {
    if (turns === 1000) throw new Error(`still waiting after ${turns} turns of the event loop`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('concurrent misses of one document', () => {
  const second: FeedEntry = {
    ...entry,
    id: 'second-post',
    title: 'Second post',
    date: '2022-03-02T09:00:00+08:00',
    updated: '2022-03-02T09:00:00+08:00',
    path: '/new-category/second-post.html',
    shortCode: 'AbCdEf2',
  };

  it('never answer a poll from a render whose Query ran before the poll arrived (FEED_VERSION_CACHE_MS=0)', async () => {
    const store = new HeldFeedReads();
    await store.putFeedEntry(NEW_CATEGORY, entry, '0000000000000000000000000000000A.x');
    await store.touchFeeds([NEW_CATEGORY]);
    const feeds = new FeedDocuments(store);

    const early = feeds.current(NEW_CATEGORY, 'json', SITE, {});
    await until(() => store.waiting === 1);
    await store.putFeedEntry(NEW_CATEGORY, second, '0000000000000000000000000000000B.x');
    await store.touchFeeds([NEW_CATEGORY]);
    const late = feeds.current(NEW_CATEGORY, 'json', SITE, {});
    store.release();
    await until(() => store.waiting === 1);
    store.release();

    expect((await early).body).not.toContain('Second post');
    expect((await late).body).toContain('Second post');
    expect(store.queries).toBe(2);
  });

  it('share one render when they arrive within FEED_VERSION_CACHE_MS of its start', async () => {
    const store = new HeldFeedReads();
    await store.putFeedEntry(NEW_CATEGORY, entry, '0000000000000000000000000000000A.x');
    const feeds = new FeedDocuments(store);
    // A window far longer than starting 8 requests takes, so the test does not depend on the machine's speed.
    const tolerant = { ...SITE, feedVersionCacheMs: 60_000 };
    const responses = Array.from({ length: 8 }, () => feeds.current(NEW_CATEGORY, 'json', tolerant, {}));
    await until(() => store.waiting === 1);
    store.release();
    expect(new Set((await Promise.all(responses)).map((response) => response.status))).toEqual(new Set([200]));
    expect(store.queries).toBe(1);
  });

  it('share the answer that a feed does not exist: one Query for a burst of polls of a made-up name', async () => {
    const store = new HeldFeedReads();
    const feeds = new FeedDocuments(store);
    const tolerant = { ...SITE, feedVersionCacheMs: 60_000 };
    const unknown: FeedRef = { kind: 'tag', name: 'made-up' };
    const responses = Array.from({ length: 8 }, () =>
      feeds.current(unknown, 'rss', tolerant, {}).catch((error: unknown) => error),
    );
    await until(() => store.waiting === 1);
    store.open();
    const outcomes = await Promise.all(responses);
    expect(outcomes.every((outcome) => outcome instanceof NotFound)).toBe(true);
    expect(store.queries).toBe(1);
  });
});
