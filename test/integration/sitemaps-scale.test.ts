import { PutObjectCommand } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPost } from '../../bench/corpus';
import { batchWriteItems } from '../../bench/preload';
import { ENV } from '../../functions/config-names';
import { inParallel } from '../../functions/core/in-parallel';
import { parsePost } from '../../functions/core/parse-post';
import { decodePostText } from '../../functions/core/post-text';
import { feedCursor, sitemapDay } from '../../functions/core/store';
import { absoluteUrl, nameInUrl } from '../../functions/core/urls';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack, uploadPost } from '../support/local-stack';
import { locs, SCHEMAS, xmllint } from '../support/xmllint';

// A site of 120,000 posts from the benchmark corpus (bench/corpus.ts: three years, 20 categories,
// 30 tags), so that the sitemap index really pages: every sitemap document it lists, and the news
// sitemap, validate against the sitemaps.org and Google News schemas (test/fixtures/sitemaps).
//
// Ingesting 120,000 posts through S3 takes hours, and through the in-memory ingest as
// bench/preload.ts does, minutes (parsing alone: ~1.4 s per 2,000 posts here). So the rows the
// sitemaps read are written straight into dynalite with BatchWriteItem, as the preload copies its
// rows: each post's site feed entry (with its `sitemap` day, and an empty body) and the counts per
// day, category and tag, as ingest lays them out; a sample of the posts is parsed by the real parser to check that
// the paths and dates written are the ones ingest gives them. Posts of today go through the real
// S3 → ingest path, for the news sitemap.

const POSTS = 120_000;
const SITE = 'https://news.example.com';
const TITLE = '成都日报 & <News> ]]>';

let stack: LocalStack;
const expectedPages = new Set<string>();

/** What ingest stores for a corpus post, read from its front matter without the cost of parsing its body. */
function quickPost(index: number) {
  const post = corpusPost(1, index);
  const head = post.bytes.subarray(0, 600).toString('utf8');
  const [, y, m, d, time, hours, minutes] =
    /\ndate: (\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}:\d{2}) \+(\d{2})(\d{2})\n/.exec(head)!;
  const title = /\ntitle: "([^"]*)"\n/.exec(head)![1];
  const date = `${y}-${m}-${d}T${time}+${hours}:${minutes}`;
  const slug = post.key.slice('posts/'.length).replace(/\.txt$/, '');
  return {
    key: post.key,
    id: `corpus-${index}`,
    title,
    date,
    category: post.category,
    tags: post.tags,
    path: `/${post.category}/${y}/${m}/${d}/${slug}.html`,
  };
}

