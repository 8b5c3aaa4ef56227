import { createHash } from 'node:crypto';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { HtmlValidate } from 'html-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { renderErrorPage, renderHomePage } from '../../functions/core/pages';
import { siteForRequest } from '../../functions/core/settings';
import { encodeCursor, encodePath } from '../../functions/core/urls';
import { createHttpHandler } from '../../functions/handlers/http';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, publishSampleContent, startTestStack, uploadPost } from '../support/local-stack';

const SEED_TITLE = '金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章';
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const SEED_TAG = '成都日报新闻';
const PAGE_SIZE = 2;
const PAGING_TITLES = ['分页测试 3', '分页测试 2', '分页测试 1'];
const GONE_KEY = 'posts/2022-03-10-gone.md';

const validator = new HtmlValidate({
  extends: ['html-validate:recommended', 'html-validate:document'],
  rules: {
    // Titles are the publishers' own; a long one is still valid HTML.
    'long-title': 'off',
    // `<img />` is valid HTML5, and it is how the body sanitizer writes void elements.
    'void-style': 'off',
  },
});

let stack: LocalStack;
let goneShortCode: string;

beforeAll(async () => {
  stack = await startTestStack({ FEED_LENGTH: String(PAGE_SIZE) });
  await publishSampleContent(stack);
  for (const [index, title] of [...PAGING_TITLES].reverse().entries()) {
    await upload(
      `posts/2022-03-0${index + 1}-paging-${index + 1}.md`,
      `---\ntitle: "${title}"\ndate: 2022-03-0${index + 1} 12:00:00 +0800\ncategories: paging\ntags: [翻页]\n---\n第 ${index + 1} 篇。\n`,
    );
  }
  await upload(GONE_KEY, '---\ntitle: 已删除的文章\ndate: 2022-03-10 08:00:00 +0800\ncategories: gone\n---\n正文。\n');
  goneShortCode = (await stack.store.getPost('2022-03-10-gone'))!.shortCode;
  await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: GONE_KEY }));
  await stack.idle();
});

afterAll(async () => {
  await stack?.stop();
});

const upload = (key: string, body: string) => uploadPost(stack, key, body);

async function page(path: string, status = 200): Promise<{ response: Response; html: string }> {
  const response = await get(stack, path);
  expect(response.status, path).toBe(status);
  expect(response.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
  return { response, html: await response.text() };
}

function listedTitles(html: string): string[] {
  const list = /<ol class="posts">([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<li><a class="headline" href="[^"]+">([^<]+)<\/a>/g)].map((match) =>
    match[1].replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))),
  );
}

function olderLink(html: string): string | undefined {
  return /<a rel="next" href="([^"]+)">/.exec(html)?.[1];
}

/** Follows the "older" links from a listing's first page; answers each page's titles. */
async function walk(path: string): Promise<string[][]> {
  const pages: string[][] = [];
  let next: string | undefined = stack.url + path;
  while (next) {
    expect(next.startsWith(stack.url)).toBe(true);
    const { html } = await page(next.slice(stack.url.length));
    pages.push(listedTitles(html));
    const hasNewest = html.includes('← 最新 Newest</a>');
    expect(hasNewest, `${next} links back to the newest page`).toBe(pages.length > 1);
    next = olderLink(html);
    expect(pages.length).toBeLessThan(20);
  }
  return pages;
}

