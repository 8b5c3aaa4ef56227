import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { encodePath } from '../../functions/core/urls';
import type { LocalStack } from '../../infra/local/local-stack';
import { atomErrors, rssErrors } from '../support/feed-rules';
import { get, publishSampleContent, startTestStack } from '../support/local-stack';

// Readers of a site moved here keep their subscriptions: the feed addresses of jekyll-feed, Hugo
// and WordPress answer 301 to our feed of the same posts, in the format they served.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ [ENV.feedAliases]: '/rss/chengdu.xml=/category/chengduribao.rss' });
  await publishSampleContent(stack);
});
afterAll(async () => {
  await stack?.stop();
});

const ALIASES: Array<[from: string, to: string]> = [
  ['/feed.xml', '/feed.atom'],
  ['/atom.xml', '/feed.atom'],
  ['/rss.xml', '/feed.rss'],
  ['/index.xml', '/feed.rss'],
  ['/feed/', '/feed.rss'],
  ['/feed', '/feed.rss'],
  ['/feed/chengduribao.xml', '/category/chengduribao.atom'],
  ['/categories/chengduribao/index.xml', '/category/chengduribao.rss'],
  ['/tags/成都日报新闻/index.xml', '/tag/成都日报新闻.rss'],
  ['/category/chengduribao/feed/', '/category/chengduribao.rss'],
  ['/category/文化/feed', '/category/文化.rss'],
  ['/tag/成都日报新闻/feed/', '/tag/成都日报新闻.rss'],
  // The site's own, from FEED_ALIASES.
  ['/rss/chengdu.xml', '/category/chengduribao.rss'],
];

describe('feed addresses of other generators', () => {
  it.each(ALIASES)('%s answers 301 to %s, a feed that validates', async (from, to) => {
    const response = await get(stack, encodePath(from));
    expect(response.status).toBe(301);
    expect(response.headers.get('location')).toBe(`${stack.url}${encodePath(to)}`);
    const feed = await get(stack, encodePath(to));
    expect(feed.status).toBe(200);
    const body = await feed.text();
    expect(to.endsWith('.atom') ? atomErrors(body) : rssErrors(body)).toEqual([]);
    expect(body).toContain(to.endsWith('.atom') ? '<entry>' : '<item>');
  });

  it('answers HEAD alike, and is no permalink a post may take', async () => {
    expect((await get(stack, '/feed.xml', { method: 'HEAD' })).status).toBe(301);
    await stack.s3.send(
      new (await import('@aws-sdk/client-s3')).PutObjectCommand({
        Bucket: stack.bucket,
        Key: 'posts/2022-07-01-takes-feed.md',
        Body: '---\ntitle: X\ndate: 2022-07-01\npermalink: /index.xml\n---\nx\n',
      }),
    );
    await stack.idle();
    expect(
      (await stack.store.listFailedSources()).find((state) => state.key === 'posts/2022-07-01-takes-feed.md')?.error,
    ).toMatch(/permalink "\/index\.xml" is a feed address the site answers/);
  });
});
