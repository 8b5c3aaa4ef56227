import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestOutcome } from '../../functions/core/ingest';
import { encodePath } from '../../functions/core/urls';
import { REPO_ROOT } from '../../infra/constructs/bundling';
import { gatewayPath } from '../../infra/local/http-server';
import { type ClientRequest, type ClientResponse, fixture, httpApiEvent } from './support/events';
import { CLOUDFRONT_DOMAIN } from './support/template';
import { deliver, describeInvocation, request, startTwin, type Twin, VersionedKey } from './support/twin';

// The http function as deployed (the bundle in cdk.out every HTTP API route integrates), asked
// with payload 2.0 events as HTTP API builds them from a client's request: every route with GET,
// HEAD and a conditional GET, share and legacy links, and paths as hostile clients send them.

let twin: Twin;
/** Route keys the function was invoked with: at the end, every one the stack registers. */
const routeKeysAsked = new Set<string>();

// The stack sets the read function's SITE_URL to the CloudFront distribution in front of the API:
// redirects name it, not the API's own domain the request came to.
const SITE = `https://${CLOUDFRONT_DOMAIN}`;
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const SEED_ID = 'NW202201122244036113';
const CONTENT = [
  '000_7402dedd91baa3ec.txt',
  '2022-01-13-metro-line-opens.md',
  '2022-01-14-tianfu-art-park.html',
  '2022-01-16-english-brief.md',
];
const CHINESE_KEY = 'posts/2022-02-11-成都 夜景.md';
let chinesePath: string;
let seedShortCode: string;

beforeAll(async () => {
  twin = await startTwin();
  for (const name of CONTENT) {
    const key = new VersionedKey(`posts/${name}`);
    await publish(key, readFileSync(join(REPO_ROOT, 'content/posts', name), 'utf8'));
  }
  const chinese = new VersionedKey(CHINESE_KEY);
  chinesePath = await publish(
    chinese,
    '---\ntitle: 成都夜景\ndate: 2022-02-11 20:00:00 +0800\ncategories: 城市\ntags: [夜景]\n---\n锦江两岸灯火通明。\n',
  );
  seedShortCode = (await twin.store.getPost(SEED_ID))!.shortCode!;
}, 300_000);

afterAll(async () => {
  await twin?.stop();
});

async function publish(key: VersionedKey, body: string): Promise<string> {
  const invocation = await deliver(twin, key.key, key.put(body));
  if (invocation.outcome !== 'result') throw new Error(`${key.key}: ${describeInvocation(invocation)}`);
  const [outcome] = invocation.result as IngestOutcome[];
  if (outcome.result !== 'published') throw new Error(`${key.key}: ${JSON.stringify(outcome)}`);
  return outcome.path;
}

async function ask(client: ClientRequest): Promise<ClientResponse> {
  routeKeysAsked.add(httpApiEvent(client, twin.stack.routeKeys).routeKey);
  return request(twin, client);
}

const tagPath = (name: string, extension: string) => `/tag/${encodeURIComponent(name)}.${extension}`;

const HTML = 'text/html; charset=utf-8';
const PAGES: Array<[what: string, target: string, contentType: string]> = [
  ['the home page', '/', HTML],
  ['the site RSS feed', '/feed.rss', 'application/rss+xml; charset=utf-8'],
  ['the site Atom feed', '/feed.atom', 'application/atom+xml; charset=utf-8'],
  ['the site JSON Feed', '/feed.json', 'application/feed+json; charset=utf-8'],
  ['the OPML of every feed', '/feeds.opml', 'text/x-opml; charset=utf-8'],
  ['a category page', '/category/chengduribao.html', HTML],
  ['a category RSS feed', '/category/chengduribao.rss', 'application/rss+xml; charset=utf-8'],
  ['a category Atom feed', '/category/chengduribao.atom', 'application/atom+xml; charset=utf-8'],
  ['a category JSON Feed', '/category/chengduribao.json', 'application/feed+json; charset=utf-8'],
  ['a Chinese category feed', `/category/${encodeURIComponent('交通')}.rss`, 'application/rss+xml; charset=utf-8'],
  ['a tag page (Chinese name)', tagPath('成都日报新闻', 'html'), HTML],
  ['a tag RSS feed (Chinese name)', tagPath('成都日报新闻', 'rss'), 'application/rss+xml; charset=utf-8'],
  ['a tag Atom feed', tagPath('economy', 'atom'), 'application/atom+xml; charset=utf-8'],
  ['a tag JSON Feed', tagPath('economy', 'json'), 'application/feed+json; charset=utf-8'],
  ['a post page', SEED_PATH, HTML],
  ['a post page at a custom permalink', '/news/jinniu-2022-goals.html', HTML],
  ['robots.txt', '/robots.txt', 'text/plain; charset=utf-8'],
  ['the sitemap index', '/sitemap.xml', 'application/xml; charset=utf-8'],
  [
    'the sitemap of a day (the seed post: 2022-01-12 02:44 +08:00 is the 11th in UTC)',
    '/sitemaps/posts-2022-01-11.xml',
    'application/xml; charset=utf-8',
  ],
  ['the sitemap of category and tag pages', '/sitemaps/names.xml', 'application/xml; charset=utf-8'],
  [
    'the news sitemap (no post of the last 48 hours: an empty urlset)',
    '/news-sitemap.xml',
    'application/xml; charset=utf-8',
  ],
];

