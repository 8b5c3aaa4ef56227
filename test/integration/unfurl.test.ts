import { PutObjectCommand } from '@aws-sdk/client-s3';
import ogs from 'open-graph-scraper';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack, uploadPost } from '../support/local-stack';
import { RED_PIXEL_PNG } from '../support/pictures';

// A link shared in a chat app, unfurled as one would: open-graph-scraper (a maintained npm
// library) follows the short link and the old site's share link on the local stack and reads
// the post's card. Then the page's JSON-LD against Google's Article structured data doc
// (https://developers.google.com/search/docs/appearance/structured-data/article).

let stack: LocalStack;
const KEY = 'posts/news/_posts/2022-01-12-shared.md';
const PATH = '/news/2022/01/12/shared.html';
const INFO_CODE = 'NW202201129999000001';
const TITLE = '分享出去的新闻';
const DESCRIPTION = '一段给聊天软件看的摘要。';

beforeAll(async () => {
  stack = await startTestStack({ SITE_TITLE: '成都日报' });
  await stack.s3.send(
    new PutObjectCommand({ Bucket: stack.bucket, Key: 'posts/news/_posts/cover.png', Body: RED_PIXEL_PNG }),
  );
  await uploadPost(
    stack,
    KEY,
    [
      '---',
      `title: ${TITLE}`,
      `description: ${DESCRIPTION}`,
      `infoCode: ${INFO_CODE}`,
      'author: 张三',
      'date: 2022-01-12 10:00:00 +0800',
      '---',
      '![封面](cover.png)',
      '',
      '正文。',
      '',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** open-graph-scraper's URL check as it ships, but with a host without a TLD (`localhost`) allowed. */
const URL_CHECK = {
  protocols: ['http', 'https'],
  require_tld: false,
  require_protocol: true,
  require_host: true,
  require_port: false,
  require_valid_protocol: true,
  allow_underscores: false,
  allow_trailing_dot: false,
  allow_protocol_relative_urls: false,
  allow_fragments: true,
  allow_query_components: true,
  validate_length: true,
};

async function unfurl(url: string) {
  const { error, result } = await ogs({ url, timeout: 10, urlValidatorSettings: URL_CHECK });
  expect(error).toBe(false);
  return result;
}

describe('link unfurling (open-graph-scraper)', () => {
  it('follows /s/{code} and the legacy NewsShare.html?infoCode= link to the post card: title, description, image, canonical URL', async () => {
    const post = await stack.store.findPostByPath(PATH);
    expect(post?.shortCode).toBeTruthy();
    const canonical = `${stack.url}${PATH}`;
    for (const link of [
      `${stack.url}/s/${post!.shortCode}`,
      `${stack.url}/html_News/NewsShare.html?infoCode=${INFO_CODE}`,
    ]) {
      const card = await unfurl(link);
      expect(card.ogTitle, link).toBe(TITLE);
      expect(card.ogDescription, link).toBe(DESCRIPTION);
      expect(card.ogUrl, link).toBe(canonical);
      expect(card.ogImage?.[0]?.url, link).toBe(`${stack.url}/news/_posts/cover.png`);
      expect(card.twitterCard, link).toBe('summary_large_image');
    }
    // And the picture the card names is there, as an image.
    const picture = await get(stack, '/news/_posts/cover.png');
    expect(picture.status).toBe(200);
    expect(picture.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await picture.arrayBuffer())).toEqual(RED_PIXEL_PNG);
  });
});

describe("the page's JSON-LD, against Google's Article structured data documentation", () => {
  // https://developers.google.com/search/docs/appearance/structured-data/article: no property is
  // required; its example and recommended properties are headline, image (URLs), datePublished and
  // dateModified (ISO 8601 with the time zone), and author (a Person or Organization with a name).
  // publisher is not among them there; schema.org's NewsArticle has it, and we give it.
  it('has headline, image, datePublished, dateModified, author with a name, and publisher', async () => {
    const card = await unfurl(`${stack.url}${PATH}`);
    const articles = (card.jsonLD ?? []) as Array<Record<string, unknown>>;
    expect(articles).toHaveLength(1);
    const article = articles[0];
    expect(article['@context']).toBe('https://schema.org');
    expect(['Article', 'NewsArticle', 'BlogPosting']).toContain(article['@type']);
    expect(article.headline).toBe(TITLE);
    expect((article.headline as string).length).toBeLessThanOrEqual(110);
    expect(article.image).toEqual([`${stack.url}/news/_posts/cover.png`]);
    const iso8601WithZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
    expect(article.datePublished).toMatch(iso8601WithZone);
    expect(article.datePublished).toBe('2022-01-12T10:00:00+08:00');
    expect(article.dateModified).toMatch(iso8601WithZone);
    expect(Date.parse(article.dateModified as string)).toBeGreaterThanOrEqual(
      Date.parse(article.datePublished as string),
    );
    const authors = [article.author].flat() as Array<Record<string, unknown>>;
    expect(authors.length).toBeGreaterThan(0);
    for (const author of authors) {
      expect(['Person', 'Organization']).toContain(author['@type']);
      expect(author.name).toBe('张三');
    }
    expect(article.publisher).toMatchObject({ '@type': 'Organization', name: '成都日报' });
  });
});
