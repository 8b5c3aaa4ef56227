import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { shortCodeCandidate } from '../../functions/core/short-code';
import { encodePath } from '../../functions/core/urls';
import { createHttpHandler } from '../../functions/handlers/http';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, publishSampleContent, removePost, startTestStack, uploadPost } from '../support/local-stack';

const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const SEED_ID = 'NW202201122244036113';
const LEGACY = '/html_News/NewsShare.html';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
  await publishSampleContent(stack);
});

afterAll(async () => {
  await stack?.stop();
});

const upload = (key: string, body: string) => uploadPost(stack, key, body);

const remove = (key: string) => removePost(stack, key);

function post(fields: Record<string, string>, body = '正文。'): string {
  return `---\n${Object.entries(fields)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n')}\n---\n${body}\n`;
}

async function expectRedirect(path: string, to: string): Promise<Response> {
  const response = await get(stack, path);
  expect(response.status, path).toBe(301);
  expect(response.headers.get('location'), path).toBe(stack.url + encodePath(to));
  return response;
}

async function expectErrorPage(path: string, status: 404 | 410): Promise<string> {
  const response = await get(stack, path);
  expect(response.status, path).toBe(status);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('location')).toBeNull();
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  const page = await response.text();
  // Same look as the site: its header, title and way home.
  expect(page).toContain(`<header class="site"><a class="title" href="${stack.url}/">新闻 News</a>`);
  expect(page).toMatch(new RegExp(`<h1>${status} `));
  const head = await get(stack, path, { method: 'HEAD' });
  expect(head.status).toBe(status);
  expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(await head.text()).toBe('');
  return page;
}

describe('short codes', () => {
  it('gives every published post a unique 7-character base62 code derived from its id', async () => {
    const entries = await stack.store.queryFeed({ kind: 'site' }, 100);
    expect(entries.length).toBeGreaterThanOrEqual(6);
    for (const entry of entries) {
      expect(entry.shortCode).toMatch(/^[0-9A-Za-z]{7}$/);
      expect(entry.shortCode).toBe(shortCodeCandidate(entry.id, 0));
    }
    expect(new Set(entries.map((entry) => entry.shortCode)).size).toBe(entries.length);
  });

  it("keeps a post's code across edits, and the code follows the post to its new path", async () => {
    const key = 'posts/2022-03-03-stable-code.md';
    await upload(key, post({ title: '稳定短链', date: '2022-03-03 09:00:00 +0800', categories: 'stable-a' }));
    const first = await stack.store.getPost('2022-03-03-stable-code');
    expect(first?.path).toBe('/stable-a/2022/03/03/stable-code.html');
    await expectRedirect(`/s/${first!.shortCode}`, first!.path);

    await upload(
      key,
      post({ title: '稳定短链（改）', date: '2022-03-03 09:00:00 +0800', categories: 'stable-b' }, '改过的正文。'),
    );
    const edited = await stack.store.getPost('2022-03-03-stable-code');
    expect(edited?.shortCode).toBe(first!.shortCode);
    await expectRedirect(`/s/${first!.shortCode}`, '/stable-b/2022/03/03/stable-code.html');
  });

  it("resolves a collision with another post's code to the next candidate, leaving the other post its link", async () => {
    const id = 'collision-test-post';
    const [taken, alsoTaken, resolved] = [0, 1, 2].map((attempt) => shortCodeCandidate(id, attempt));
    expect(await stack.store.claimShareLink({ code: taken, postId: 'someone-else', path: '/someone/else.html' })).toBe(
      true,
    );
    expect(
      await stack.store.claimShareLink({ code: alsoTaken, postId: 'another-one', path: '/another/one.html' }),
    ).toBe(true);

    await upload(
      'posts/collision.md',
      post({ title: '短码碰撞', id, date: '2022-03-04 10:00:00 +0800', categories: 'collisions' }),
    );
    const published = await stack.store.getPost(id);
    expect(published?.shortCode).toBe(resolved);
    await expectRedirect(`/s/${resolved}`, published!.path);
    await expectRedirect(`/s/${taken}`, '/someone/else.html');
    await expectRedirect(`/s/${alsoTaken}`, '/another/one.html');

    const page = await (await get(stack, encodePath(published!.path))).text();
    expect(page).toContain(`value="${stack.url}/s/${resolved}"`);

    // Re-uploading finds the same free code again: stable even after a collision.
    await upload(
      'posts/collision.md',
      post({ title: '短码碰撞（改）', id, date: '2022-03-04 10:00:00 +0800', categories: 'collisions' }),
    );
    expect((await stack.store.getPost(id))?.shortCode).toBe(resolved);
  });

  it("never shares another post's code, even when every candidate code is held", async () => {
    const id = 'no-free-code';
    for (let attempt = 0; attempt < 8; attempt++) {
      await stack.store.claimShareLink({
        code: shortCodeCandidate(id, attempt),
        postId: `holder-${attempt}`,
        path: `/holder/${attempt}.html`,
      });
    }
    await upload(
      'posts/no-free-code.md',
      post({ title: '无可用短码', id, date: '2022-03-05 10:00:00 +0800', categories: 'collisions' }),
    );
    // Refused or left for a retry (ingest decides which), but never published under a held code.
    for (let attempt = 0; attempt < 8; attempt++)
      await expectRedirect(`/s/${shortCodeCandidate(id, attempt)}`, `/holder/${attempt}.html`);
    const page = await get(stack, '/collisions/2022/03/05/no-free-code.html');
    if (page.status === 200) {
      const shortPath = /<input readonly value="[^"]+(\/s\/[0-9A-Za-z]+)"/.exec(await page.text())?.[1];
      await expectRedirect(shortPath!, '/collisions/2022/03/05/no-free-code.html');
    } else {
      expect(page.status).toBe(404);
    }
    expect((await get(stack, '/category/collisions.html')).status).toBe(200);
    expect(await (await get(stack, '/category/collisions.html')).text()).not.toContain('无可用短码');
  });
});