describe('home page', () => {
  it('lists every published post once, newest first, a page at a time through "older" links', async () => {
    const all = (await stack.store.readFeed({ kind: 'site' }, 100)).entries.map((entry) => entry.title);
    expect(all.length).toBe(9);
    const pages = await walk('/');
    expect(pages.map((titles) => titles.length)).toEqual([2, 2, 2, 2, 1]);
    expect(pages.flat()).toEqual(all);
    expect(pages[0]).toEqual(PAGING_TITLES.slice(0, 2));
  });

  it('gives each entry its headline, date, category and lede (the excerpt, as plain text)', async () => {
    const { html } = await page('/');
    const entries = [.../<ol class="posts">([\s\S]*?)<\/ol>/.exec(html)![1].matchAll(/<li>([\s\S]*?)<\/li>/g)].map(
      (match) => match[1],
    );
    expect(entries).toHaveLength(2);
    for (const entry of entries) {
      expect(entry).toMatch(
        /^<a class="headline" href="[^"]+">[^<]+<\/a><br><span class="meta"><time datetime="[^"]+">[^<]+<\/time> · <a href="[^"]+\/category\/[^"]+\.html">[^<]+<\/a><\/span>\n<p class="lede">[^<]+<\/p>$/,
      );
    }
  });

  it('lists every category with its post count, and links the site feeds and /feeds.opml', async () => {
    const { html } = await page('/');
    const categories = [...html.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a> \((\d+)\)<\/li>/g)].map(
      ([, href, name, count]) => [href, name, Number(count)],
    );
    expect(categories).toEqual([
      [`${stack.url}/category/chengduribao.html`, 'chengduribao', 2],
      [`${stack.url}/category/culture.html`, 'culture', 1],
      [`${stack.url}/category/news.html`, 'news', 1],
      [`${stack.url}/category/paging.html`, 'paging', 3],
      [`${stack.url}/category/weather.html`, 'weather', 1],
      [`${stack.url}/category/%E4%BA%A4%E9%80%9A.html`, '交通', 1],
      [`${stack.url}/category/%E6%96%87%E5%8C%96.html`, '文化', 2],
    ]);
    for (const format of ['rss', 'atom', 'json']) expect(html).toContain(`<a href="${stack.url}/feed.${format}">`);
    expect(html).toContain(`<a href="${stack.url}/feeds.opml">`);
  });
});

describe('category and tag pages', () => {
  it('page a category newest first, and say so when there is nothing older', async () => {
    expect(await walk('/category/paging.html')).toEqual([PAGING_TITLES.slice(0, 2), PAGING_TITLES.slice(2)]);
    // Exactly one page's worth: no link to an empty page.
    expect(await walk('/category/chengduribao.html')).toEqual([['成都地铁新线开通 市民出行更便捷', SEED_TITLE]]);
  });

  it('page a tag, Chinese name and all', async () => {
    expect(await walk(`/tag/${encodeURIComponent('翻页')}.html`)).toEqual([
      PAGING_TITLES.slice(0, 2),
      PAGING_TITLES.slice(2),
    ]);
    expect(await walk(`/tag/${encodeURIComponent(SEED_TAG)}.html`)).toEqual([[SEED_TITLE]]);
  });

  it('answer 404 pages for unknown names and for cursors this site did not write or past the end', async () => {
    const pastTheEnd = encodeCursor('1970-01-01T00:00:00.000Z#nothing-older');
    for (const path of [
      '/category/no-such-category.html',
      '/tag/no-such-tag.html',
      '/category/.html',
      `/category/paging.html?before=${pastTheEnd}`,
      `/?before=${pastTheEnd}`,
      '/category/paging.html?before=not-a-cursor',
      '/?before=',
      `/?before=${'A'.repeat(5000)}`,
      `/?before=${encodeURIComponent(Buffer.from('2022-01-01T00:00:00.000Z#\u0000').toString('base64url'))}`,
    ]) {
      await page(path, 404);
    }
  });
});

describe('post page', () => {
  it("shows title, date in the post's own offset, categories and tags as links, the body, the share link and links back", async () => {
    const { html } = await page(SEED_PATH);
    expect(html).toContain(`<h1>${SEED_TITLE}</h1>`);
    // Where the post sits: the site, then its category.
    expect(html).toMatch(
      new RegExp(
        `<nav class="crumbs" aria-label="[^"]+"><a href="${stack.url}/">[^<]+</a> › <a href="${stack.url}/category/chengduribao.html">chengduribao</a></nav>`,
      ),
    );
    expect(html).toContain('<time datetime="2022-01-12T02:44:46+08:00">2022-01-12 02:44 +08:00</time>');
    expect(html).toContain(`<a href="${stack.url}/category/chengduribao.html">chengduribao</a>`);
    expect(html).toContain(`<a href="${stack.url}/tag/${encodeURIComponent(SEED_TAG)}.html">#${SEED_TAG}</a>`);
    expect(html).toContain('<p>2022年，金牛区将坚持稳字当头');
    const shareUrl = /<input readonly value="([^"]+)" type="text">/.exec(html)?.[1];
    expect(shareUrl).toMatch(new RegExp(`^${stack.url}/s/[0-9A-Za-z]{7}$`));
    expect(html).toContain(`<a href="${shareUrl}">${shareUrl}</a>`);
    expect(html).toContain(`<a href="${stack.url}/category/chengduribao.html">返回chengduribao</a>`);
    expect(html).toContain(`<a href="${stack.url}/">返回首页</a>`);
  });

  it('shows a date without an offset as UTC', async () => {
    const { html } = await page(encodePath('/文化/2022/02/01/spring-festival.html'));
    expect(html).toContain('<time datetime="2022-02-01T00:00:00Z">2022-02-01 00:00 UTC</time>');
  });
});

