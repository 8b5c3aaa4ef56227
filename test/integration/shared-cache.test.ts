import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random as seededRandom } from '../../bench/corpus';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { publishSampleContent, removePost, startTestStack, uploadPost } from '../support/local-stack';
import { type SharedCache, startSharedCache } from '../support/shared-cache';

// A real shared cache (nginx, configured as the CloudFront cache policy is: test/support/shared-cache.ts)
// in front of the local stack. 64 connections poll feeds, pages, sitemaps and share links for
// 30 s, half of them conditionally, while a post is published every 2.5 s. The origin gives
// shared caches an edge window of EDGE seconds (s-maxage). Proved:
// - the origin sees at most one request per cached variant (path, query, coding) per window;
// - no reader gets a feed older than the window (plus a second) after a publish;
// - readers' conditional requests are answered 304 by the cache itself.
// The figures are printed for the closing note: `npx vitest run test/integration/shared-cache.test.ts`.

const EDGE = 3;
const DURATION_MS = 30_000;
const CONNECTIONS = 64;
const PUBLISH_EVERY_MS = 2_500;
/** How long after a publish a reader may still get the feed without it: the window, and a second. */
const BOUND_MS = (EDGE + 1) * 1000;

let stack: LocalStack;
let cache: SharedCache;

interface Seen {
  start: number;
  path: string;
  coding: string;
  conditional: boolean;
  status: number;
  cacheStatus: string;
  body?: string;
}

const PATHS = [
  '/feed.rss',
  '/feed.atom',
  '/feed.json',
  '/category/live.rss',
  '/category/live.atom',
  '/category/live.json',
  '/category/chengduribao.rss',
  '/category/live.html',
  '/',
  '/sitemap.xml',
  '/news-sitemap.xml',
  '/feeds.opml',
  '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html',
  '/html_News/NewsShare.html?infoCode=NW202201122244036113',
];
const CODINGS = ['br', 'gzip', 'gzip, deflate, br', ''];
const LIVE = '/category/live.rss';

beforeAll(async () => {
  stack = await startTestStack({ SITE_TITLE: '成都日报', [ENV.edgeMaxAgeSeconds]: String(EDGE) });
  await publishSampleContent(stack);
  await uploadPost(stack, 'posts/live-0.md', livePost(0));
  cache = await startSharedCache(stack.url);
}, 60_000);

afterAll(async () => {
  await cache?.stop();
  await stack?.stop();
});

function livePost(index: number): string {
  return `---\ntitle: 直播 第${index}条\ndate: 2023-10-01 08:${String(index).padStart(2, '0')}:00 +0800\ncategories: live\n---\n第${index}条快讯。\n`;
}

