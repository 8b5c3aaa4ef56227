import { PutObjectCommand } from '@aws-sdk/client-s3';
import { XMLParser } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { enclosuresByParser } from '../support/feed-parsers';
import { atomErrors, jsonFeedErrors, rssErrors } from '../support/feed-rules';
import { parseWithFeedparser } from '../support/feedparser';
import { get, publishSampleContent, startTestStack, uploadPost } from '../support/local-stack';
import { RED_PIXEL_PNG } from '../support/pictures';

// Every feed the site serves, over the sample content plus generated hostile posts, read
// back by the rule checks, rss-parser and Python's feedparser; archives, validators, OPML.
const FEED_LENGTH = 3;
const FEED_MAX_BYTES = 24 * 1024;

let stack: LocalStack;
const rssParser = new Parser();

const hostile = [
  {
    key: 'posts/2023-05-01-amp.md',
    title: 'Tom & Jerry <b>bold</b> ]]> \u0001 😀',
    category: 'hostile',
    tags: 'a<b c&d',
  },
  {
    key: 'posts/2023-05-02-cdata.md',
    title: '<![CDATA[ not markup ]]> &amp; "quotes" \'single\'',
    category: 'hostile',
    tags: 'e',
  },
  { key: 'posts/2023-05-03-long.md', title: '长'.repeat(300), category: 'hostile', tags: 'f' },
];

function hostilePost({ title, category, tags }: (typeof hostile)[number], day: number): string {
  return [
    '---',
    `title: ${JSON.stringify(title)}`,
    `date: 2023-05-0${day} 08:00:00 +0800`,
    `categories: ${category}`,
    `tags: ${JSON.stringify(tags)}`,
    '---',
    '<p>Relative <a href="/chengduribao/2022/01/12/000_7402dedd91baa3ec.html">link</a>, image <img src="img/x.png" alt="x">.</p>',
    '<script>alert(1)</script><p onclick="x()">text with ]]> and \u0002 control</p>',
    '',
  ].join('\n');
}

function archivePost(index: number): string {
  const day = String(index + 1).padStart(2, '0');
  return `---\ntitle: 存档测试 ${index}\ndate: 2023-07-${day} 09:00:00 +0800\ncategories: archive-test\n---\n${'正文。'.repeat(400)}\n`;
}

const upload = (key: string, body: string) => uploadPost(stack, key, body);

/** Posts with a picture, audio (a podcast episode) or video: read back by every check below, and by the media test. */
const media = [
  {
    key: 'posts/2023-06-01-podcast.md',
    front:
      'audio:\n  url: "/media/第1集 & more.mp3"\n  length: 12345678\nimage: "https://cdn.example.com/cover.jpg?x=1&y=2"',
    body: '<p>第一集。</p>',
  },
  {
    key: 'posts/2023-06-02-episode.md',
    front: 'audio: https://cdn.example.com/ep2.m4a',
    body: '<p>封面 <img src="/img/封面.png" alt="封面"></p>',
  },
  {
    key: 'posts/2023-06-03-video.md',
    front: 'video: {url: /v/clip.webm, type: video/webm, size: 999}',
    body: '<p>视频。</p>',
  },
];

beforeAll(async () => {
  stack = await startTestStack({ [ENV.feedLength]: String(FEED_LENGTH), [ENV.feedMaxBytes]: String(FEED_MAX_BYTES) });
  await publishSampleContent(stack);
  for (const [index, post] of hostile.entries()) await upload(post.key, hostilePost(post, index + 1));
  for (let index = 0; index < 8; index++) await upload(`posts/archive-${index}.md`, archivePost(index));
  for (const [index, post] of media.entries()) {
    await upload(
      post.key,
      `---\ntitle: 媒体 ${index}\ndate: 2023-06-0${index + 1} 08:00:00 +0800\ncategories: media\n${post.front}\n---\n${post.body}\n`,
    );
  }
  // A picture uploaded beside its post, which the post shows.
  await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'posts/red-dot.png', Body: RED_PIXEL_PNG }));
  await upload(
    'posts/2023-06-04-photo.md',
    '---\ntitle: 红点\ndate: 2023-06-04 08:00:00 +0800\ncategories: photos\n---\n![红点](red-dot.png)\n',
  );
});