/** Every kind of page the site serves, with the feeds it should offer. */
function pageKinds(): Array<{ what: string; path: string; status: number; feeds: string[] }> {
  const site = ['/feed.rss', '/feed.atom', '/feed.json'];
  const of = (base: string) => ['rss', 'atom', 'json'].map((format) => `${base}.${format}`);
  const pagingOlder = `/category/paging.html?before=${encodeCursor(`${new Date('2022-03-02T12:00:00+08:00').toISOString()}#2022-03-02-paging-2`)}`;
  return [
    { what: 'home', path: '/', status: 200, feeds: site },
    {
      what: 'home, older page',
      path: `/?before=${encodeCursor(`${new Date('2022-03-01T12:00:00+08:00').toISOString()}#2022-03-01-paging-1`)}`,
      status: 200,
      feeds: site,
    },
    { what: 'category', path: '/category/chengduribao.html', status: 200, feeds: of('/category/chengduribao') },
    { what: 'category, older page', path: pagingOlder, status: 200, feeds: of('/category/paging') },
    {
      what: 'Chinese category',
      path: '/category/%E6%96%87%E5%8C%96.html',
      status: 200,
      feeds: of('/category/%E6%96%87%E5%8C%96'),
    },
    {
      what: 'tag',
      path: `/tag/${encodeURIComponent(SEED_TAG)}.html`,
      status: 200,
      feeds: of(`/tag/${encodeURIComponent(SEED_TAG)}`),
    },
    {
      what: 'seed post',
      path: SEED_PATH,
      status: 200,
      feeds: [...of('/category/chengduribao'), ...of(`/tag/${encodeURIComponent(SEED_TAG)}`), ...site],
    },
    {
      what: 'post in two categories, with an image',
      path: encodePath('/culture/文化/2022/01/14/tianfu-art-park.html'),
      status: 200,
      feeds: [
        ...of('/category/culture'),
        ...of('/category/%E6%96%87%E5%8C%96'),
        ...of('/tag/%E5%85%AC%E5%9B%AD'),
        ...of('/tag/%E5%A4%A9%E5%BA%9C%E8%89%BA%E6%9C%AF%E5%85%AC%E5%9B%AD'),
        ...site,
      ],
    },
    {
      what: 'post with markup in its title',
      path: '/weather/2022/01/15/weather-notice.html',
      status: 200,
      feeds: [...of('/category/weather'), ...of('/tag/%E5%A4%A9%E6%B0%94'), ...site],
    },
    {
      what: 'post with a list, no date',
      path: encodePath('/文化/2022/02/01/spring-festival.html'),
      status: 200,
      feeds: [
        ...of('/category/%E6%96%87%E5%8C%96'),
        ...of('/tag/%E6%98%A5%E8%8A%82'),
        ...of('/tag/%E6%96%87%E6%97%85'),
        ...site,
      ],
    },
    {
      what: 'post with headings and a permalink',
      path: '/news/jinniu-2022-goals.html',
      status: 200,
      feeds: [...of('/category/news'), ...of('/tag/economy'), ...of('/tag/chengdu'), ...site],
    },
    {
      what: 'post with Markdown emphasis',
      path: encodePath('/chengduribao/交通/2022/01/13/metro-line-opens.html'),
      status: 200,
      feeds: [
        ...of('/category/chengduribao'),
        ...of('/category/%E4%BA%A4%E9%80%9A'),
        ...of('/tag/%E5%9C%B0%E9%93%81'),
        ...of('/tag/%E5%9F%8E%E5%B8%82%E5%BB%BA%E8%AE%BE'),
        ...site,
      ],
    },
    { what: '404 for an unknown post', path: '/no/such/post.html', status: 404, feeds: site },
    { what: '404 for an unknown category', path: '/category/no-such.html', status: 404, feeds: site },
    { what: '404 for an unknown share link', path: '/s/unknown', status: 404, feeds: site },
    { what: '404 for a legacy link without infoCode', path: '/html_News/NewsShare.html', status: 404, feeds: site },
    { what: "410 for a deleted post's share link", path: `/s/${goneShortCode}`, status: 410, feeds: site },
  ];
}

