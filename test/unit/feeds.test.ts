import { XMLValidator } from 'fast-xml-parser';
import { Feed } from 'feed';
import Parser from 'rss-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { absolutizeHtmlUrls, feedTitle, renderFeed } from '../../functions/core/feeds';
import type { FeedEntry, FeedRef } from '../../functions/core/post';
import type { Site } from '../../functions/core/site';
import { FEED_FORMATS, type FeedFormat } from '../../functions/core/urls';

const site: Site = {
  baseUrl: 'https://news.example.com',
  title: 'Site title',
  description: '成都 news & more',
  language: 'zh-CN',
  idAuthority: 'news.example.com',
  feedLength: 20,
  feedMaxBytes: 1024 * 1024,
  maxAgeSeconds: 300,
  archiveMaxAgeSeconds: 86_400,
  edgeMaxAgeSeconds: 10,
  feedVersionCacheMs: 20,
};

const seed: FeedEntry = {
  id: 'NW202201122244036113',
  title: '金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章',
  date: '2022-01-12T02:44:46+08:00',
  updated: '2022-03-01T10:00:00.000Z',
  categories: ['chengduribao'],
  tags: ['成都日报新闻'],
  path: '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html',
  shortCode: 'aB3dE9',
  html: '<p>北城新中心 <img src="/images/jinniu.jpg" alt="金牛"></p><p>第二段</p>',
  summary: '<p>北城新中心 <img src="/images/jinniu.jpg" alt="金牛"></p>',
};

const HOSTILE_TITLE = 'Tom & Jerry <b>bold</b> ]]> \u0001';

const hostile: FeedEntry = {
  id: 'hostile-1',
  title: HOSTILE_TITLE,
  date: '2021-06-01T08:00:00-05:00',
  updated: '2021-06-02T00:00:00Z',
  categories: ['a<b&c'],
  tags: ['x"y', 'tab\u000Bbed'],
  author: 'A & B <c>',
  path: '/p/2021/hostile post.html',
  shortCode: 'zz',
  html:
    '<p><a href="/x">x</a> <img src="img/a.png"> <a href=\'//cdn.example.org/z?a=1&amp;b=2\'>z</a>' +
    ' ]]> \u0002 \uD800 <a href="mailto:a@example.com">m</a> <a href="#n">n</a></p>',
  summary: '',
};

const categoryRef: FeedRef = { kind: 'category', name: 'chengduribao' };
const ENTRIES = [seed, hostile];

const TAG = 'tag:news.example.com,2022:';
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/u;
const BAD_ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/** Fresh copies, so no render can depend on (or mutate) shared inputs. */
function entries(): FeedEntry[] {
  return structuredClone(ENTRIES);
}

function render(format: FeedFormat, list: FeedEntry[] = entries(), ref: FeedRef = categoryRef): string {
  return renderFeed(format, ref, list, site).body;
}

/**
 * Strict XML 1.0 well-formedness (with namespaces) for what these documents contain:
 * legal characters, balanced tags, one root, quoted attributes without `<`, `&` only in
 * entity references, no `]]>` in text, every prefix declared. fast-xml-parser's validator
 * and xml2js (through rss-parser) check structure, but accept `<` in attributes and
 * control characters; this checks those too.
 */
