import type { Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { get, removePost, startTestStack, uploadPost } from '../support/local-stack';
import { freePort, startHub } from '../support/websub-hub';
import { locs, SCHEMAS, xmllint } from '../support/xmllint';

// robots.txt, the sitemap index and its sitemaps, and the news sitemap on the local stack (real
// s3rver, dynalite, ingest and HTTP handler), with a WebSub hub listening for announcements.

let hub: Server;
let hubUrl: string;
const pings: string[] = [];
let stack: LocalStack;
let site: string;

beforeAll(async () => {
  ({ hub, hubUrl } = await startHub(pings));
  const port = await freePort();
  site = `http://localhost:${port}`;
  if (!process.env.LOG) setLogSink(() => {});
  stack = await startLocalStack({
    port,
    s3Port: 0,
    dynamoPort: 0,
    onError: () => {},
    env: {
      [ENV.siteUrl]: site,
      [ENV.websubHub]: hubUrl,
      [ENV.siteTitle]: '成都日报',
      [ENV.feedVersionCacheMs]: '0',
      [ENV.edgeMaxAgeSeconds]: '0',
    },
  });
});

afterAll(async () => {
  await stack?.stop();
  if (hub?.listening) hub.close();
});

beforeEach(() => {
  pings.length = 0;
});

/** A post dated `hoursAgo` before now, in +08:00 as Jekyll writes dates. */
function post(title: string, hoursAgo: number, extra = ''): string {
  const local = new Date(Date.now() - hoursAgo * 3_600_000 + 8 * 3_600_000)
    .toISOString()
    .slice(0, 19)
    .replace('T', ' ');
  return `---\ntitle: ${JSON.stringify(title)}\ndate: ${local} +0800\ncategories: 成都\ntags: [新闻]\n${extra}---\n正文。\n`;
}

async function text(path: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await get(stack, path, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

describe('robots.txt', () => {
  it('allows the whole site and names the sitemap and the news sitemap', async () => {
    const robots = await text('/robots.txt');
    expect(robots.status).toBe(200);
    expect(robots.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(robots.body).toBe(
      `User-agent: *\nAllow: /\n\nSitemap: ${site}/sitemap.xml\nSitemap: ${site}/news-sitemap.xml\n`,
    );
  });

  it('disallows everything, naming no sitemap, on a site set ROBOTS=disallow (staging)', async () => {
    const staging = await startTestStack({ [ENV.robots]: 'disallow' });
    try {
      const response = await fetch(`${staging.url}/robots.txt`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('User-agent: *\nDisallow: /\n');
    } finally {
      await staging.stop();
    }
  });
});

describe('the sitemap index and its sitemaps', () => {
  it('answer 404 while nothing is published', async () => {
    expect((await text('/sitemap.xml')).status).toBe(404);
    expect((await text('/sitemaps/names.xml')).status).toBe(404);
    expect((await text('/sitemaps/posts-2022-01-01.xml')).status).toBe(404);
  });

  it('list each post under its UTC day with its lastmod, and each category and tag page; all valid', async () => {
    await uploadPost(
      stack,
      'posts/old.md',
      '---\ntitle: 旧闻\ndate: 2022-01-12 02:44:46 +0800\ncategories: 成都 体育\ntags: [a&b, "Q?"]\npermalink: /news/空格 & 問號.html\n---\n正文。\n',
    );
    const index = await text('/sitemap.xml');
    expect(index.status).toBe(200);
    expect(await xmllint(SCHEMAS.index, [index.body])).toBe('');
    // 2022-01-12 02:44 +08:00 is 2022-01-11 in UTC.
    expect(locs(index.body)).toEqual([`${site}/sitemaps/posts-2022-01-11.xml`, `${site}/sitemaps/names.xml`]);
    const day = await text('/sitemaps/posts-2022-01-11.xml');
    expect(await xmllint(SCHEMAS.urlset, [day.body])).toBe('');
    expect(locs(day.body)).toEqual([`${site}/news/%E7%A9%BA%E6%A0%BC%20%26%20%E5%95%8F%E8%99%9F.html`]);
    expect(day.body).toContain('<lastmod>2022-01-11T18:44:46.000Z</lastmod>');
    const names = await text('/sitemaps/names.xml');
    expect(await xmllint(SCHEMAS.urlset, [names.body])).toBe('');
    expect(locs(names.body)).toEqual([
      `${site}/category/%E4%BD%93%E8%82%B2.html`,
      `${site}/category/%E6%88%90%E9%83%BD.html`,
      // By name as written: `Q?` (whose URL name is its slug) before `a&b`.
      `${site}/tag/q.html`,
      `${site}/tag/a%26b.html`,
    ]);
  });

  it('answer a conditional request with 304 until a post changes, then with the new document', async () => {
    const first = await text('/sitemap.xml');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('last-modified')).toBeTruthy();
    const again = await get(stack, '/sitemap.xml', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    const dayTag = (await get(stack, '/sitemaps/posts-2022-01-11.xml')).headers.get('etag')!;
    expect((await get(stack, '/sitemaps/posts-2022-01-11.xml', { headers: { 'if-none-match': dayTag } })).status).toBe(
      304,
    );

    await uploadPost(
      stack,
      'posts/old2.md',
      '---\ntitle: 旧闻二\ndate: 2022-01-11 20:00:00 +0000\ncategories: 成都\n---\n正文。\n',
    );
    const changed = await get(stack, '/sitemap.xml', { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const day = await get(stack, '/sitemaps/posts-2022-01-11.xml', { headers: { 'if-none-match': dayTag } });
    expect(day.status).toBe(200);
    expect(locs(await day.text())).toHaveLength(2);
  });

  it('drop a hidden post and a deleted one, and a day that has no posts left', async () => {
    await uploadPost(
      stack,
      'posts/old2.md',
      '---\ntitle: 旧闻二\ndate: 2022-01-11 20:00:00 +0000\ncategories: 成都\npublished: false\n---\n正文。\n',
    );
    expect(locs((await text('/sitemaps/posts-2022-01-11.xml')).body)).toHaveLength(1);
    await removePost(stack, 'posts/old.md');
    expect((await text('/sitemaps/posts-2022-01-11.xml')).status).toBe(404);
    expect((await text('/sitemap.xml')).status).toBe(404);
  });

  it('answer 404 for sitemap names this site does not write', async () => {
    for (const name of [
      'posts-2022-13-40.xml',
      'posts-2022-01-11.p1.xml',
      'names.p0.xml',
      'other.xml',
      'posts-2022-01-11.xml.gz',
    ]) {
      expect((await text(`/sitemaps/${encodeURIComponent(name)}`)).status, name).toBe(404);
    }
  });
});

describe('the news sitemap', () => {
  it('is an empty urlset while no post is from the last 48 hours, missing only the url the sitemaps.org schema wants', async () => {
    const empty = await text('/news-sitemap.xml');
    expect(empty.status).toBe(200);
    expect(locs(empty.body)).toEqual([]);
    // Google's documentation allows the empty file (see docs/search-engines.md); the schema's one complaint:
    const complaints = (await xmllint(SCHEMAS.news, [empty.body])).split('\n').filter((line) => line.includes('error'));
    expect(complaints).toHaveLength(1);
    expect(complaints[0]).toMatch(/urlset': Missing child element\(s\)\. Expected is one of .*sitemap\/0\.9\}url \)/);
  });

  it('lists a post published now as soon as its feed does, and announces itself to the WebSub hub', async () => {
    await uploadPost(stack, 'posts/now.md', post('刚刚 & ]]> <发布>', 0.1));
    expect(await (await get(stack, '/feed.rss')).text()).toContain('刚刚');
    const news = await text('/news-sitemap.xml');
    expect(news.status).toBe(200);
    expect(await xmllint(SCHEMAS.news, [news.body])).toBe('');
    expect(news.body).toContain('<news:title>刚刚 &amp; ]]&gt; &lt;发布&gt;</news:title>');
    expect(news.body).toContain('<news:name>成都日报</news:name>');
    expect(news.body).toMatch(
      /<news:publication_date>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00<\/news:publication_date>/,
    );
    expect(pings).toContain(`${site}/news-sitemap.xml`);
    expect(pings).toContain(`${site}/feed.rss`);
  });

  it('is answered 304 while unchanged', async () => {
    const etag = (await get(stack, '/news-sitemap.xml')).headers.get('etag')!;
    expect((await get(stack, '/news-sitemap.xml', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });

  it('leaves out posts older than 48 hours, and a post whose new date moves it out of the window', async () => {
    await uploadPost(stack, 'posts/three-days.md', post('三天前', 72));
    await uploadPost(stack, 'posts/moving.md', post('将要移出', 1));
    let body = (await text('/news-sitemap.xml')).body;
    expect(body).not.toContain('三天前');
    expect(body).toContain('将要移出');
    await uploadPost(stack, 'posts/moving.md', post('将要移出', 49));
    body = (await text('/news-sitemap.xml')).body;
    expect(body).not.toContain('将要移出');
    expect(locs(body)).toHaveLength(1);
  });

  it('drops a deleted post, announcing the change', async () => {
    pings.length = 0;
    await removePost(stack, 'posts/now.md');
    const news = await text('/news-sitemap.xml');
    expect(news.status).toBe(200);
    expect(news.body).not.toContain('刚刚');
    expect(locs(news.body)).toEqual([]);
    expect(pings).toContain(`${site}/news-sitemap.xml`);
  });
});
