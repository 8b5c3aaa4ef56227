import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import { encodePath } from '../../functions/core/urls';
import { createHttpHandler } from '../../functions/handlers/http';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack, uploadPost } from '../support/local-stack';

// A post page's previous (older) and next (newer) links in its category, followed over HTTP on
// the local stack (s3rver, dynalite, the http handler), and what they cost in storage calls.

let stack: LocalStack;
const pathOf = (day: number) => `/paging/2022/03/0${day}/nav-${day}.html`;
const pathOfOther = '/other/2022/03/02/other.html';
const pathOfLoose = (day: number) => `/2022/04/0${day}/loose-${day}.html`;

beforeAll(async () => {
  stack = await startTestStack({ DISPLAY_NAMES: 'paging=翻页' });
  for (const day of [1, 2, 3, 4]) {
    await uploadPost(
      stack,
      `posts/2022-03-0${day}-nav-${day}.md`,
      `---\ntitle: 第 ${day} 篇\ndate: 2022-03-0${day} 12:00:00 +0800\ncategories: paging\n---\n第 ${day} 篇。\n`,
    );
  }
  // Between them in time, in another category: never a neighbour of theirs.
  await uploadPost(
    stack,
    'posts/2022-03-02-other.md',
    '---\ntitle: 别的栏目\ndate: 2022-03-02 18:00:00 +0800\ncategories: other\n---\n正文。\n',
  );
  // No category: its neighbours are the site's.
  for (const day of [1, 2]) {
    await uploadPost(
      stack,
      `posts/2022-04-0${day}-loose-${day}.md`,
      `---\ntitle: 无栏目 ${day}\ndate: 2022-04-0${day} 12:00:00 +0800\n---\n正文。\n`,
    );
  }
  await stack.idle();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function follow(path: string, to: string): Promise<string> {
  const response = await get(stack, `${encodePath(path)}?to=${to}`);
  expect(response.status, `${path}?to=${to}`).toBe(302);
  expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+, s-maxage=\d+$/);
  const location = response.headers.get('location') ?? '';
  expect(location.startsWith(stack.url), location).toBe(true);
  return decodeURI(location.slice(stack.url.length));
}

describe('previous and next on a post page', () => {
  it('links both ways, named by the category display name', async () => {
    const response = await get(stack, pathOf(2));
    const html = await response.text();
    expect(html).toContain(`<a rel="prev" href="${stack.url}${pathOf(2)}?to=previous">← 上一篇 Previous in 翻页</a>`);
    expect(html).toContain(`<a rel="next" href="${stack.url}${pathOf(2)}?to=next">下一篇 Next in 翻页 →</a>`);
  });

  it('goes to the post just older or newer in the same category, skipping other categories', async () => {
    expect(await follow(pathOf(2), 'previous')).toBe(pathOf(1));
    expect(await follow(pathOf(2), 'next')).toBe(pathOf(3));
    expect(await follow(pathOf(3), 'previous')).toBe(pathOf(2));
    expect(await follow(pathOf(3), 'next')).toBe(pathOf(4));
  });

  it('answers the category listing at either end', async () => {
    expect(await follow(pathOf(1), 'previous')).toBe('/category/paging.html');
    expect(await follow(pathOf(4), 'next')).toBe('/category/paging.html');
  });

  it('uses the whole site for a post without a category', async () => {
    expect(await follow(pathOfLoose(2), 'previous')).toBe(pathOfLoose(1));
    expect(await follow(pathOfLoose(1), 'previous')).toBe(pathOf(4));
    expect(await follow(pathOfLoose(2), 'next')).toBe('/');
    const html = await (await get(stack, pathOfLoose(1))).text();
    expect(html).toContain('← 上一篇 Previous in ');
  });

  it('refuses any other step with a 400 that names the parameter, prototype names included', async () => {
    for (const to of ['older', 'constructor', '__proto__', 'toString', '']) {
      const response = await get(stack, `${pathOf(2)}?to=${to}`);
      expect(response.status, to).toBe(400);
      expect(await response.text(), to).toContain('to= must be');
    }
  });

  it('never leads to a deleted post: the links are resolved when followed', async () => {
    const before = await follow(pathOfOther, 'next');
    expect(before).toBe('/category/other.html');
    await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.bucket, Key: 'posts/2022-03-03-nav-3.md' }));
    await stack.idle();
    expect(await follow(pathOf(4), 'previous')).toBe(pathOf(2));
    expect(await follow(pathOf(2), 'next')).toBe(pathOf(4));
    // The deleted page itself answers 410, as before; no navigation from it.
    expect((await get(stack, `${pathOf(3)}?to=next`)).status).toBe(410);
  });
});

describe('what navigation costs', () => {
  let counted: DynamoDBClient;
  const calls: string[] = [];

  beforeAll(() => {
    counted = dynamoClient(stack.functionEnv);
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        calls.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countStorageCalls' },
    );
  });
  afterAll(() => counted?.destroy());

  function event(path: string, query = ''): APIGatewayProxyEventV2 {
    return {
      version: '2.0',
      routeKey: 'GET /{proxy+}',
      rawPath: path,
      rawQueryString: query,
      ...(query ? { queryStringParameters: Object.fromEntries(new URLSearchParams(query)) } : {}),
      headers: { host: 'news.example.com' },
      pathParameters: { proxy: path.slice(1) },
      isBase64Encoded: false,
      requestContext: { domainName: 'news.example.com', http: { method: 'GET', path } },
    } as unknown as APIGatewayProxyEventV2;
  }

  it('adds nothing to a page, and one Query to a followed link', async () => {
    const handler = createHttpHandler({
      store: new DynamoPostStore(counted, stack.tableName),
      settings: DEFAULT_SETTINGS,
    });
    calls.length = 0;
    expect((await handler(event(pathOf(2)))).statusCode).toBe(200);
    expect(calls).toEqual(['GetItemCommand', 'GetItemCommand']);
    calls.length = 0;
    expect((await handler(event(pathOf(2), 'to=previous'))).statusCode).toBe(302);
    expect(calls).toEqual(['GetItemCommand', 'GetItemCommand', 'QueryCommand']);
  });
});
