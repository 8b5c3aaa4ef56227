import { describe, expect, it } from 'vitest';
import { FeedDocuments } from '../../functions/core/feed-documents';
import type { FeedEntry } from '../../functions/core/post';
import { handleRead } from '../../functions/core/read';
import { matchRoute } from '../../functions/core/routes';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import type { Site } from '../../functions/core/site';
import {
  newsLanguage,
  parseSitemapFile,
  renderNewsSitemap,
  renderRobots,
  SITEMAP_PAGE_URLS,
  sitemapFiles,
  sitemapPath,
} from '../../functions/core/sitemaps';
import { feedCursor } from '../../functions/core/store';
import { MemoryPostStore } from '../support/memory-store';

const site: Site = { ...DEFAULT_SETTINGS, baseUrl: 'https://news.example.com' };

function entry(index: number, date: string, title = `标题 ${index}`): FeedEntry {
  return {
    id: `p${index}`,
    title,
    date,
    updated: new Date(date).toISOString(),
    categories: ['c'],
    tags: [],
    path: `/p/${index}.html`,
    shortCode: `s${index}`,
    html: '',
    summary: '',
  };
}

async function read(store: MemoryPostStore, path: string) {
  const match = matchRoute(path)!;
  return handleRead(
    { method: 'GET', path, view: match.route.view, pathParameters: match.pathParameters, query: {}, headers: {} },
    { store, feeds: new FeedDocuments(store), site, log: { error: () => {} } },
  );
}

describe('sitemap names', () => {
  it('reads back every name it writes, and no other', () => {
    for (const file of [
      { kind: 'day', day: '2022-01-11', page: 1 },
      { kind: 'day', day: '2022-01-11', page: 3 },
      { kind: 'names', page: 1 },
      { kind: 'names', page: 2 },
    ] as const) {
      expect(parseSitemapFile(sitemapPath(file).slice('/sitemaps/'.length))).toEqual(file);
    }
    for (const name of [
      'posts-2022-01-11.p1.xml',
      'posts-2022-1-11.xml',
      'names.p01.xml',
      'posts-2022-02-30x.xml',
      'posts-9999-99-99.xml',
      'names.xml.gz',
      '',
    ]) {
      expect(parseSitemapFile(name), name).toBeUndefined();
    }
  });

  it('splits a day of more than SITEMAP_PAGE_URLS posts into numbered pages, each listed by the index', () => {
    const files = sitemapFiles({
      days: [
        { day: '2022-01-12', count: 1 },
        { day: '2022-01-11', count: 2 * SITEMAP_PAGE_URLS + 1 },
      ],
      names: [{ kind: 'tag', name: 't', count: 1 }],
    });
    expect(files.map(({ file }) => sitemapPath(file))).toEqual([
      '/sitemaps/posts-2022-01-11.xml',
      '/sitemaps/posts-2022-01-11.p2.xml',
      '/sitemaps/posts-2022-01-11.p3.xml',
      '/sitemaps/posts-2022-01-12.xml',
      '/sitemaps/names.xml',
    ]);
  });
});

describe('a day of more posts than one sitemap holds (memory store, through the read views)', () => {
  it('serves them in pages of SITEMAP_PAGE_URLS, oldest first, every post once', async () => {
    const store = new MemoryPostStore();
    const count = SITEMAP_PAGE_URLS + 5;
    for (let index = 0; index < count; index++) {
      const at = new Date(Date.UTC(2022, 0, 11, 0, 0, 0) + index * 1000).toISOString().replace('.000Z', '+00:00');
      await store.putFeedEntry({ kind: 'site' }, entry(index, at), '1', `posts/${index}.md`);
    }
    const index = await read(store, '/sitemap.xml');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<loc>https://news.example.com/sitemaps/posts-2022-01-11.p2.xml</loc>');
    const first = await read(store, '/sitemaps/posts-2022-01-11.xml');
    const second = await read(store, '/sitemaps/posts-2022-01-11.p2.xml');
    expect(first.body.match(/<url>/g)).toHaveLength(SITEMAP_PAGE_URLS);
    expect(second.body.match(/<url>/g)).toHaveLength(5);
    expect(first.body).toContain('/p/0.html');
    expect(second.body).toContain(`/p/${count - 1}.html`);
    expect((await read(store, '/sitemaps/posts-2022-01-11.p3.xml')).status).toBe(404);
  });

  it('counts a deleted entry out of its day, and the day out of the index when it empties', async () => {
    const store = new MemoryPostStore();
    const one = entry(1, '2022-01-11T10:00:00+08:00');
    await store.putFeedEntry({ kind: 'site' }, one, '1', 'posts/1.md');
    expect((await store.readSitemapIndex()).days).toEqual([
      { day: '2022-01-11', count: 1, lastModified: expect.any(String) },
    ]);
    await store.deleteFeedEntry({ kind: 'site' }, one, '2', 'posts/1.md');
    expect((await store.readSitemapIndex()).days).toEqual([]);
    expect(feedCursor(one).slice(0, 10)).toBe('2022-01-11');
  });
});

describe('news sitemap', () => {
  const now = Date.parse('2024-05-02T12:00:00Z');

  it('keeps the posts of the last 48 hours, not older, not future-dated', () => {
    const entries = [
      entry(1, '2024-05-02T20:30:00+08:00'), // 12:30 UTC: in the future
      entry(2, '2024-05-02T19:00:00+08:00'),
      entry(3, '2024-04-30T12:00:00Z'), // exactly 48 hours: kept
      entry(4, '2024-04-30T11:59:59Z'),
    ];
    const xml = renderNewsSitemap(entries, site, now);
    expect(xml.match(/<url>/g)).toHaveLength(2);
    expect(xml).toContain('<news:publication_date>2024-05-02T19:00:00+08:00</news:publication_date>');
    expect(xml).not.toContain('/p/1.html');
    expect(xml).not.toContain('/p/4.html');
  });

  it('escapes hostile titles and strips characters XML cannot hold', () => {
    const xml = renderNewsSitemap(
      [entry(1, '2024-05-02T11:00:00Z', 'a ]]> & <b>\u0000\u0008\uFFFF "x" \'y\' 😀 \uD800')],
      site,
      now,
    );
    expect(xml).toContain('<news:title>a ]]&gt; &amp; &lt;b&gt; &quot;x&quot; &apos;y&apos; 😀 </news:title>');
  });

  it('maps the site language to the codes Google News takes', () => {
    expect(
      ['zh-CN', 'zh', 'zh-Hans-CN', 'zh-TW', 'zh-Hant', 'zh-HK', 'en-GB', 'EN', 'yue-HK'].map(newsLanguage),
    ).toEqual(['zh-cn', 'zh-cn', 'zh-cn', 'zh-tw', 'zh-tw', 'zh-tw', 'en', 'en', 'yue']);
  });
});

describe('robots.txt', () => {
  it('names both sitemaps on the site origin, or turns everyone away', () => {
    expect(renderRobots(site)).toContain(
      'Sitemap: https://news.example.com/sitemap.xml\nSitemap: https://news.example.com/news-sitemap.xml\n',
    );
    expect(renderRobots({ ...site, robots: 'disallow' })).toBe('User-agent: *\nDisallow: /\n');
  });
});