beforeAll(async () => {
  stack = await startTestStack({ [ENV.siteUrl]: SITE, [ENV.siteTitle]: TITLE, [ENV.siteLanguage]: 'zh-CN' });
  const started = performance.now();
  const items: Array<Record<string, unknown>> = [];
  const days = new Map<string, number>();
  const names = new Map<string, { kind: string; name: string; count: number }>();
  for (let index = 0; index < POSTS; index++) {
    const post = quickPost(index);
    // A site feed entry as ingest writes it, with an empty body (the sitemaps read path and updated only).
    const entry = {
      id: post.id,
      title: post.title,
      date: post.date,
      updated: new Date(post.date).toISOString(),
      categories: [post.category],
      tags: post.tags,
      path: post.path,
      shortCode: `c${index.toString(36)}`,
      html: '',
      summary: '',
    };
    items.push({
      pk: 'FEED#site',
      sk: feedCursor(entry),
      ...entry,
      sequencer: '1',
      sourceKey: post.key,
      sitemap: `day#${sitemapDay(entry)}`,
    });
    days.set(sitemapDay(entry), (days.get(sitemapDay(entry)) ?? 0) + 1);
    for (const [kind, name] of [['category', post.category], ...post.tags.map((tag) => ['tag', tag])]) {
      const id = `${kind}\n${name}`;
      names.set(id, { kind, name, count: (names.get(id)?.count ?? 0) + 1 });
    }
    expectedPages.add(absoluteUrl(SITE, post.path));
  }
  for (const [day, count] of days)
    items.push({
      pk: 'NAMES#day',
      sk: day,
      name: day,
      count,
      sitemap: 'index',
      lastModified: '2023-01-01T00:00:00.000Z',
    });
  for (const { kind, name, count } of names.values()) {
    items.push({ pk: `NAMES#${kind}`, sk: name, name, count, sitemap: 'index' });
    expectedPages.add(absoluteUrl(SITE, `/${kind}/${nameInUrl(name)}.html`));
  }
  const built = performance.now();
  await batchWriteItems(
    stack.dynamo,
    stack.tableName,
    items.map((item) => marshall(item)),
  );
  console.log(
    `sitemaps-scale: ${POSTS} posts' rows (${items.length} items) made from the corpus in ${((built - started) / 1000).toFixed(1)} s, written to dynalite in ${((performance.now() - built) / 1000).toFixed(1)} s`,
  );
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

describe('sitemaps of a site of 120,000 posts', () => {
  it('writes the paths ingest gives the corpus posts (a sample, parsed by the real parser)', () => {
    for (let index = 0; index < POSTS; index += 997) {
      const corpus = corpusPost(1, index);
      const parsed = parsePost(corpus.key, decodePostText(corpus.bytes, 1 << 20), { now: '2023-01-01T00:00:00Z' });
      if (!parsed.published) throw new Error(`${corpus.key} is not published`);
      const quick = quickPost(index);
      expect({ path: quick.path, date: quick.date, title: quick.title }).toEqual({
        path: parsed.post.path,
        date: parsed.post.date,
        title: parsed.post.title,
      });
    }
  });

  it('lists every post and every category and tag page once, in sitemaps the index pages over, each valid', async () => {
    const started = performance.now();
    const index = await get(stack, '/sitemap.xml');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const indexXml = await index.text();
    expect(await xmllint(SCHEMAS.index, [indexXml])).toBe('');
    const sitemaps = locs(indexXml);
    // Three years of days, and the names sitemap: far more than one document.
    expect(sitemaps.length).toBeGreaterThan(1000);
    expect(sitemaps.length).toBeLessThanOrEqual(50_000);
    const documents: string[] = [];
    await inParallel(sitemaps, 8, async (url) => {
      const response = await get(stack, new URL(url).pathname);
      expect(response.status, url).toBe(200);
      documents.push(await response.text());
    });
    expect(await xmllint(SCHEMAS.urlset, documents)).toBe('');
    const listed = documents.flatMap(locs);
    for (const document of documents) expect(locs(document).length).toBeLessThanOrEqual(50_000);
    expect(new Set(listed).size).toBe(listed.length);
    expect(new Set(listed)).toEqual(expectedPages);
    console.log(
      `sitemaps-scale: index + ${sitemaps.length} sitemaps (${listed.length} URLs) fetched and validated in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  it('lists the posts of the last 48 hours in a valid news sitemap, hostile titles included', async () => {
    const now = new Date(Date.now() + 8 * 3_600_000 - 60_000);
    const local = now.toISOString().slice(0, 19).replace('T', ' ');
    const titles = ['Q&A ]]> <b>粗体</b> "引号"', '成都\u0007控制\u001b字符', 'Ünïcode ‘quotes’ & 100%'];
    for (const [index, title] of titles.entries()) {
      await uploadPost(
        stack,
        `posts/today-${index}.md`,
        `---\ntitle: ${JSON.stringify(title)}\ndate: ${local} +0800\ncategories: 今日 news\ntags: [a&b, "c d"]\npermalink: "/today/${index}/空格 & 'quote' (1).html"\n---\n正文。\n`,
      );
    }
    expect(await stack.store.listFailedSources()).toEqual([]);
    const response = await get(stack, '/news-sitemap.xml');
    expect(response.status).toBe(200);
    const xml = await response.text();
    expect(await xmllint(SCHEMAS.news, [xml])).toBe('');
    expect(locs(xml)).toHaveLength(3);
    expect(xml).toContain('<news:name>成都日报 &amp; &lt;News&gt; ]]&gt;</news:name>');
    expect(xml).toContain('<news:language>zh-cn</news:language>');
    expect(xml).toContain(`<news:publication_date>${local.replace(' ', 'T')}+08:00</news:publication_date>`);
    expect(xml).toContain('<news:title>Q&amp;A ]]&gt; &lt;b&gt;粗体&lt;/b&gt; &quot;引号&quot;</news:title>');
    expect(xml).toContain('<news:title>成都控制字符</news:title>');
  }, 60_000);

  it('lists a post published now in the news sitemap no later than in its feed', async () => {
    const local = new Date(Date.now() + 8 * 3_600_000 - 30_000).toISOString().slice(0, 19).replace('T', ' ');
    const started = performance.now();
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.bucket,
        Key: 'posts/just-now.md',
        Body: `---\ntitle: 刚刚发布\ndate: ${local} +0800\ncategories: 今日\n---\n正文。\n`,
      }),
    );
    // Each round reads the feed, then the news sitemap: once the feed shows the post, the news
    // sitemap read right after must show it too.
    let inFeed: number | undefined;
    let inNews: number | undefined;
    while (inFeed === undefined && performance.now() - started < 30_000) {
      const feed = await (await get(stack, '/feed.rss')).text();
      const news = await (await get(stack, '/news-sitemap.xml')).text();
      if (news.includes('/just-now.html') || news.includes('刚刚发布')) inNews ??= performance.now() - started;
      if (feed.includes('刚刚发布')) {
        inFeed = performance.now() - started;
        expect(news).toContain('<news:title>刚刚发布</news:title>');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(inFeed).toBeDefined();
    expect(inNews).toBeDefined();
    expect(inNews!).toBeLessThanOrEqual(inFeed!);
    console.log(
      `sitemaps-scale: a post uploaded now was in the news sitemap after ${inNews!.toFixed(0)} ms, in the site feed after ${inFeed!.toFixed(0)} ms`,
    );
  }, 60_000);
});