describe('behind a shared cache', () => {
  it('keeps the origin to one request per variant per window, readers within the bound, and answers 304 at the edge', async () => {
    const seen: Seen[] = [];
    const published: Array<{ index: number; at: number }> = [];
    const etags = new Map<string, string>();
    const end = Date.now() + DURATION_MS;
    const random = seededRandom(7);

    const reader = async () => {
      while (Date.now() < end) {
        const path = PATHS[Math.floor(random() * PATHS.length)];
        const coding = CODINGS[Math.floor(random() * CODINGS.length)];
        const known = etags.get(`${path}\n${coding}`);
        const conditional = known !== undefined && random() < 0.5;
        const start = Date.now();
        const response = await fetch(cache.url + path, {
          redirect: 'manual',
          headers: { 'accept-encoding': coding, ...(conditional ? { 'if-none-match': known } : {}) },
        });
        const body = await response.text();
        const etag = response.headers.get('etag');
        if (etag) etags.set(`${path}\n${coding}`, etag);
        seen.push({
          start,
          path,
          coding,
          conditional,
          status: response.status,
          cacheStatus: response.headers.get('x-cache-status') ?? '',
          ...(path === LIVE && response.status === 200 ? { body } : {}),
        });
      }
    };
    const publisher = async () => {
      for (let index = 1; Date.now() < end - PUBLISH_EVERY_MS; index++) {
        await new Promise((resolve) => setTimeout(resolve, PUBLISH_EVERY_MS));
        await uploadPost(stack, `posts/live-${index}.md`, livePost(index));
        published.push({ index, at: Date.now() });
      }
    };
    await Promise.all([publisher(), ...Array.from({ length: CONNECTIONS }, reader)]);

    // Every request had an answer a reader can use.
    expect(seen.filter((entry) => ![200, 301, 304].includes(entry.status))).toEqual([]);
    expect(published.length).toBeGreaterThanOrEqual(6);

    // At the origin: per variant, requests at least a window apart (nginx keeps time in whole
    // seconds, so a window can end up to a second early).
    const byVariant = new Map<string, number[]>();
    for (const request of cache.originRequests) {
      const key = `${request.target}\n${request.acceptEncoding}`;
      byVariant.set(key, [...(byVariant.get(key) ?? []), request.at]);
    }
    const tooSoon: string[] = [];
    for (const [key, times] of byVariant) {
      times.sort((a, b) => a - b);
      for (let index = 1; index < times.length; index++)
        if (times[index] - times[index - 1] < (EDGE - 1) * 1000 - 50)
          tooSoon.push(`${key.replace('\n', ' ')}: ${times[index] - times[index - 1]} ms`);
    }
    expect(tooSoon).toEqual([]);
    const windows = Math.ceil(DURATION_MS / (EDGE * 1000)) + 1;
    for (const [key, times] of byVariant) expect(times.length, key).toBeLessThanOrEqual(windows + 1);

    // Readers: a live feed fetched later than the bound after a publish has that post.
    const stale = seen.filter(
      (entry) =>
        entry.body !== undefined &&
        published.some(({ index, at }) => entry.start > at + BOUND_MS && !entry.body!.includes(`直播 第${index}条`)),
    );
    expect(stale.map((entry) => `${entry.start} ${entry.cacheStatus}`)).toEqual([]);
    // The freshest feed a reader got after each publish, to show the bound is met and not loose
    // (for the publishes a full bound before the polling stopped: a later one may have no reader).
    const delays = published
      .filter(({ at }) => at + BOUND_MS <= end)
      .map(({ index, at }) => {
        const first = seen.find((entry) => entry.start >= at && entry.body?.includes(`直播 第${index}条`));
        return first ? first.start - at : Number.POSITIVE_INFINITY;
      });
    expect(Math.max(...delays)).toBeLessThanOrEqual(BOUND_MS);

    // Conditional requests: answered 304 by the cache itself, far more often than the origin answers any.
    const conditional = seen.filter((entry) => entry.conditional);
    const notModifiedAtEdge = conditional.filter((entry) => entry.status === 304 && entry.cacheStatus === 'HIT');
    expect(notModifiedAtEdge.length).toBeGreaterThan(conditional.length / 2);
    const origin304 = cache.originRequests.filter((request) => request.status === 304).length;

    const pathCount = new Set(cache.originRequests.map((request) => request.target)).size;
    console.log(
      [
        `${seen.length} reader requests over ${DURATION_MS / 1000} s on ${CONNECTIONS} connections (${Math.round(seen.length / (DURATION_MS / 1000))}/s), ${published.length} posts published`,
        `origin: ${cache.originRequests.length} requests (${origin304} answered 304) for ${pathCount} paths in ${byVariant.size} variants; at most ${Math.max(...[...byVariant.values()].map((times) => times.length))} per variant (${windows} windows of ${EDGE} s)`,
        `readers: ${conditional.length} conditional requests, ${notModifiedAtEdge.length} answered 304 by the cache; hit ratio ${Math.round((100 * seen.filter((entry) => entry.cacheStatus === 'HIT').length) / seen.length)} %`,
        `staleness after a publish (first reader to see the post): median ${median(delays)} ms, max ${Math.max(...delays)} ms (bound ${BOUND_MS} ms)`,
      ].join('\n'),
    );
  }, 90_000);
});

describe('a share link behind the shared cache', () => {
  it('stops redirecting to a deleted post within the window and a second', async () => {
    await uploadPost(stack, 'posts/2023-10-02-shared.md', '---\ntitle: 将被删除\ncategories: live\n---\n正文。\n');
    const post = await stack.store.findPostByPath('/live/2023/10/02/shared.html');
    expect(post?.shortCode).toBeTruthy();
    const link = `${cache.url}/s/${post!.shortCode}`;
    // Cached at the edge as a redirect...
    for (let poll = 0; poll < 3; poll++) expect((await fetch(link, { redirect: 'manual' })).status).toBe(301);
    expect((await fetch(link, { redirect: 'manual' })).headers.get('x-cache-status')).toBe('HIT');
    await removePost(stack, 'posts/2023-10-02-shared.md');
    const removed = Date.now();
    // ...and gone within the bound.
    let status = 301;
    while (status === 301 && Date.now() - removed < BOUND_MS + 2000) {
      status = (await fetch(link, { redirect: 'manual' })).status;
      if (status === 301) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(410);
    expect(Date.now() - removed).toBeLessThanOrEqual(BOUND_MS);
  }, 30_000);
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