afterAll(async () => {
  await stack?.stop();
});

async function allFeedPaths(): Promise<string[]> {
  const categories = await stack.store.listNames('category');
  const tags = await stack.store.listNames('tag');
  const bases = [
    '/feed',
    ...categories.map(({ name }) => `/category/${encodeURIComponent(name)}`),
    ...tags.map(({ name }) => `/tag/${encodeURIComponent(name)}`),
  ];
  return bases.flatMap((base) => ['rss', 'atom', 'json'].map((format) => `${base}.${format}`));
}

const ERRORS = { rss: rssErrors, atom: atomErrors, json: jsonFeedErrors } as const;

describe('every feed the site serves', () => {
  it('passes the validator rules, and real parsers read back titles, links, dates and ids', async () => {
    const paths = await allFeedPaths();
    expect(paths.length).toBeGreaterThan(40);
    for (const path of paths) {
      const format = path.slice(path.lastIndexOf('.') + 1) as keyof typeof ERRORS;
      const response = await get(stack, path);
      expect(response.status, path).toBe(200);
      const body = await response.text();
      expect(ERRORS[format](body, stack.url + path), path).toEqual([]);
      if (format === 'json') continue;

      const byRssParser = await rssParser.parseString(body);
      const byFeedparser = parseWithFeedparser(body);
      expect(byFeedparser.bozo, `${path}: ${byFeedparser.bozo_exception}`).toBe(false);
      // feedparser reads RSS titles as HTML (see the hostile-titles test); Atom says they are text.
      if (format === 'atom')
        expect(byFeedparser.entries.map((entry) => entry.title)).toEqual(byRssParser.items.map((item) => item.title));
      expect(byFeedparser.entries.map((entry) => entry.link)).toEqual(byRssParser.items.map((item) => item.link));
      for (const entry of byFeedparser.entries) {
        expect(entry.id, path).toMatch(/^tag:publishing-backend\.invalid,2022:post:/);
        expect(entry.link!.startsWith(`${stack.url}/`), path).toBe(true);
      }
    }
  }, 90_000); // about 9 s alone: it starts real feed parsers for each of 40-odd feeds

  it("carries each post's picture, audio and video where each format expects them, read by the readers' parsers", async () => {
    const base = stack.url;
    const audio = `${base}/media/%E7%AC%AC1%E9%9B%86%20&%20more.mp3`;
    const cover = 'https://cdn.example.com/cover.jpg?x=1&y=2';
    const bodyImage = `${base}/img/%E5%B0%81%E9%9D%A2.png`;
    const rss = await (await get(stack, '/category/media.rss')).text();
    expect(rssErrors(rss)).toEqual([]);
    // Newest first: the video, the episode without a length (0: unknown), the podcast.
    const byFeedparser = parseWithFeedparser(rss);
    expect(byFeedparser.bozo).toBe(false);
    expect(byFeedparser.entries.map((entry) => entry.enclosures)).toEqual([
      [{ href: `${base}/v/clip.webm`, type: 'video/webm', length: '999' }],
      [{ href: 'https://cdn.example.com/ep2.m4a', type: 'audio/mp4', length: '0' }],
      [{ href: audio, type: 'audio/mpeg', length: '12345678' }],
    ]);
    expect(byFeedparser.entries.map((entry) => entry.media_thumbnail)).toEqual([[], [bodyImage], [cover]]);
    const byRssParser = await rssParser.parseString(rss);
    expect(byRssParser.items.map((item) => item.enclosure?.url)).toEqual([
      `${base}/v/clip.webm`,
      'https://cdn.example.com/ep2.m4a',
      audio,
    ]);

    const atom = await (await get(stack, '/category/media.atom')).text();
    expect(atomErrors(atom)).toEqual([]);
    const atomEntries = parseWithFeedparser(atom).entries;
    expect(
      atomEntries.map((entry) => entry.enclosures.map((enclosure) => `${enclosure.type} ${enclosure.href}`)),
    ).toEqual([
      [`video/webm ${base}/v/clip.webm`],
      ['audio/mp4 https://cdn.example.com/ep2.m4a', `image/png ${bodyImage}`],
      [`audio/mpeg ${audio}`, `image/jpeg ${cover}`],
    ]);

    const jsonBody = await (await get(stack, '/category/media.json')).text();
    expect(jsonFeedErrors(jsonBody)).toEqual([]);
    const json = JSON.parse(jsonBody) as { items: Array<{ image?: string; attachments?: unknown[] }> };
    expect(json.items.map((item) => [item.image, item.attachments])).toEqual([
      [undefined, [{ url: `${base}/v/clip.webm`, mime_type: 'video/webm', size_in_bytes: 999 }]],
      [bodyImage, [{ url: 'https://cdn.example.com/ep2.m4a', mime_type: 'audio/mp4' }]],
      [cover, [{ url: audio, mime_type: 'audio/mpeg', size_in_bytes: 12345678 }]],
    ]);
  });

  it('gives a picture uploaded beside its post as the enclosure five parsers read (four for Atom), and serves it', async () => {
    const picture = { url: `${stack.url}/red-dot.png`, type: 'image/png' };
    const rss = await (await get(stack, '/category/photos.rss')).text();
    expect(rssErrors(rss)).toEqual([]);
    const byParserRss = await enclosuresByParser(rss);
    expect(Object.keys(byParserRss)).toHaveLength(5);
    for (const [parser, items] of Object.entries(byParserRss)) expect(items, parser).toEqual([[picture]]);

    const atom = await (await get(stack, '/category/photos.atom')).text();
    expect(atomErrors(atom)).toEqual([]);
    const byParserAtom = await enclosuresByParser(atom);
    expect(Object.keys(byParserAtom)).toHaveLength(4);
    for (const [parser, items] of Object.entries(byParserAtom)) expect(items, parser).toEqual([[picture]]);

    const json = JSON.parse(await (await get(stack, '/category/photos.json')).text()) as {
      items: Array<{ image?: string }>;
    };
    expect(json.items.map((item) => item.image)).toEqual([picture.url]);

    const served = await get(stack, '/red-dot.png');
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer()).equals(RED_PIXEL_PNG)).toBe(true);
  });

  it('gives audio and video enclosures alike to every RSS parser', async () => {
    const base = stack.url;
    const rss = await (await get(stack, '/category/media.rss')).text();
    const expected = [
      [{ url: `${base}/v/clip.webm`, type: 'video/webm' }],
      [{ url: 'https://cdn.example.com/ep2.m4a', type: 'audio/mp4' }],
      [{ url: `${base}/media/%E7%AC%AC1%E9%9B%86%20&%20more.mp3`, type: 'audio/mpeg' }],
    ];
    // Some parsers also list the Media RSS picture (media:content) among an item's media.
    for (const [parser, items] of Object.entries(await enclosuresByParser(rss)))
      expect(
        items.map((enclosures) => enclosures.filter(({ type }) => !type.startsWith('image/'))),
        parser,
      ).toEqual(expected);
  });

  it('keeps hostile titles intact as text in every format', async () => {
    const expected = hostile.map((post) => post.title.replace('\u0001', '')).reverse();
    for (const format of ['rss', 'atom'] as const) {
      const body = await (await get(stack, `/category/hostile.${format}`)).text();
      expect((await rssParser.parseString(body)).items.map((item) => item.title)).toEqual(expected);
    }
    // Atom says its titles are text; feedparser guesses RSS titles are HTML and drops a
    // literal "<![CDATA[" from them, which no RSS document can prevent.
    const atom = await (await get(stack, '/category/hostile.atom')).text();
    expect(parseWithFeedparser(atom).entries.map((entry) => entry.title)).toEqual(expected);
    const json = (await (await get(stack, '/category/hostile.json')).json()) as { items: Array<{ title: string }> };
    expect(json.items.map((item) => item.title)).toEqual(expected);
  });

  it('writes the seed date in its own offset in every format', async () => {
    const [rss, atom, json] = await Promise.all(
      ['rss', 'atom', 'json'].map(async (format) =>
        (await get(stack, `/tag/%E6%88%90%E9%83%BD%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB.${format}`)).text(),
      ),
    );
    expect(rss).toContain('<pubDate>Wed, 12 Jan 2022 02:44:46 +0800</pubDate>');
    expect(atom).toContain('<published>2022-01-12T02:44:46+08:00</published>');
    expect(JSON.parse(json).items[0].date_published).toBe('2022-01-12T02:44:46+08:00');
    // Same instant for a reader that converts to UTC.
    expect(parseWithFeedparser(atom).entries[0].published_utc).toEqual([2022, 1, 11, 18, 44, 46]);
  });

  it('keeps each document under the byte budget', async () => {
    for (const path of await allFeedPaths()) {
      const response = await get(stack, path);
      expect(Buffer.byteLength(await response.text()), path).toBeLessThanOrEqual(FEED_MAX_BYTES);
    }
  });
});

