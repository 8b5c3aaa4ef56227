import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { type GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2, S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import type { FeedEntry, FeedRef } from '../../functions/core/post';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { feedCursor, sitemapDay } from '../../functions/core/store';
import { feedKey } from '../../functions/core/urls';
import { createHttpHandler } from '../../functions/handlers/http';
import { createIngestHandler } from '../../functions/handlers/ingest';
import type { LocalStack } from '../../infra/local/local-stack';
import { startTestStack } from '../support/local-stack';

// What a feed request and an upload cost in storage calls, on a site of 2,000 posts: counted
// at the DynamoDB client the handlers use, so nothing a handler does can hide from it.
const POSTS = 2000;
const FEED_LENGTH = DEFAULT_SETTINGS.feedLength;
/** Every poll reads the feed's version (no reuse of one read a moment ago): the cost of a poll itself. */
const SETTINGS = { ...DEFAULT_SETTINGS, feedVersionCacheMs: 0 };

let stack: LocalStack;
let counted: DynamoDBClient;
const calls: Array<{ command: string; items: number }> = [];
/** The partition of every item each counted call read or wrote (uploads only). */
const partitions: string[] = [];

function entry(index: number): FeedEntry {
  const date = new Date(Date.UTC(2020, 0, 1) + index * 3_600_000).toISOString().replace('.000Z', 'Z');
  return {
    id: `post-${index}`,
    title: `Post ${index}`,
    date,
    updated: date,
    categories: [index === 0 ? 'small' : 'big'],
    tags: [],
    path: `/p/${index}.html`,
    shortCode: `c${index}`,
    html: `<p>${'正文'.repeat(200)}</p>`,
    summary: '<p>正文</p>',
  };
}

/** Writes the feed items as the store lays them out, in batches: the storage floor for seeding. */
async function seed(): Promise<void> {
  const items: Array<Record<string, unknown>> = [];
  const days = new Map<string, number>();
  const version = (ref: FeedRef) => ({
    pk: `FEED#${feedKey(ref)}`,
    sk: '~META',
    version: 1,
    lastModified: '2020-03-01T00:00:00Z',
  });
  for (let index = 0; index < POSTS; index++) {
    const post = entry(index);
    for (const ref of [{ kind: 'site' }, { kind: 'category', name: post.categories[0] }] as FeedRef[]) {
      // As ingest writes them: the site feed's entries carry the day the sitemaps list them under.
      items.push({
        pk: `FEED#${feedKey(ref)}`,
        sk: feedCursor(post),
        ...post,
        sequencer: '0'.repeat(32),
        ...(ref.kind === 'site' ? { sitemap: `day#${sitemapDay(post)}` } : {}),
      });
    }
    days.set(sitemapDay(post), (days.get(sitemapDay(post)) ?? 0) + 1);
  }
  for (const [day, count] of days)
    items.push({ pk: 'NAMES#day', sk: day, name: day, count, sitemap: 'index', lastModified: '2020-03-01T00:00:00Z' });
  for (const [name, count] of [
    ['big', POSTS - 1],
    ['small', 1],
  ] as const)
    items.push({ pk: 'NAMES#category', sk: name, name, count, sitemap: 'index' });
  items.push(
    version({ kind: 'site' }),
    version({ kind: 'category', name: 'big' }),
    version({ kind: 'category', name: 'small' }),
  );
  for (let start = 0; start < items.length; start += 25) {
    const requests: WriteRequest[] = items
      .slice(start, start + 25)
      .map((item) => ({ PutRequest: { Item: marshall(item) } }));
    await stack.dynamo.send(new BatchWriteItemCommand({ RequestItems: { [stack.tableName]: requests } }));
  }
}

beforeAll(async () => {
  stack = await startTestStack();
  await seed();
  counted = dynamoClient(stack.functionEnv);
  counted.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const output = result.output as { Items?: unknown[]; Item?: unknown };
      calls.push({ command: context.commandName ?? '?', items: output.Items?.length ?? (output.Item ? 1 : 0) });
      const input = args.input as { Key?: { pk?: { S?: string } }; Item?: { pk?: { S?: string } } };
      partitions.push(input.Key?.pk?.S ?? input.Item?.pk?.S ?? `(${context.commandName}: no single item)`);
      return result;
    },
    { step: 'initialize', name: 'countStorageCalls' },
  );
}, 120_000);