describe('every page', () => {
  it('is valid HTML5, in the site language, phone-ready, script-free, with one hashed stylesheet, security headers and its feeds', async () => {
    for (const { what, path, status, feeds } of pageKinds()) {
      const { response, html } = await page(path, status);

      const report = await validator.validateString(html, what);
      const messages = report.results.flatMap((result) =>
        result.messages.map((message) => `${message.line}:${message.column} ${message.ruleId}: ${message.message}`),
      );
      expect(messages, `${what} (${path}) is not valid HTML`).toEqual([]);

      expect(html.startsWith('<!DOCTYPE html>\n<html lang="zh-CN">'), what).toBe(true);
      expect(html, what).toContain('<meta charset="utf-8">');
      expect(html, what).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      // JSON-LD is data, never run (and the CSP lets no script run): the only <script> allowed.
      const withoutData = html.replace(/<script type="application\/ld\+json">[^<]*<\/script>/g, '');
      expect(withoutData, what).not.toMatch(/<script|\son[a-z]+=|javascript:/i);
      expect(html, what).not.toMatch(/<link[^>]+rel="stylesheet"/);
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]);
      expect(styles.length, what).toBe(1);
      expect(Buffer.byteLength(styles[0]), `${what}: the stylesheet stays small`).toBeLessThan(2048);

      const csp = response.headers.get('content-security-policy') ?? '';
      const styleHash = createHash('sha256').update(styles[0]).digest('base64');
      expect(csp, what).toContain("default-src 'none'");
      expect(csp, what).toContain(`style-src 'sha256-${styleHash}'`);
      expect(csp, what).not.toMatch(/unsafe-inline|unsafe-eval|script-src/);
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options'), what).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), what).toBe('strict-origin-when-cross-origin');

      const alternates = [...html.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">/g)].map(
        (match) => match[2],
      );
      expect(alternates, `${what} offers its feeds`).toEqual(feeds.map((feed) => stack.url + feed));
    }
  });

  it('is valid too where no request here reaches it: an empty site, a 400 and a 500', async () => {
    const site = siteForRequest(settingsFromEnv({}), { host: 'news.example.com' });
    const pages = {
      'empty home': renderHomePage({ entries: [], later: false }, [], site),
      400: renderErrorPage(400, `<b>${'很长的原因 '.repeat(100)}</b>`, site),
      500: renderErrorPage(500, '请稍后再试。', site),
    };
    for (const [what, html] of Object.entries(pages)) {
      const report = await validator.validateString(html);
      expect(
        report.results.flatMap((result) => result.messages.map((message) => message.message)),
        what,
      ).toEqual([]);
    }
    expect(pages['empty home']).toContain('No posts yet');
  });

  it('offers only feeds that exist, each with its own format', async () => {
    const { html } = await page('/culture/%E6%96%87%E5%8C%96/2022/01/14/tianfu-art-park.html');
    const alternates = [...html.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">/g)];
    expect(alternates.length).toBe(15);
    for (const [, type, href] of alternates) {
      const response = await fetch(href);
      expect(response.status, href).toBe(200);
      expect(response.headers.get('content-type'), href).toBe(`${type}; charset=utf-8`);
    }
  });

  it('takes its lang from the SITE_LANGUAGE setting', async () => {
    const handler = createHttpHandler({ store: stack.store, settings: settingsFromEnv({ SITE_LANGUAGE: 'en-GB' }) });
    const event = {
      version: '2.0',
      routeKey: 'GET /',
      rawPath: '/',
      rawQueryString: '',
      headers: {},
      isBase64Encoded: false,
      requestContext: { domainName: 'news.example.com', http: { method: 'GET', path: '/' } },
    } as unknown as APIGatewayProxyEventV2;
    const result = await handler(event);
    expect(result.statusCode).toBe(200);
    expect(result.body).toMatch(/^<!DOCTYPE html>\n<html lang="en-GB">/);
  });
});