describe('archives (RFC 5005)', () => {
  async function walk(format: 'rss' | 'atom' | 'json', path: string): Promise<{ titles: string[]; pages: number }> {
    const titles: string[] = [];
    let url: string | undefined = stack.url + path;
    let pages = 0;
    while (url) {
      const response = await fetch(url);
      expect(response.status, url).toBe(200);
      const body = await response.text();
      // JSON Feed's feed_url names the subscription document on every page.
      expect(ERRORS[format](body, format === 'json' ? stack.url + path : url), url).toEqual([]);
      pages++;
      if (pages > 1) {
        expect(response.headers.get('cache-control'), url).toMatch(/max-age=(86400|300)\b/);
        if (format !== 'json')
          expect(body, url).toContain('<fh:archive xmlns:fh="http://purl.org/syndication/history/1.0"/>');
      }
      if (format === 'json') {
        const feed = JSON.parse(body) as { items: Array<{ title: string }>; next_url?: string };
        titles.push(...feed.items.map((item) => item.title));
        url = feed.next_url;
      } else {
        const parsed = parseWithFeedparser(body);
        titles.push(...parsed.entries.map((entry) => entry.title!));
        url = parsed.links.find((link) => link.rel === 'prev-archive')?.href;
      }
    }
    return { titles, pages };
  }

  it('reaches every older post through prev-archive / next_url, each exactly once, newest first', async () => {
    const all = Array.from({ length: 8 }, (_, index) => `存档测试 ${7 - index}`);
    for (const format of ['rss', 'atom', 'json'] as const) {
      const { titles, pages } = await walk(format, `/category/archive-test.${format}`);
      expect(titles, format).toEqual(all);
      expect(pages, format).toBeGreaterThanOrEqual(Math.ceil(8 / FEED_LENGTH));
    }
  });

  it('links an archive page back to the subscription document and gives full pages a long lifetime', async () => {
    const current = await (await get(stack, '/category/archive-test.atom')).text();
    const prev = /<link rel="prev-archive" href="([^"]+)"\/>/.exec(current)![1];
    const archive = await fetch(prev.replace(/&amp;/g, '&'));
    const body = await archive.text();
    expect(body).toContain(`<link rel="current" href="${stack.url}/category/archive-test.atom"/>`);
    expect(body).toContain(`<link rel="self" href="${prev}"/>`);
    // Eight posts, three a page: the first archive page is full, so it gets the long lifetime.
    expect(archive.headers.get('cache-control')).toBe('public, max-age=86400, s-maxage=10');
  });

  it('answers 404 for a cursor it could not have written', async () => {
    expect((await get(stack, '/category/archive-test.rss?before=not-a-cursor')).status).toBe(404);
    expect(
      (await get(stack, `/category/archive-test.rss?before=${Buffer.from('../../x').toString('base64url')}`)).status,
    ).toBe(404);
  });
});