afterAll(async () => {
  counted?.destroy();
  await stack?.stop();
});

function event(path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const [, kind, file] = /^\/(category|tag)\/(.+)$/.exec(path) ?? [];
  return {
    version: '2.0',
    routeKey: kind ? `GET /${kind}/{file}` : `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'news.example.com', ...headers },
    ...(file ? { pathParameters: { file } } : {}),
    isBase64Encoded: false,
    requestContext: { domainName: 'news.example.com', http: { method: 'GET', path } },
  } as unknown as APIGatewayProxyEventV2;
}

async function costOf(
  handler: ReturnType<typeof createHttpHandler>,
  path: string,
  headers: Record<string, string> = {},
) {
  calls.length = 0;
  const response = await handler(event(path, headers));
  return { status: response.statusCode, etag: String(response.headers?.etag ?? ''), calls: [...calls] };
}

describe(`storage calls per feed request, on a site of ${POSTS} posts`, () => {
  it('reads one Query bounded by the feed length on a miss, then one small read per hit or 304', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: SETTINGS });
    for (const path of ['/feed.rss', '/category/big.atom', '/category/small.json']) {
      const miss = await costOf(handler, path);
      expect(miss.status, path).toBe(200);
      expect(
        miss.calls.map((call) => call.command),
        path,
      ).toEqual(['QueryCommand']);
      // The feed's version plus one entry more than shown (to know whether older ones exist).
      expect(miss.calls[0].items, path).toBeLessThanOrEqual(FEED_LENGTH + 2);

      const hit = await costOf(handler, path);
      expect(hit.status, path).toBe(200);
      expect(hit.calls, path).toEqual([{ command: 'GetItemCommand', items: 1 }]);

      const notModified = await costOf(handler, path, { 'if-none-match': miss.etag });
      expect(notModified.status, path).toBe(304);
      expect(notModified.calls, path).toEqual([{ command: 'GetItemCommand', items: 1 }]);
    }
  });

  it('answers a conditional GET on a fresh instance with one small read and no render', async () => {
    const warm = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: SETTINGS });
    const { etag } = await costOf(warm, '/category/big.rss');
    const fresh = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: SETTINGS });
    const notModified = await costOf(fresh, '/category/big.rss', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.calls).toEqual([{ command: 'GetItemCommand', items: 1 }]);
  });

  it.each([
    // The render under way, then one queued behind it for everyone who arrived meanwhile.
    { feedVersionCacheMs: 0, queries: 2 },
    // A window far longer than starting 16 requests takes, so the count does not depend on the machine's speed.
    { feedVersionCacheMs: 60_000, queries: 1 },
  ])(
    'shares Queries among concurrent misses for the same document (FEED_VERSION_CACHE_MS=$feedVersionCacheMs: $queries)',
    async ({ feedVersionCacheMs, queries }) => {
      const handler = createHttpHandler({
        store: new DynamoPostStore(counted, stack.tableName),
        settings: { ...DEFAULT_SETTINGS, feedVersionCacheMs },
      });
      calls.length = 0;
      const responses = await Promise.all(Array.from({ length: 16 }, () => handler(event('/category/big.rss'))));
      expect(new Set(responses.map((response) => response.statusCode))).toEqual(new Set([200]));
      expect(calls.filter((call) => call.command === 'QueryCommand')).toHaveLength(queries);
    },
  );

  it('lets a burst of concurrent polls share version reads: never more reads than polls, two for a burst', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: SETTINGS });
    const { etag } = await costOf(handler, '/category/big.atom');
    calls.length = 0;
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        handler(event('/category/big.atom', index % 2 ? { 'if-none-match': etag } : {})),
      ),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([
      ...Array(16).fill(200),
      ...Array(16).fill(304),
    ]);
    // The first poll's read, then one read queued behind it for everyone who arrived meanwhile.
    expect(calls).toEqual([
      { command: 'GetItemCommand', items: 1 },
      { command: 'GetItemCommand', items: 1 },
    ]);
  });

  it('answers polls within FEED_VERSION_CACHE_MS of a version read without reading, and reads again after it', async () => {
    // Windows far from the time a request takes, so the test does not depend on the machine's speed.
    const long = createHttpHandler({
      store: new DynamoPostStore(counted, stack.tableName),
      settings: { ...DEFAULT_SETTINGS, feedVersionCacheMs: 60_000 },
    });
    const miss = await costOf(long, '/category/small.rss');
    expect(miss.calls.map((call) => call.command)).toEqual(['QueryCommand']);
    const within = await costOf(long, '/category/small.rss', { 'if-none-match': miss.etag });
    expect(within.status).toBe(304);
    expect(within.calls).toEqual([]);

    const short = createHttpHandler({
      store: new DynamoPostStore(counted, stack.tableName),
      settings: { ...DEFAULT_SETTINGS, feedVersionCacheMs: 1 },
    });
    await costOf(short, '/category/small.rss');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const after = await costOf(short, '/category/small.rss', { 'if-none-match': miss.etag });
    expect(after.status).toBe(304);
    expect(after.calls).toEqual([{ command: 'GetItemCommand', items: 1 }]);
  });

  it('with FEED_VERSION_CACHE_MS, lets a burst after that time share the one version read it starts', async () => {
    // A window far longer than the burst takes to start, so the test does not depend on the machine's speed.
    const handler = createHttpHandler({
      store: new DynamoPostStore(counted, stack.tableName),
      settings: { ...DEFAULT_SETTINGS, feedVersionCacheMs: 200 },
    });
    const { etag } = await costOf(handler, '/category/big.atom');
    await new Promise((resolve) => setTimeout(resolve, 250));
    calls.length = 0;
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, index) =>
        handler(event('/category/big.atom', index % 2 ? { 'if-none-match': etag } : {})),
      ),
    );
    expect(responses.map((response) => response.statusCode).sort()).toEqual([
      ...Array(16).fill(200),
      ...Array(16).fill(304),
    ]);
    // Every poll's answer comes from a read begun less than FEED_VERSION_CACHE_MS before it arrived.
    expect(calls).toEqual([{ command: 'GetItemCommand', items: 1 }]);
  });

  it('reads an archive page with one Query bounded by the feed length', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: SETTINGS });
    const body = String((await handler(event('/category/big.json'))).body);
    const next = new URL(JSON.parse(body).next_url as string);
    calls.length = 0;
    const response = await handler({
      ...event('/category/big.json'),
      rawQueryString: next.search.slice(1),
      queryStringParameters: { before: next.searchParams.get('before')! },
    });
    expect(response.statusCode).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0].command).toBe('QueryCommand');
    expect(calls[0].items).toBeLessThanOrEqual(FEED_LENGTH + 1);
    expect(JSON.parse(String(response.body)).items).toHaveLength(FEED_LENGTH);
  });
});

describe(`storage calls per sitemap request, on a site of ${POSTS} posts`, () => {
  const sitemapEvent = (path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 => {
    const file = path.startsWith('/sitemaps/') ? path.slice('/sitemaps/'.length) : undefined;
    return {
      ...event(path, headers),
      routeKey: file ? 'GET /sitemaps/{file}' : `GET ${path}`,
      ...(file ? { pathParameters: { file } } : {}),
    };
  };

  it.each(['/sitemap.xml', '/sitemaps/posts-2020-01-02.xml', '/sitemaps/names.xml', '/news-sitemap.xml'])(
    'answers %s, and a conditional request for it with 304, from one Query each',
    async (path) => {
      const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: SETTINGS });
      calls.length = 0;
      const first = await handler(sitemapEvent(path));
      expect(first.statusCode).toBe(200);
      expect(calls.map((call) => call.command)).toEqual(['QueryCommand']);
      if (path === '/sitemap.xml') expect(calls[0].items).toBe(84 + 2); // 2,000 hourly posts span 84 days; two categories
      if (path.startsWith('/sitemaps/posts-')) expect(calls[0].items).toBe(24);
      calls.length = 0;
      const again = await handler(sitemapEvent(path, { 'if-none-match': String(first.headers?.etag) }));
      expect(again.statusCode).toBe(304);
      expect(calls.map((call) => call.command)).toEqual(['QueryCommand']);
    },
  );
});

describe(`storage calls per upload, on a site of ${POSTS} posts`, () => {
  // A post with a legacy infoCode (which is then its id), like the seed.
  const post = (infoCode: string, category: string, date: string) =>
    Buffer.from(
      [
        '---',
        `title: Cost of ${infoCode}`,
        `date: ${date} +0800`,
        `categories: [${category}]`,
        'tags: [甲, 乙]',
        `infoCode: ${infoCode}`,
        '---',
        `<p>${'正文'.repeat(300)}</p>`,
      ].join('\n'),
    );

  async function upload(key: string, bytes: Buffer | undefined, sequencer: string) {
    // The post's bytes; no site _config.yml.
    const s3 = {
      send: async (command: GetObjectCommand) => {
        if (command.input.Key === SITE_CONFIG_KEY)
          throw new NoSuchKey({ message: 'no such key', $metadata: { httpStatusCode: 404 } });
        return { Body: { transformToByteArray: async () => new Uint8Array(bytes!) }, ETag: '"cost"' };
      },
    } as unknown as S3Client;
    const ingest = createIngestHandler({ store: new DynamoPostStore(counted, stack.tableName), s3, bucket: 'unused' });
    calls.length = 0;
    partitions.length = 0;
    const [outcome] = await ingest({
      Records: [
        {
          eventName: bytes ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
          eventTime: '2024-05-01T00:00:00.000Z',
          s3: { object: { key, sequencer } },
        },
      ],
    } as unknown as S3Event);
    return { outcome, commands: calls.map((call) => call.command), partitions: [...new Set(partitions)].sort() };
  }

  // What one post in one category and two tags may touch: its own object key's state, its post
  // item, its page path's claim, its two share codes, and its four feeds with the names of its
  // category and tags.
  const ownPartitions = (key: string, postId: string, category: string, shortCode: string) =>
    [
      `FEED#category#${category}`,
      'FEED#site',
      'FEED#tag#乙',
      'FEED#tag#甲',
      'NAMES#category',
      'NAMES#day',
      'NAMES#tag',
      `PATH#/${category}/2024/05/01/cost-small.html`,
      `POST#${postId}`,
      `SHARE#${postId}`,
      `SHARE#${shortCode}`,
      `SOURCE#${key}`,
    ].sort();
  const shortCodeOf = (partitions: string[], postId: string) =>
    partitions.find((pk) => pk.startsWith('SHARE#') && pk !== `SHARE#${postId}`)!.slice('SHARE#'.length);

  it('publishes a new post with a fixed number of single-item calls, touching only its own items and its feeds', async () => {
    const result = await upload(
      'posts/2024-05-01-cost-small.html',
      post('NW202405010800000001', 'small', '2024-05-01 08:00:00'),
      '0A',
    );
    expect(result.outcome.result).toBe('published');
    // No Query or Scan: nothing that grows with the site.
    expect(new Set(result.commands)).toEqual(new Set(['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand']));
    // 4 reads (state, path claim, the legacy link of the infoCode it declares, post writer) + post +
    // path claim + 2 share codes + 4 entries + 4 counts (category, two tags, and the day the sitemaps
    // list it under) + 4 feed versions + commit. (The legacy link is read even though the infoCode is
    // the post's id: a link another post holds must refuse the edit before the post item is written.)
    expect(result.commands).toHaveLength(21);
    const published = result.outcome as { postId: string; feeds: FeedRef[] };
    expect(published.feeds.map(feedKey).sort()).toEqual(['category#small', 'site', 'tag#乙', 'tag#甲']);
    const id = 'NW202405010800000001';
    expect(result.partitions).toEqual(
      ownPartitions('posts/2024-05-01-cost-small.html', id, 'small', shortCodeOf(result.partitions, id)),
    );
  });

  it('costs the same in a category of 2,000 posts as in a category of one', async () => {
    const result = await upload(
      'posts/2024-05-02-cost-big.html',
      post('NW202405020800000001', 'big', '2024-05-02 08:00:00'),
      '0B',
    );
    expect(result.outcome.result).toBe('published');
    expect(result.commands).toHaveLength(21);
    expect(new Set(result.commands)).toEqual(new Set(['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand']));
  });

  it('deletes a post touching only what it published', async () => {
    const key = 'posts/2024-05-01-cost-small.html';
    const result = await upload(key, undefined, '0C');
    expect(result.outcome.result).toBe('deleted');
    expect(new Set(result.commands)).toEqual(
      new Set(['GetItemCommand', 'PutItemCommand', 'DeleteItemCommand', 'UpdateItemCommand']),
    );
    // State read + post tombstone + 4 entries + 4 counts + 2 links gone + path released + 4 feed versions + commit.
    expect(result.commands).toHaveLength(18);
    const id = 'NW202405010800000001';
    expect(result.partitions).toEqual(ownPartitions(key, id, 'small', shortCodeOf(result.partitions, id)));
  });
});
