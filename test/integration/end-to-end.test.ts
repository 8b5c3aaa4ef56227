import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack';
import { CONTENT_DIR, get, publishSampleContent, removePost, startTestStack, uploadPost } from '../support/local-stack';

const SEED_TITLE = '金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章';
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const SEED_SHA256 = 'e1823f1d2ebfbacafefe3f26ae145894fa17f7b59d19083873d38da13fb54506';
const SEED_TAG_RSS = '/tag/%E6%88%90%E9%83%BD%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB.rss';

let stack: LocalStack;
const parser = new Parser();

beforeAll(async () => {
  stack = await startTestStack();
  await publishSampleContent(stack);
});

afterAll(async () => {
  await stack?.stop();
});

const upload = (key: string, body: string) => uploadPost(stack, key, body);

const remove = (key: string) => removePost(stack, key);

async function feedTitles(path: string): Promise<string[]> {
  const response = await get(stack, path);
  expect(response.status, path).toBe(200);
  const feed = await parser.parseString(await response.text());
  return feed.items.map((item) => item.title ?? '');
}

describe('category feeds of the seed post', () => {
  it('serves RSS 2.0 whose item title is the seed title, byte for byte', async () => {
    const response = await get(stack, '/category/chengduribao.rss');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
    const xml = await response.text();
    const feed = await parser.parseString(xml);
    const seed = feed.items.find((item) => item.title === SEED_TITLE);
    expect(seed).toBeDefined();
    expect(Buffer.from(seed!.title!).equals(Buffer.from(SEED_TITLE))).toBe(true);
    expect(seed!.link).toBe(stack.url + SEED_PATH);
    expect(xml).toContain('<pubDate>Wed, 12 Jan 2022 02:44:46 +0800</pubDate>');
  });

  it('serves Atom 1.0 with the seed entry and its +08:00 date', async () => {
    const response = await get(stack, '/category/chengduribao.atom');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const xml = await response.text();
    const feed = await parser.parseString(xml);
    expect(feed.items.map((item) => item.title)).toContain(SEED_TITLE);
    expect(xml).toContain('2022-01-12T02:44:46+08:00');
  });

  it('serves JSON Feed 1.1 with the seed item', async () => {
    const response = await get(stack, '/category/chengduribao.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    const feed = (await response.json()) as {
      version: string;
      items: Array<{ title: string; url: string; date_published: string }>;
    };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    const seed = feed.items.find((item) => item.title === SEED_TITLE)!;
    expect(seed.url).toBe(stack.url + SEED_PATH);
    expect(seed.date_published).toBe('2022-01-12T02:44:46+08:00');
  });

  it('serves the Chinese tag feed at its percent-encoded path', async () => {
    expect(await feedTitles(SEED_TAG_RSS)).toEqual([SEED_TITLE]);
  });

  it('answers 404 for an unknown category instead of an empty feed', async () => {
    expect((await get(stack, '/category/no-such-category.rss')).status).toBe(404);
    expect((await get(stack, '/tag/no-such-tag.json')).status).toBe(404);
  });
});

describe('share links', () => {
  it('redirects the legacy NewsShare link to the seed post page, ignoring extra parameters', async () => {
    const response = await get(stack, '/html_News/NewsShare.html?infoCode=NW202201122244036113&from=groupmessage');
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(stack.url + SEED_PATH);
  });

  it('serves the seed post page with its title, body and links back to its category and home', async () => {
    const response = await get(stack, SEED_PATH);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await response.text();
    expect(page).toContain(`<h1>${SEED_TITLE}</h1>`);
    expect(page).toContain('2022年，金牛区将坚持稳字当头');
    expect(page).toContain('<time datetime="2022-01-12T02:44:46+08:00">2022-01-12 02:44 +08:00</time>');
    expect(page).toContain(`href="${stack.url}/category/chengduribao.html"`);
    expect(page).toContain(`href="${stack.url}/"`);
  });

  it('redirects the short link shown on the post page to the post', async () => {
    const page = await (await get(stack, SEED_PATH)).text();
    const shortUrl = /<input readonly value="([^"]+)"/.exec(page)?.[1];
    expect(shortUrl).toMatch(new RegExp(`^${stack.url}/s/[0-9A-Za-z]{7}$`));
    const response = await fetch(shortUrl!, { redirect: 'manual' });
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(stack.url + SEED_PATH);
  });

  it('answers 404 for an unknown code', async () => {
    expect((await get(stack, '/s/doesNotExist')).status).toBe(404);
    expect((await get(stack, '/html_News/NewsShare.html?infoCode=NW000')).status).toBe(404);
  });
});