describe('conditional GET', () => {
  it('answers 304 to the ETag it gave until a post in that feed changes, and only then', async () => {
    const first = await get(stack, '/category/weather.rss');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"\d+-[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300, s-maxage=10');
    expect(first.headers.get('last-modified')).toBeTruthy();
    const conditional = { headers: { 'if-none-match': etag } };
    expect((await get(stack, '/category/weather.rss', conditional)).status).toBe(304);

    // A change to a post in another feed leaves this one alone.
    await upload(
      'posts/2023-08-01-elsewhere.md',
      '---\ntitle: elsewhere\ndate: 2023-08-01\ncategories: elsewhere\n---\nx\n',
    );
    expect((await get(stack, '/category/weather.rss', conditional)).status).toBe(304);

    // Re-uploading the same bytes changes nothing a reader can see.
    const source = '---\ntitle: 天气更新\ndate: 2023-08-02 08:00 +0800\ncategories: weather\n---\n晴。\n';
    await upload('posts/2023-08-02-weather.md', source);
    const changed = await get(stack, '/category/weather.rss', conditional);
    expect(changed.status).toBe(200);
    const newEtag = changed.headers.get('etag')!;
    expect(newEtag).not.toBe(etag);
    const bytes = await changed.text();
    await upload('posts/2023-08-02-weather.md', source);
    const again = await get(stack, '/category/weather.rss');
    expect(again.headers.get('etag')).toBe(newEtag);
    expect(await again.text()).toBe(bytes);
  });

  it('answers If-Modified-Since with 304 when nothing changed since', async () => {
    const first = await get(stack, '/category/news.atom');
    const lastModified = first.headers.get('last-modified')!;
    expect((await get(stack, '/category/news.atom', { headers: { 'if-modified-since': lastModified } })).status).toBe(
      304,
    );
    expect(
      (await get(stack, '/category/news.atom', { headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } }))
        .status,
    ).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body, and names itself in a Link header', async () => {
    const getResponse = await get(stack, '/feed.json');
    const head = await get(stack, '/feed.json', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(getResponse.headers.get('etag'));
    expect(head.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
    expect(head.headers.get('content-length')).toBe(getResponse.headers.get('content-length'));
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await head.text()).toBe('');
    expect(getResponse.headers.get('link')).toBe(`<${stack.url}/feed.json>; rel="self"`);
  });
});

