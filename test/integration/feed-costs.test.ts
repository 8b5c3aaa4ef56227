import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import type { FeedEntry, FeedRef } from '../../functions/core/post';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import { feedCursor } from '../../functions/core/store';
import { feedKey } from '../../functions/core/urls';
import { createHttpHandler } from '../../functions/handlers/http';
import type { LocalStack } from '../../infra/local/local-stack';
import { startTestStack } from '../support/local-stack';

// What a feed request costs in storage calls, on a site of 2,000 posts: counted at the
// DynamoDB client the read handler uses, so nothing the handler does can hide from it.
const POSTS = 2000;
const FEED_LENGTH = DEFAULT_SETTINGS.feedLength;

let stack: LocalStack;
let counted: DynamoDBClient;
const calls: Array<{ command: string; items: number }> = [];

function entry(index: number): FeedEntry {
  const date = new Date(Date.UTC(2020, 0, 1) + index * 3_600_000).toISOString().replace('.000Z', 'Z');
  return {
    id: `post-${index}`, title: `Post ${index}`, date, updated: date, categories: [index === 0 ? 'small' : 'big'], tags: [],
    path: `/p/${index}.html`, shortCode: `c${index}`, html: `<p>${'正文'.repeat(200)}</p>`, summary: '<p>正文</p>',
  };
}

/** Writes the feed items as the store lays them out, in batches: the storage floor for seeding. */
async function seed(): Promise<void> {
  const items: Array<Record<string, unknown>> = [];
  const version = (ref: FeedRef) => ({ pk: `FEED#${feedKey(ref)}`, sk: '~META', version: 1, lastModified: '2020-03-01T00:00:00Z' });
  for (let index = 0; index < POSTS; index++) {
    const post = entry(index);
    for (const ref of [{ kind: 'site' }, { kind: 'category', name: post.categories[0] }] as FeedRef[]) {
      items.push({ pk: `FEED#${feedKey(ref)}`, sk: feedCursor(post), ...post, sequencer: '0'.repeat(32) });
    }
  }
  items.push(version({ kind: 'site' }), version({ kind: 'category', name: 'big' }), version({ kind: 'category', name: 'small' }));
  for (let start = 0; start < items.length; start += 25) {
    const requests: WriteRequest[] = items.slice(start, start + 25).map((item) => ({ PutRequest: { Item: marshall(item) } }));
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

async function costOf(handler: ReturnType<typeof createHttpHandler>, path: string, headers: Record<string, string> = {}) {
  calls.length = 0;
  const response = await handler(event(path, headers));
  return { status: response.statusCode, etag: String(response.headers?.etag ?? ''), calls: [...calls] };
}

describe(`storage calls per feed request, on a site of ${POSTS} posts`, () => {
  it('reads one Query bounded by the feed length on a miss, then one small read per hit or 304', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: DEFAULT_SETTINGS });
    for (const path of ['/feed.rss', '/category/big.atom', '/category/small.json']) {
      const miss = await costOf(handler, path);
      expect(miss.status, path).toBe(200);
      expect(miss.calls.map((call) => call.command), path).toEqual(['QueryCommand']);
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
    const warm = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: DEFAULT_SETTINGS });
    const { etag } = await costOf(warm, '/category/big.rss');
    const fresh = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: DEFAULT_SETTINGS });
    const notModified = await costOf(fresh, '/category/big.rss', { 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.calls).toEqual([{ command: 'GetItemCommand', items: 1 }]);
  });

  it('shares one Query among concurrent misses for the same document', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: DEFAULT_SETTINGS });
    calls.length = 0;
    const responses = await Promise.all(Array.from({ length: 16 }, () => handler(event('/category/big.rss'))));
    expect(new Set(responses.map((response) => response.statusCode))).toEqual(new Set([200]));
    expect(calls.filter((call) => call.command === 'QueryCommand')).toHaveLength(1);
  });

  it('lets a burst of concurrent polls share version reads: never more reads than polls, two for a burst', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: DEFAULT_SETTINGS });
    const { etag } = await costOf(handler, '/category/big.atom');
    calls.length = 0;
    const responses = await Promise.all(Array.from({ length: 32 }, (_, index) =>
      handler(event('/category/big.atom', index % 2 ? { 'if-none-match': etag } : {}))));
    expect(responses.map((response) => response.statusCode).sort()).toEqual([...Array(16).fill(200), ...Array(16).fill(304)]);
    // The first poll's read, then one read queued behind it for everyone who arrived meanwhile.
    expect(calls).toEqual([{ command: 'GetItemCommand', items: 1 }, { command: 'GetItemCommand', items: 1 }]);
  });

  it('reads an archive page with one Query bounded by the feed length', async () => {
    const handler = createHttpHandler({ store: new DynamoPostStore(counted, stack.tableName), settings: DEFAULT_SETTINGS });
    const body = String((await handler(event('/category/big.json'))).body);
    const next = new URL(JSON.parse(body).next_url as string);
    calls.length = 0;
    const response = await handler({ ...event('/category/big.json'), rawQueryString: next.search.slice(1), queryStringParameters: { before: next.searchParams.get('before')! } });
    expect(response.statusCode).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0].command).toBe('QueryCommand');
    expect(calls[0].items).toBeLessThanOrEqual(FEED_LENGTH + 1);
    expect(JSON.parse(String(response.body)).items).toHaveLength(FEED_LENGTH);
  });
});