describe('pages', () => {
  it('lists every category with links on the home page', async () => {
    const page = await (await get(stack, '/')).text();
    for (const name of ['chengduribao', 'culture', 'news', 'weather']) {
      expect(page).toContain(`href="${stack.url}/category/${name}.html"`);
    }
    expect(page).toContain(`href="${stack.url}/category/%E6%96%87%E5%8C%96.html"`);
    expect(page).toContain(SEED_TITLE);
  });

  it('serves a category page and answers HEAD like GET without a body', async () => {
    const getResponse = await get(stack, '/category/chengduribao.html');
    expect(getResponse.status).toBe(200);
    expect(await getResponse.text()).toContain(SEED_TITLE);
    const headResponse = await get(stack, '/category/chengduribao.html', { method: 'HEAD' });
    expect(headResponse.status).toBe(200);
    expect(headResponse.headers.get('etag')).toBe(getResponse.headers.get('etag'));
    // The GET's length, not 0 (HTTP: a HEAD answer carries the headers the GET would).
    expect(headResponse.headers.get('content-length')).toBe(getResponse.headers.get('content-length'));
    expect(Number(headResponse.headers.get('content-length'))).toBeGreaterThan(1000);
    expect(await headResponse.text()).toBe('');
  });

  it('answers 304 to a conditional GET with the ETag it gave', async () => {
    const first = await get(stack, '/category/chengduribao.atom');
    const etag = first.headers.get('etag')!;
    const second = await get(stack, '/category/chengduribao.atom', { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
  });
});

describe('sample content', () => {
  it('publishes a post in two categories to both category feeds', async () => {
    expect(await feedTitles('/category/culture.rss')).toContain('天府艺术公园迎来首批游客');
    expect(await feedTitles('/category/%E6%96%87%E5%8C%96.rss')).toContain('天府艺术公园迎来首批游客');
  });

  it('keeps a published: false post out of every feed and page', async () => {
    expect(await feedTitles('/feed.rss')).not.toContain('未完成的稿件（不发布）');
    expect((await get(stack, '/chengduribao/2022/01/20/draft-report.html')).status).toBe(404);
  });

  it('serves a post at its front-matter permalink', async () => {
    const response = await get(stack, '/news/jinniu-2022-goals.html');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Chengdu economy brief');
  });

  it('escapes & and < in titles in every format', async () => {
    const title = '寒潮预警：成都本周末气温下降 & 局地有雨 <注意保暖>';
    expect(await feedTitles('/category/weather.rss')).toEqual([title]);
    expect(await feedTitles('/category/weather.atom')).toEqual([title]);
    const json = (await (await get(stack, '/category/weather.json')).json()) as { items: Array<{ title: string }> };
    expect(json.items[0].title).toBe(title);
  });

  it('publishes the seed file byte for byte as given in ../shared/seeds', () => {
    // SHA-256 of ../shared/seeds/000_7402dedd91baa3ec.txt, so the check needs no file outside the repository.
    const seed = readFileSync(join(CONTENT_DIR, 'posts/000_7402dedd91baa3ec.txt'));
    expect(createHash('sha256').update(seed).digest('hex')).toBe(SEED_SHA256);
  });
});

describe('uploads through the S3 API', () => {
  const key = 'posts/2022-03-01-s3 upload+test 新闻.md';
  const post = (category: string, title = 'S3 上传测试') =>
    `---\ntitle: "${title}"\ndate: 2022-03-01 08:00:00 +0800\ncategories: ${category}\n---\n正文。\n`;

  it('publishes an uploaded post (key with space, + and Chinese) to its category feed', async () => {
    await upload(key, post('uploads'));
    expect(await feedTitles('/category/uploads.rss')).toEqual(['S3 上传测试']);
  });

  it('moves a re-uploaded post out of its old category feed without duplicates', async () => {
    await upload(key, post('moved', 'S3 上传测试（改）'));
    // The emptied category keeps its feed, empty, for its subscribers.
    expect((await get(stack, '/category/uploads.rss')).status).toBe(200);
    expect(await feedTitles('/category/uploads.rss')).toEqual([]);
    expect(await feedTitles('/category/moved.rss')).toEqual(['S3 上传测试（改）']);
    const site = await feedTitles('/feed.rss');
    expect(site.filter((title) => title.startsWith('S3 上传测试'))).toEqual(['S3 上传测试（改）']);
  });

  it('removes a deleted post from its feeds, and its page and share link answer 410', async () => {
    const page = await (await get(stack, '/moved/2022/03/01/s3-upload+test-%E6%96%B0%E9%97%BB.html')).text();
    const shortPath = /<input readonly value="[^"]+(\/s\/[0-9A-Za-z]+)"/.exec(page)?.[1];
    expect(shortPath).toBeDefined();
    expect((await get(stack, shortPath!)).status).toBe(301);

    await remove(key);
    expect(await feedTitles('/category/moved.rss')).toEqual([]);
    expect((await get(stack, '/moved/2022/03/01/s3-upload+test-%E6%96%B0%E9%97%BB.html')).status).toBe(410);
    expect(await feedTitles('/feed.rss')).not.toContain('S3 上传测试（改）');
    expect((await get(stack, shortPath!)).status).toBe(410);
  });

  it('refuses a broken post with a recorded reason and leaves every feed as it was', async () => {
    const before = await (await get(stack, '/feed.atom')).text();
    await upload('posts/broken.md', '---\ntitle: "unterminated\ndate: 2022-01-01\n---\nbody\n');
    const failures = await stack.store.listFailedSources();
    const failure = failures.find((entry) => entry.key === 'posts/broken.md');
    expect(failure?.error).toMatch(/^line \d+, column \d+: front matter is not valid YAML/);
    expect(await (await get(stack, '/feed.atom')).text()).toBe(before);

    await upload('posts/broken.md', '---\ntitle: "fixed now"\ndate: 2022-01-01\ncategories: fixed\n---\nbody\n');
    expect((await stack.store.listFailedSources()).map((entry) => entry.key)).not.toContain('posts/broken.md');
    expect(await feedTitles('/category/fixed.rss')).toEqual(['fixed now']);
  });
});
