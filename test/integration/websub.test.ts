import type { Server } from 'node:http';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { uploadPost } from '../support/local-stack';
import { freePort, startHub } from '../support/websub-hub';

// Feeds advertise the configured hub, and ingest pings it for exactly the feeds a change touched.
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
    // No edge window: pings go out with the change (test/integration/websub-delay.test.ts holds them back).
    env: { [ENV.siteUrl]: site, [ENV.websubHub]: hubUrl, [ENV.edgeMaxAgeSeconds]: '0' },
  });
});

afterAll(async () => {
  await stack?.stop();
  if (hub?.listening) hub.close();
});

beforeEach(() => {
  pings.length = 0;
});

const upload = (key: string, body: string) => uploadPost(stack, key, body);

// The site feed holds every post: its change is also one of the news sitemap (test/integration/sitemaps.test.ts).
const topics = (...feeds: string[]) =>
  feeds
    .flatMap((feed) => [
      ...['rss', 'atom', 'json'].map((format) => `${site}${feed}.${format}`),
      ...(feed === '/feed' ? [`${site}/news-sitemap.xml`] : []),
    ])
    .sort();
const post = (category: string) =>
  `---\ntitle: 订阅测试\ndate: 2023-09-01 08:00 +0800\ncategories: ${category}\ntags: 标签\n---\n正文。\n`;

describe('WebSub', () => {
  it('pings the hub for exactly the feeds a new post is in', async () => {
    await upload('posts/websub.md', post('alpha'));
    expect(pings.sort()).toEqual(topics('/feed', '/category/alpha', '/tag/%E6%A0%87%E7%AD%BE'));
  });

  it('advertises the hub and itself in each document and in Link headers', async () => {
    const rss = await fetch(`${site}/category/alpha.rss`);
    expect(rss.headers.get('link')).toBe(`<${site}/category/alpha.rss>; rel="self", <${hubUrl}>; rel="hub"`);
    expect(await rss.text()).toContain(`<atom:link href="${hubUrl}" rel="hub"/>`);
    const atom = await (await fetch(`${site}/category/alpha.atom`)).text();
    expect(atom).toContain(`<link rel="hub" href="${hubUrl}"/>`);
    expect(atom).toContain(`<link rel="self" href="${site}/category/alpha.atom"/>`);
    const json = (await (await fetch(`${site}/category/alpha.json`)).json()) as { hubs: unknown; feed_url: string };
    expect(json.hubs).toEqual([{ type: 'WebSub', url: hubUrl }]);
    expect(json.feed_url).toBe(`${site}/category/alpha.json`);
  });

  it('does not ping for a re-upload that changes nothing', async () => {
    await upload('posts/websub.md', post('alpha'));
    expect(pings).toEqual([]);
  });

  it('pings the old and the new category when a post moves', async () => {
    await upload('posts/websub.md', post('beta'));
    expect(pings.sort()).toEqual(topics('/feed', '/category/alpha', '/category/beta', '/tag/%E6%A0%87%E7%AD%BE'));
  });

  it('pings the feeds a deleted post leaves', async () => {
    await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: 'posts/websub.md' }));
    await stack.idle();
    expect(pings.sort()).toEqual(topics('/feed', '/category/beta', '/tag/%E6%A0%87%E7%AD%BE'));
  });

  it('still publishes when the hub is down', async () => {
    hub.closeAllConnections();
    await new Promise((resolve) => hub.close(resolve));
    await upload('posts/websub-2.md', post('gamma'));
    expect((await fetch(`${site}/category/gamma.rss`)).status).toBe(200);
  });
});