describe('redirects', () => {
  it('answers /s/{code} with a cacheable 301 to the post on this site, and HEAD alike without a body', async () => {
    const code = shortCodeCandidate(SEED_ID, 0);
    const response = await expectRedirect(`/s/${code}`, SEED_PATH);
    // As long as pages, no longer: a deleted post's link stops redirecting within the bound pages have
    // (readers: max-age; the CDN: s-maxage, then it asks again).
    expect(response.headers.get('cache-control')).toBe('public, max-age=300, s-maxage=10');
    expect(await response.text()).toBe('');
    const head = await get(stack, `/s/${code}`, { method: 'HEAD' });
    expect(head.status).toBe(301);
    expect(head.headers.get('location')).toBe(stack.url + SEED_PATH);
    expect(head.headers.get('cache-control')).toBe(response.headers.get('cache-control'));
  });

  it('takes the infoCode both as /s/{infoCode} and as the legacy NewsShare link', async () => {
    await expectRedirect(`/s/${SEED_ID}`, SEED_PATH);
    await expectRedirect(`${LEGACY}?infoCode=${SEED_ID}`, SEED_PATH);
  });

  it('ignores every other query parameter of a legacy link', async () => {
    for (const query of [
      `infoCode=${SEED_ID}&from=groupmessage&isappinstalled=0`,
      `from=timeline&infoCode=${SEED_ID}`,
      `infoCode=${SEED_ID}&next=https://evil.example/&url=//evil.example`,
      `infoCode=${SEED_ID}&infoCode=someone-else`,
      `infoCode=${SEED_ID}#fragment`,
    ]) {
      await expectRedirect(`${LEGACY}?${query}`, SEED_PATH);
    }
    await expectRedirect(`/s/${SEED_ID}?next=//evil.example`, SEED_PATH);
  });

  it('builds the Location from the configured SITE_URL, or the domain API Gateway routed by, never the Host header', async () => {
    const event = (domainName: string, host: string): APIGatewayProxyEventV2 => ({
      version: '2.0',
      routeKey: 'GET /s/{code}',
      rawPath: `/s/${SEED_ID}`,
      rawQueryString: '',
      headers: { host, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
      pathParameters: { code: SEED_ID },
      isBase64Encoded: false,
      requestContext: {
        domainName,
        http: { method: 'GET', path: `/s/${SEED_ID}` },
      } as APIGatewayProxyEventV2['requestContext'],
    });
    const configured = createHttpHandler({
      store: stack.store,
      settings: settingsFromEnv({ SITE_URL: 'https://news.example.com' }),
    });
    const fromDomain = createHttpHandler({ store: stack.store, settings: settingsFromEnv({}) });
    const apiDomain = 'abc123.execute-api.us-east-1.amazonaws.com';
    const locations = [
      (await configured(event(apiDomain, 'evil.example'))).headers?.location,
      (await fromDomain(event(apiDomain, 'evil.example'))).headers?.location,
    ];
    expect(locations).toEqual([`https://news.example.com${SEED_PATH}`, `https://${apiDomain}${SEED_PATH}`]);
  });
});

describe('unknown, deleted and unpublished links', () => {
  it("answers an unknown code with a 404 page in the site's look, for GET and HEAD", async () => {
    for (const path of [
      '/s/doesNotExist',
      '/s/NW000000000000000000',
      `${LEGACY}?infoCode=NW000`,
      LEGACY,
      `${LEGACY}?infoCode=`,
      `${LEGACY}?from=x`,
    ]) {
      const page = await expectErrorPage(path, 404);
      expect(page).toContain('no such share link');
    }
  });

  it('answers 410 for the short code and infoCode of a deleted post, and 301 again once it is re-published', async () => {
    const key = 'posts/2022-03-06-deleted.md';
    const body = post({
      title: '将被删除',
      infoCode: 'NW202203060000000001',
      date: '2022-03-06 08:00:00 +0800',
      categories: 'deleted',
    });
    await upload(key, body);
    const published = await stack.store.getPost('NW202203060000000001');
    const links = [
      `/s/${published!.shortCode}`,
      '/s/NW202203060000000001',
      `${LEGACY}?infoCode=NW202203060000000001&from=groupmessage`,
    ];
    for (const link of links) await expectRedirect(link, published!.path);

    await remove(key);
    for (const link of links) expect(await expectErrorPage(link, 410)).toContain('this post was removed');

    await upload(key, body);
    for (const link of links) await expectRedirect(link, published!.path);
  });

  it('answers 410 once a post is re-uploaded with published: false', async () => {
    const key = 'posts/2022-03-07-unpublished.md';
    const fields = { title: '将被撤回', date: '2022-03-07 08:00:00 +0800', categories: 'unpublished' };
    await upload(key, post(fields));
    const code = (await stack.store.getPost('2022-03-07-unpublished'))!.shortCode;
    await expectRedirect(`/s/${code}`, '/unpublished/2022/03/07/unpublished.html');

    await upload(key, post({ ...fields, published: 'false' }));
    await expectErrorPage(`/s/${code}`, 410);
  });
});