describe('every route: GET, HEAD and conditional GET', () => {
  it.each(PAGES)(
    '%s (%s) answers 200, HEAD the same headers with the GET body length, If-None-Match 304',
    async (_what, target, contentType) => {
      const get = await ask({ target });
      expect(get.status, get.body.slice(0, 300)).toBe(200);
      expect(get.headers['content-type']).toBe(contentType);
      expect(get.headers.etag).toMatch(/^"[^"]+"$/);
      expect(Number(get.headers['content-length'])).toBe(Buffer.byteLength(get.body));
      expect(Number(get.headers['content-length'])).toBeGreaterThan(0);

      const head = await ask({ method: 'HEAD', target });
      expect(head.status).toBe(200);
      expect(head.headers).toEqual(get.headers);
      expect(head.body).toBe('');

      const conditional = await ask({ target, headers: { 'If-None-Match': get.headers.etag } });
      expect(conditional.status).toBe(304);
      expect(conditional.headers.etag).toBe(get.headers.etag);
      expect(conditional.body).toBe('');
    },
  );

  it('answers an unknown category, tag, page or cursor with 404, HEAD alike', async () => {
    for (const target of [
      '/category/nonexistent.rss',
      '/category/nonexistent.html',
      tagPath('没有', 'atom'),
      '/2030/01/01/nothing.html',
      '/?before=bogus',
      '/feed.rss?before=bogus',
      '/category/chengduribao.txt',
    ]) {
      const get = await ask({ target });
      expect(get.status, target).toBe(404);
      const head = await ask({ method: 'HEAD', target });
      expect(head.status, target).toBe(404);
      expect(head.headers, target).toEqual(get.headers);
    }
  });

  it('serves the same page to a request with cookies and repeated headers (cookies arrive apart, as payload 2.0 puts them)', async () => {
    const plain = await ask({ target: SEED_PATH });
    const client: ClientRequest = {
      target: SEED_PATH,
      headers: { Cookie: 'session=abc; theme=dark', Accept: ['text/html', 'application/xhtml+xml'] },
    };
    const event = httpApiEvent(client, twin.stack.routeKeys);
    expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers.accept).toBe('text/html,application/xhtml+xml');
    const withCookies = await ask(client);
    expect(withCookies.status).toBe(200);
    expect(withCookies.body).toBe(plain.body);
  });
});