function assertWellFormedXml(xml: string): void {
  expect(xml).not.toMatch(XML_ILLEGAL);
  expect(XMLValidator.validate(xml)).toBe(true);
  const declaration = '<?xml version="1.0" encoding="utf-8"?>\n';
  expect(xml.startsWith(declaration)).toBe(true);
  const body = xml.slice(declaration.length);
  const token =
    /<!\[CDATA\[[\s\S]*?\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  const stack: string[] = [];
  const prefixes = new Set(['xml', 'xmlns']);
  let roots = 0;
  for (const m of body.matchAll(token)) {
    const [whole, close, name, attributes, selfClosing, text, stray] = m;
    if (stray !== undefined) throw new Error(`not well-formed at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (whole.startsWith('<![CDATA[')) {
      expect(stack.length).toBeGreaterThan(0);
      continue;
    }
    if (text !== undefined) {
      if (stack.length === 0) expect(text.trim()).toBe('');
      expect(text).not.toContain(']]>');
      expect(text).not.toMatch(BAD_ENTITY);
      continue;
    }
    if (close) {
      expect(stack.pop()).toBe(name);
      continue;
    }
    if (stack.length === 0) roots += 1;
    const seen = new Set<string>();
    const names: string[] = [name];
    for (const [, attribute, value] of attributes.matchAll(/\s+([\w.:-]+)="([^"]*)"/g)) {
      expect(seen.has(attribute)).toBe(false);
      seen.add(attribute);
      expect(value).not.toContain('<');
      expect(value).not.toMatch(BAD_ENTITY);
      if (attribute.startsWith('xmlns:')) prefixes.add(attribute.slice(6));
      else names.push(attribute);
    }
    for (const qualified of names) {
      if (qualified.includes(':')) expect(prefixes.has(qualified.split(':')[0])).toBe(true);
    }
    if (!selfClosing) stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}

type ParsedItem = Record<string, unknown> & Parser.Item;

async function parseXml(xml: string): Promise<Parser.Output<ParsedItem> & Record<string, unknown>> {
  const parser = new Parser<Record<string, unknown>, ParsedItem>({
    customFields: {
      item: [['category', 'atomCategories', { keepArray: true }], 'published', 'updated', 'dc:creator', 'id'],
    },
  });
  return parser.parseString(xml);
}

/** Every href/src/srcset value in an HTML fragment. */
function urlsIn(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)].map((m) => m[1] ?? m[2]);
}

describe('the well-formedness check used here', () => {
  const decl = '<?xml version="1.0" encoding="utf-8"?>\n';

  it('accepts well-formed XML and rejects what lenient parsers let through', () => {
    expect(() => assertWellFormedXml(`${decl}<a x="1&amp;2"><b>t &lt; <![CDATA[<p>]]></b></a>`)).not.toThrow();
    for (const bad of [
      '<a x="a<b"/>',
      '<a>a\u0001b</a>',
      '<a>x ]]> y</a>',
      '<a>a & b</a>',
      '<a><dc:creator>x</dc:creator></a>',
      '<a><b></a></b>',
      '<a/><b/>',
    ]) {
      expect(() => assertWellFormedXml(decl + bad), bad).toThrow();
    }
  });

  it('rejects what the feed package writes unaided for a hostile post', () => {
    const feed = new Feed({ id: 'tag:x,2022:f', title: 't', link: 'https://x.example/', updated: new Date(0) });
    feed.addItem({
      title: HOSTILE_TITLE,
      id: 'tag:x,2022:i',
      link: 'https://x.example/i',
      date: new Date(0),
      category: [{ name: 'a<b&c', term: 'a<b&c' }],
    });
    expect(() => assertWellFormedXml(feed.atom1())).toThrow();
    expect(() => assertWellFormedXml(feed.rss2())).toThrow();
  });
});

describe('feedTitle', () => {
  it('names the site, a category and a tag', () => {
    expect(feedTitle({ kind: 'site' }, site)).toBe('Site title');
    expect(feedTitle({ kind: 'category', name: 'chengduribao' }, site)).toBe('Site title · chengduribao');
    expect(feedTitle({ kind: 'tag', name: '成都日报新闻' }, site)).toBe('Site title · #成都日报新闻');
  });
});

describe('renderFeed', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers each format with its content type', () => {
    expect(renderFeed('rss', categoryRef, entries(), site).contentType).toBe('application/rss+xml; charset=utf-8');
    expect(renderFeed('atom', categoryRef, entries(), site).contentType).toBe('application/atom+xml; charset=utf-8');
    expect(renderFeed('json', categoryRef, entries(), site).contentType).toBe('application/feed+json; charset=utf-8');
  });

  it('writes RSS 2.0 that a real parser reads back intact', async () => {
    const xml = render('rss');
    assertWellFormedXml(xml);
    const feed = await parseXml(xml);

    expect(feed.title).toBe('Site title · chengduribao');
    expect(feed.link).toBe('https://news.example.com/category/chengduribao.html');
    expect(feed.description).toBe('成都 news & more');
    expect(feed.language).toBe('zh-CN');
    expect(feed.feedUrl).toBe('https://news.example.com/category/chengduribao.rss');
    // Newest `updated` over the entries, never the build time.
    expect(feed.lastBuildDate).toBe('Tue, 01 Mar 2022 10:00:00 +0000');

    const [first, second] = feed.items;
    expect(first.title).toBe(seed.title);
    expect(first.link).toBe('https://news.example.com/chengduribao/2022/01/12/000_7402dedd91baa3ec.html');
    expect(first.guid).toBe(`${TAG}post:NW202201122244036113`);
    expect(first.isoDate).toBe('2022-01-11T18:44:46.000Z');
    expect(first.pubDate).toBe('Wed, 12 Jan 2022 02:44:46 +0800');
    expect(first['content:encoded']).toContain('<p>第二段</p>');
    expect(first.content).toContain('src="https://news.example.com/images/jinniu.jpg"');
    expect(first.categories).toEqual([
      { _: 'chengduribao', $: { domain: 'https://news.example.com/category/' } },
      { _: '成都日报新闻', $: { domain: 'https://news.example.com/tag/' } },
    ]);

    expect(second.title).toBe('Tom & Jerry <b>bold</b> ]]>');
    expect(second.link).toBe('https://news.example.com/p/2021/hostile%20post.html');
    expect(second.guid).toBe(`${TAG}post:hostile-1`);
    expect(second.pubDate).toBe('Tue, 01 Jun 2021 08:00:00 -0500');
    expect(second.isoDate).toBe('2021-06-01T13:00:00.000Z');
    expect(second.creator).toBe('A & B <c>');
    expect(second.categories?.map((c) => (c as unknown as { _: string })._)).toEqual(['a<b&c', 'x"y', 'tabbed']);
    // No summary: a plain-text prefix of the body stands in.
    expect(second.contentSnippet).toContain('x z ]]>');

    expect(xml).toContain('<pubDate>Wed, 12 Jan 2022 02:44:46 +0800</pubDate>');
    expect(xml).toContain(`<guid isPermaLink="false">${TAG}post:NW202201122244036113</guid>`);
    expect(xml).toContain(
      '<atom:link href="https://news.example.com/category/chengduribao.rss" rel="self" type="application/rss+xml"/>',
    );
    expect(xml).not.toContain('.atom');
    // Each item has a description before its full content.
    for (const item of xml.split('<item>').slice(1)) {
      const description = item.indexOf('<description>');
      expect(description).toBeGreaterThan(-1);
      expect(item.indexOf('<content:encoded>')).toBeGreaterThan(description);
      expect(item).not.toMatch(/<description>(<!\[CDATA\[\]\]>)?<\/description>/);
    }
  });

  it('writes Atom 1.0 with tag: ids, plain-text titles and the posts’ own offsets', async () => {
    const xml = render('atom');
    assertWellFormedXml(xml);
    const feed = await parseXml(xml);

    expect(feed.title).toBe('Site title · chengduribao');
    expect(feed.link).toBe('https://news.example.com/category/chengduribao.html');
    expect(feed.feedUrl).toBe('https://news.example.com/category/chengduribao.atom');
    expect(feed.lastBuildDate).toBe('2022-03-01T10:00:00Z');

    const [first, second] = feed.items;
    expect(first.title).toBe(seed.title);
    expect(first.id).toBe(`${TAG}post:NW202201122244036113`);
    expect(first.link).toBe('https://news.example.com/chengduribao/2022/01/12/000_7402dedd91baa3ec.html');
    expect(first.isoDate).toBe('2022-01-11T18:44:46.000Z');
    expect(first.published).toBe('2022-01-12T02:44:46+08:00');
    // `updated` is an instant; it is written in the post's offset.
    expect(first.updated).toBe('2022-03-01T18:00:00+08:00');
    expect(first.summary).toContain('北城新中心');
    expect(first.content).toContain('<p>第二段</p>');
    const categories = first.atomCategories as Array<{ $: Record<string, string> }>;
    expect(categories.map((c) => c.$)).toEqual([
      { label: 'chengduribao', scheme: 'https://news.example.com/category/', term: 'chengduribao' },
      { label: '成都日报新闻', scheme: 'https://news.example.com/tag/', term: '成都日报新闻' },
    ]);

    expect(second.title).toBe('Tom & Jerry <b>bold</b> ]]>');
    expect(second.id).toBe(`${TAG}post:hostile-1`);
    expect(second.author).toBe('A & B <c>');
    expect(second.published).toBe('2021-06-01T08:00:00-05:00');
    expect(second.updated).toBe('2021-06-01T19:00:00-05:00');
    expect((second.atomCategories as Array<{ $: Record<string, string> }>)[0].$.term).toBe('a<b&c');

    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">');
    expect(xml).toContain(`<id>${TAG}feed:category:chengduribao</id>`);
    expect(xml).toContain('<published>2022-01-12T02:44:46+08:00</published>');
    expect(xml).toContain('<title type="text">Tom &amp; Jerry &lt;b&gt;bold&lt;/b&gt; ]]&gt;</title>');
    expect(xml).not.toContain('type="html"><![CDATA[Tom');
    expect(xml).toMatch(
      /<author>\s*<name>Site title<\/name>\s*<uri>https:\/\/news\.example\.com\/<\/uri>\s*<\/author>/,
    );
    expect(xml).toContain('<link rel="self" href="https://news.example.com/category/chengduribao.atom"/>');
    expect(xml).not.toContain('.rss');
    expect(xml).not.toContain('1970-');
  });

  it('writes JSON Feed 1.1', () => {
    const feed = JSON.parse(render('json'));
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'Site title · chengduribao',
      home_page_url: 'https://news.example.com/category/chengduribao.html',
      feed_url: 'https://news.example.com/category/chengduribao.json',
      description: '成都 news & more',
      language: 'zh-CN',
      authors: [{ name: 'Site title', url: 'https://news.example.com/' }],
    });
    expect(feed).not.toHaveProperty('author');
    expect(feed.items).toHaveLength(2);
    const [first, second] = feed.items;
    expect(first).toEqual({
      id: `${TAG}post:NW202201122244036113`,
      url: 'https://news.example.com/chengduribao/2022/01/12/000_7402dedd91baa3ec.html',
      title: seed.title,
      content_html: '<p>北城新中心 <img src="https://news.example.com/images/jinniu.jpg" alt="金牛"></p><p>第二段</p>',
      summary: '北城新中心',
      date_published: '2022-01-12T02:44:46+08:00',
      date_modified: '2022-03-01T18:00:00+08:00',
      tags: ['chengduribao', '成都日报新闻'],
    });
    expect(second).toMatchObject({
      id: `${TAG}post:hostile-1`,
      title: 'Tom & Jerry <b>bold</b> ]]>',
      authors: [{ name: 'A & B <c>' }],
      date_published: '2021-06-01T08:00:00-05:00',
      date_modified: '2021-06-01T19:00:00-05:00',
      tags: ['a<b&c', 'x"y', 'tabbed'],
    });
    expect(second).not.toHaveProperty('author');
    expect(second.summary).toContain('x z ]]>');
  });

  it('gives each format its own self link', () => {
    const refs: FeedRef[] = [{ kind: 'site' }, categoryRef, { kind: 'tag', name: '成都日报新闻' }];
    for (const ref of refs) {
      const rss = renderFeed('rss', ref, entries(), site).body;
      const atom = renderFeed('atom', ref, entries(), site).body;
      const json = JSON.parse(renderFeed('json', ref, entries(), site).body);
      const base =
        ref.kind === 'site'
          ? 'https://news.example.com/feed'
          : `https://news.example.com/${ref.kind}/${encodeURIComponent(ref.name)}`;
      expect(rss).toMatch(new RegExp(`<atom:link href="${base}\\.rss" rel="self"`));
      expect(atom).toContain(`<link rel="self" href="${base}.atom"/>`);
      expect(json.feed_url).toBe(`${base}.json`);
      const page = ref.kind === 'site' ? 'https://news.example.com/' : `${base}.html`;
      expect(rss).toContain(`<link>${page}</link>`);
      expect(atom).toContain(`<link rel="alternate" href="${page}"/>`);
      expect(json.home_page_url).toBe(page);
    }
  });

  it('renders the same bytes for the same inputs, whatever the clock says', () => {
    for (const format of FEED_FORMATS) {
      vi.useFakeTimers({ now: new Date('2030-05-05T05:05:05Z') });
      const first = render(format);
      const firstEmpty = render(format, []);
      vi.setSystemTime(new Date('2040-01-01T00:00:00Z'));
      expect(render(format)).toBe(first);
      expect(render(format, [])).toBe(firstEmpty);
      expect(first).not.toMatch(/203\d-|204\d-|2030|2040/);
      vi.useRealTimers();
    }
  });

  it('leaves no relative URL in any output', () => {
    for (const format of FEED_FORMATS) {
      const body = render(format);
      expect(body).not.toMatch(/(?:href|src)=\\?["'](?!https?:|mailto:)/);
      expect(body).not.toContain('href="/');
      expect(body).not.toContain('src="img');
    }
    const items = JSON.parse(render('json')).items as Array<{ content_html: string }>;
    for (const item of items) {
      for (const url of urlsIn(item.content_html)) expect(url).toMatch(/^(https:\/\/|mailto:)/);
    }
    const hostileJson = items[1].content_html;
    expect(hostileJson).toContain('href="https://news.example.com/x"');
    expect(hostileJson).toContain('src="https://news.example.com/p/2021/img/a.png"');
    expect(hostileJson).toContain("href='https://cdn.example.org/z?a=1&amp;b=2'");
    expect(hostileJson).toContain('href="https://news.example.com/p/2021/hostile%20post.html#n"');
  });

  it('strips XML-illegal characters from everything, in every format', () => {
    const nasty: FeedEntry = {
      ...structuredClone(hostile),
      id: 'ctl\u0003id',
      author: 'au\u0000thor',
      summary: '<p>sum\u001Fmary \uFFFE</p>',
    };
    const nastySite: Site = { ...site, title: 'Ti\u0008tle', description: 'de\u000Csc' };
    const ref: FeedRef = { kind: 'tag', name: 'ta\u0001g <&>' };
    for (const format of FEED_FORMATS) {
      const body = renderFeed(format, ref, [nasty], nastySite).body;
      expect(body).not.toMatch(XML_ILLEGAL);
      expect(body).not.toMatch(/\\u00(?:0[0-8bcef]|1[0-9a-f])|\\u[dD][89abAB]|\\ufff[ef]/i);
      if (format !== 'json') assertWellFormedXml(body);
    }
    const atom = renderFeed('atom', ref, [nasty], nastySite).body;
    expect(atom).toContain('<title>Title · #tag &lt;&amp;&gt;</title>');
    expect(atom).toContain(`<id>${TAG}post:ctlid</id>`);
  });

  it('renders valid empty feeds in all three formats', async () => {
    const rss = render('rss', []);
    assertWellFormedXml(rss);
    expect((await parseXml(rss)).items).toEqual([]);
    expect(rss).not.toContain('<item>');
    expect(rss).not.toContain('lastBuildDate');

    const atom = render('atom', []);
    assertWellFormedXml(atom);
    expect((await parseXml(atom)).items).toEqual([]);
    expect(atom).toContain('<updated>1970-01-01T00:00:00Z</updated>');
    expect(atom).toMatch(/<author>\s*<name>Site title<\/name>/);

    const json = JSON.parse(render('json', []));
    expect(json).toMatchObject({ version: 'https://jsonfeed.org/version/1.1', language: 'zh-CN', items: [] });
  });

  it('takes the feed’s updated time from its newest entry, not its first', () => {
    const older = { ...structuredClone(seed), updated: '2022-01-12T00:00:00Z' };
    const newer = { ...structuredClone(hostile), updated: '2024-02-29T23:59:59.5Z' };
    expect(render('atom', [older, newer])).toContain('<updated>2024-02-29T23:59:59Z</updated>');
    expect(render('rss', [older, newer])).toContain('<lastBuildDate>Thu, 29 Feb 2024 23:59:59 +0000</lastBuildDate>');
  });

  it('keeps ids stable when the title, path or site address change', () => {
    const moved = { ...structuredClone(seed), title: 'Renamed', path: '/elsewhere/new.html' };
    const movedSite = { ...site, baseUrl: 'https://other.example.org' };
    const json = JSON.parse(renderFeed('json', categoryRef, [moved], movedSite).body);
    expect(json.items[0].id).toBe(`${TAG}post:NW202201122244036113`);
    expect(json.items[0].url).toBe('https://other.example.org/elsewhere/new.html');
  });

  it('normalizes loose dates, falls back to updated, and drops entries with no usable date', async () => {
    const loose = { ...structuredClone(seed), id: 'loose', date: '2022-01-12 02:44:46 +0800' };
    const utc = {
      ...structuredClone(seed),
      id: 'utc',
      date: '2022-01-12T02:44:46.250Z',
      updated: '2022-01-12T02:44:46.250Z',
    };
    const noDate = { ...structuredClone(seed), id: 'nodate', date: 'yesterday', updated: '2022-02-01T00:00:00Z' };
    const nothing = { ...structuredClone(seed), id: 'nothing', date: '2022-02-30T00:00:00Z', updated: '' };
    const list = [loose, utc, noDate, nothing];
    const json = JSON.parse(render('json', structuredClone(list)));
    expect(json.items.map((i: { id: string }) => i.id)).toEqual([
      `${TAG}post:loose`,
      `${TAG}post:utc`,
      `${TAG}post:nodate`,
    ]);
    expect(json.items.map((i: { date_published: string }) => i.date_published)).toEqual([
      '2022-01-12T02:44:46+08:00',
      '2022-01-12T02:44:46Z', // feeds carry seconds precision
      '2022-02-01T00:00:00Z',
    ]);
    const rss = render('rss', structuredClone(list));
    assertWellFormedXml(rss);
    expect(rss).toContain('<pubDate>Wed, 12 Jan 2022 02:44:46 +0800</pubDate>');
    expect(rss).toContain('<pubDate>Wed, 12 Jan 2022 02:44:46 +0000</pubDate>');
    expect((await parseXml(rss)).items).toHaveLength(3);
    const atom = render('atom', structuredClone(list));
    assertWellFormedXml(atom);
    expect(atom).toContain('<published>2022-01-12T02:44:46+08:00</published>');
  });

  it('summarizes a post without a summary from its body, as plain text', () => {
    const long = {
      ...structuredClone(seed),
      summary: '',
      html: `<p>${'成都 '.repeat(200)}</p><!-- note -->`,
    };
    const item = JSON.parse(render('json', [long])).items[0];
    expect(item.summary.endsWith('…')).toBe(true);
    expect(Array.from(item.summary as string).length).toBeLessThanOrEqual(281);
    expect(item.summary).not.toContain('<');
    expect(item.content_html).toBe(long.html);
  });

  it('throws a clear error for a base URL that is not absolute', () => {
    expect(() => renderFeed('rss', categoryRef, entries(), { ...site, baseUrl: 'news.example.com' })).toThrow(
      /site\.baseUrl/,
    );
  });
});

describe('absolutizeHtmlUrls', () => {
  const base = 'https://news.example.com/chengduribao/2022/01/12/post.html';

  it('resolves relative href and src in either quote style', () => {
    expect(absolutizeHtmlUrls('<a href="/x">x</a>', base)).toBe('<a href="https://news.example.com/x">x</a>');
    expect(absolutizeHtmlUrls("<img src='img/a.png'>", base)).toBe(
      "<img src='https://news.example.com/chengduribao/2022/01/12/img/a.png'>",
    );
    expect(absolutizeHtmlUrls('<img alt="a" src=../b.png>', base)).toBe(
      '<img alt="a" src="https://news.example.com/chengduribao/2022/01/b.png">',
    );
    expect(absolutizeHtmlUrls('<A HREF = "#top">t</A>', base)).toBe(`<A HREF = "${base}#top">t</A>`);
  });

  it('makes protocol-relative URLs https and leaves absolute ones alone', () => {
    expect(absolutizeHtmlUrls('<img src="//cdn.example.org/a.png">', 'http://localhost:3000/p.html')).toBe(
      '<img src="https://cdn.example.org/a.png">',
    );
    const absolute =
      '<a href="http://a.example/x?y=1&amp;z=2">a</a><a href="mailto:x@example.com">m</a><img src="data:image/png;base64,AAAA">';
    expect(absolutizeHtmlUrls(absolute, base)).toBe(absolute);
  });

  it('keeps entities in query strings and encodes what must be encoded', () => {
    expect(absolutizeHtmlUrls('<a href="/s?a=1&amp;b=成都">x</a>', base)).toBe(
      '<a href="https://news.example.com/s?a=1&amp;b=%E6%88%90%E9%83%BD">x</a>',
    );
  });

  it('rewrites srcset candidates', () => {
    expect(absolutizeHtmlUrls('<img srcset="a.png 1x, /b.png 2x" src="a.png">', base)).toBe(
      '<img srcset="https://news.example.com/chengduribao/2022/01/12/a.png 1x, https://news.example.com/b.png 2x" src="https://news.example.com/chengduribao/2022/01/12/a.png">',
    );
  });

  it('touches only attributes of tags, not text or other attributes', () => {
    const html = '<p title="href=/x">write href="/x" in text</p><a data-href="/y" href="">e</a>';
    expect(absolutizeHtmlUrls(html, base)).toBe(html);
  });
});