describe('discovery', () => {
  it('lists every category and tag feed, grouped, in /feeds.opml', async () => {
    const response = await get(stack, '/feeds.opml');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/x-opml; charset=utf-8');
    const opml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await response.text());
    const groups = opml.opml.body.outline as Array<{ text: string; xmlUrl?: string; outline?: unknown }>;
    expect(groups[0].xmlUrl).toBe(`${stack.url}/feed.rss`);
    const listed = (title: string) => {
      const group = groups.find((outline) => outline.text === title)!;
      return ([] as Array<{ xmlUrl: string }>).concat(group.outline as never).map((outline) => outline.xmlUrl);
    };
    const categories = await stack.store.listNames('category');
    const tags = await stack.store.listNames('tag');
    expect(listed('分类 Categories').sort()).toEqual(
      categories.map(({ name }) => `${stack.url}/category/${encodeURIComponent(name)}.rss`).sort(),
    );
    expect(listed('标签 Tags').sort()).toEqual(
      tags.map(({ name }) => `${stack.url}/tag/${encodeURIComponent(name)}.rss`).sort(),
    );
    for (const url of listed('标签 Tags').slice(0, 5)) expect((await fetch(url)).status, url).toBe(200);
  });

  it('links all three formats of a page’s feed from every HTML page', async () => {
    for (const [path, feed] of [
      ['/', '/feed'],
      ['/category/weather.html', '/category/weather'],
    ]) {
      const page = await (await get(stack, path)).text();
      expect(page).toContain(`<link rel="alternate" type="application/rss+xml"`);
      for (const format of ['rss', 'atom', 'json'])
        expect(page, path).toContain(`href="${stack.url}${feed}.${format}"`);
    }
  });
});