describe('compressed answers (HTTP API passes the bytes on: isBase64Encoded)', () => {
  it.each(PAGES)(
    '%s (%s) in brotli and gzip decodes to the uncompressed body, each with its ETag',
    async (_what, target) => {
      const plain = await ask({ target });
      expect(plain.headers.vary).toBe('Accept-Encoding');
      for (const [coding, decode] of [
        ['br', brotliDecompressSync],
        ['gzip', gunzipSync],
      ] as const) {
        const coded = await ask({ target, headers: { 'Accept-Encoding': `${coding}, deflate` } });
        expect(coded.status).toBe(200);
        if (plain.bytes.byteLength < 1000) {
          // Too small to gain: sent as it is.
          expect(coded.headers['content-encoding']).toBeUndefined();
          continue;
        }
        expect(coded.headers['content-encoding']).toBe(coding);
        expect(coded.headers.etag).toBe(plain.headers.etag.replace(/"$/, `-${coding}"`));
        expect(decode(coded.bytes).equals(plain.bytes), `${target} ${coding}`).toBe(true);
        const again = await ask({
          target,
          headers: { 'Accept-Encoding': coding, 'If-None-Match': coded.headers.etag },
        });
        expect(again.status).toBe(304);
        expect(again.headers.etag).toBe(coded.headers.etag);
      }
    },
  );
});

describe('share links', () => {
  it('/s/{code} answers 301 to the post, HEAD alike', async () => {
    const get = await ask({ target: `/s/${seedShortCode}` });
    expect(get.status).toBe(301);
    expect(get.headers.location).toBe(`${SITE}${SEED_PATH}`);
    const head = await ask({ method: 'HEAD', target: `/s/${seedShortCode}` });
    expect(head.status).toBe(301);
    expect(head.headers).toEqual(get.headers);
  });

  it('the legacy link /html_News/NewsShare.html?infoCode=… answers 301 to the seed post, with other parameters too', async () => {
    for (const query of [
      `infoCode=${SEED_ID}`,
      `infoCode=${SEED_ID}&from=groupmessage`,
      `from=timeline&infoCode=${SEED_ID}&isappinstalled=0`,
    ]) {
      const legacy = await ask({ target: `/html_News/NewsShare.html?${query}` });
      expect(legacy.status, query).toBe(301);
      expect(legacy.headers.location, query).toBe(`${SITE}${SEED_PATH}`);
    }
    const head = await ask({ method: 'HEAD', target: `/html_News/NewsShare.html?infoCode=${SEED_ID}` });
    expect(head.status).toBe(301);
  });

  it('a legacy link with infoCode repeated (HTTP API joins the values with a comma) redirects by the first', async () => {
    const client: ClientRequest = {
      target: `/html_News/NewsShare.html?infoCode=${SEED_ID}&infoCode=NW000000000000000000`,
    };
    expect(httpApiEvent(client, twin.stack.routeKeys).queryStringParameters).toEqual({
      infoCode: `${SEED_ID},NW000000000000000000`,
    });
    const legacy = await ask(client);
    expect(legacy.status).toBe(301);
    expect(legacy.headers.location).toBe(`${SITE}${SEED_PATH}`);
  });

  it('an unknown code, or a legacy link without infoCode, answers 404', async () => {
    for (const target of [
      '/s/ZZZZZZZ',
      '/s/not%20a%20code',
      '/html_News/NewsShare.html',
      '/html_News/NewsShare.html?infoCode=',
      '/html_News/NewsShare.html?infoCode=NW999',
    ]) {
      expect((await ask({ target })).status, target).toBe(404);
    }
  });
});

describe('paths as HTTP API delivers them (decoded)', () => {
  it('gatewayPath, which builds rawPath and pathParameters here, agrees with every live HTTP API capture', () => {
    const captures = fixture<Array<{ sentPath: string; httpAPIPath?: string; httpAPIRejected?: boolean }>>(
      'apigw-v2-http-api-path-captures-voker.json',
    );
    for (const capture of captures) {
      expect(gatewayPath(capture.sentPath), capture.sentPath).toBe(
        capture.httpAPIRejected ? undefined : capture.httpAPIPath,
      );
    }
  });

  it('sends only fields the documented payload 2.0 event has', () => {
    const documented = fixture('apigw-v2-docs-example.json');
    const event = httpApiEvent({ target: `${SEED_PATH}?a=1`, headers: { cookie: 'a=b' } }, twin.stack.routeKeys);
    expect(twin.stack.payloadFormatVersion).toBe('2.0');
    for (const field of Object.keys(event)) expect(documented, field).toHaveProperty([field]);
    for (const field of Object.keys(event.requestContext))
      expect(documented.requestContext, field).toHaveProperty([field]);
    for (const field of Object.keys(event.requestContext.http))
      expect(documented.requestContext.http, field).toHaveProperty([field]);
  });

  it('a Chinese post page is found from its percent-encoded path (decoded by HTTP API; pathParameters.proxy decoded too)', async () => {
    expect(chinesePath).toMatch(/[\u4e00-\u9fff]/);
    const target = encodePath(chinesePath);
    const event = httpApiEvent({ target }, twin.stack.routeKeys);
    expect(event.rawPath).toBe(chinesePath);
    expect(event.pathParameters).toEqual({ proxy: chinesePath.slice(1) });
    const chinese = await ask({ target });
    expect(chinese.status).toBe(200);
    expect(chinese.body).toContain('成都夜景');
    // Encoded twice, the path still arrives decoded (HTTP API decodes twice: see the captures).
    expect((await ask({ target: encodePath(target) })).status).toBe(200);
  });

  it('a post page is found from pathParameters.proxy, whatever rawPath carries before it (a named stage: `/prod/…`)', async () => {
    // On a stage other than $default, rawPath starts with the stage's name; the route's proxy variable does not.
    const event = httpApiEvent({ target: encodePath(chinesePath) }, twin.stack.routeKeys);
    const staged = {
      ...event,
      rawPath: `/prod${event.rawPath}`,
      requestContext: {
        ...event.requestContext,
        stage: 'prod',
        http: { ...event.requestContext.http, path: `/prod${event.rawPath}` },
      },
    };
    const invocation = await twin.http.invoke(staged);
    expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
    expect((invocation as { result: { statusCode: number } }).result.statusCode).toBe(200);
  });

  it('a path HTTP API cannot decode never reaches the function (HTTP API answers 400)', () => {
    for (const target of ['/%E4%B8', '/category/%C3%28.rss', '/s/%25zz', '/%', '/tag/%ED%A0%80.html', '/x%FFy']) {
      expect(gatewayPath(target), target).toBeUndefined();
      expect(() => httpApiEvent({ target }, twin.stack.routeKeys), target).toThrow(/400/);
    }
  });

  it('`..` segments, encoded or not, answer 404', async () => {
    for (const target of [
      '/chengduribao/../../../etc/passwd',
      '/category/..%2F..%2Fetc%2Fpasswd.rss',
      '/%2e%2e/%2e%2e/feed.rss',
      '/tag/..',
      '/s/..',
      '/news/./jinniu-2022-goals.html',
      '/chengduribao/2022/01/12/../12/000_7402dedd91baa3ec.html',
      '/..%252F..%252Ffeed.rss',
    ]) {
      const answer = await ask({ target });
      expect(answer.status, target).toBe(404);
      expect(answer.headers['content-type'], target).toBe(HTML);
    }
  });

  it('very long paths answer 404', async () => {
    for (const target of [
      `/${'a'.repeat(8000)}`,
      `/category/${encodeURIComponent('成'.repeat(900))}.rss`,
      `/tag/${'x'.repeat(3000)}.html`,
      `/s/${'A'.repeat(5000)}`,
      '/a'.repeat(3000),
      `${SEED_PATH}${'/x'.repeat(2000)}`,
    ]) {
      expect((await ask({ target })).status, `${target.slice(0, 40)}… (${target.length})`).toBe(404);
    }
  });

  it('NUL-free garbage paths (control characters, emoji, bidi marks, dots, Chinese) answer 404, never 500', async () => {
    const random = mulberry32(20240501);
    const pool = [
      ...Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)),
      '\x7f',
      ...' !"$&\'()*+,-./:;<=>@[\\]^_`{|}~',
      'aZ09',
      '成都日报',
      '😀',
      '\u202e',
      '\u200b',
      '\ufeff',
      '\ufffd',
      'e\u0301',
      '..',
      '.',
      '%',
    ];
    const statuses = new Map<number, number>();
    for (let n = 0; n < 60; n++) {
      const segments = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        Array.from({ length: 1 + Math.floor(random() * 12) }, () => pool[Math.floor(random() * pool.length)]).join(''),
      );
      const target = `/${segments.map(encodeURIComponent).join('/')}`;
      // A `%` in the garbage reads as an escape on the second decoding: HTTP API refuses some of those.
      if (gatewayPath(target) === undefined) continue;
      const answer = await ask({ target });
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      expect(answer.status, JSON.stringify(gatewayPath(target))).toBe(404);
    }
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(30);
  });
});

describe('the function', () => {
  it('was asked with every route key the stack registers (each GET and HEAD route)', () => {
    expect([...routeKeysAsked].sort()).toEqual([...twin.stack.routeKeys].sort());
  });

  it('answered every request in one warm environment and logged no error', () => {
    expect(twin.http.coldStarts).toBe(1);
    const errors = twin.http.logs
      .map((line) => JSON.parse(line) as { level: string; message: string })
      .filter((line) => line.level === 'error');
    expect(errors).toEqual([]);
  });
});

/** A small seeded generator: the same garbage every run, so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
