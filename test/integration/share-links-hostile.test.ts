import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { encodePath } from '../../functions/core/urls';
import type { LocalStack } from '../../infra/local/local-stack';
import { publishSampleContent, startTestStack } from '../support/local-stack';
import { type RawResponse, rawRequest } from '../support/raw-http';

const SEED_ID = 'NW202201122244036113';

let stack: LocalStack;
let port: number;
let postUrls: Set<string>;
const loggedErrors: string[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  await publishSampleContent(stack);
  port = Number(new URL(stack.url).port);
  postUrls = new Set(
    (await stack.store.queryFeed({ kind: 'site' }, 100)).map((entry) => stack.url + encodePath(entry.path)),
  );
  setLogSink((level, message, fields) => {
    if (level === 'error') loggedErrors.push(`${message} ${JSON.stringify(fields)}`);
  });
});

afterAll(async () => {
  setLogSink(() => {});
  await stack?.stop();
});

/**
 * Request-target fragments an attacker would try: off-site and protocol-relative targets in
 * every spelling, encoded slashes and dots, CR/LF header injection, look-alike characters,
 * huge codes, and percent-encoding that does not decode to UTF-8.
 */
const PAYLOADS: string[] = [
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  '%2F%2Fevil.example',
  '%2f%2fevil.example',
  '%5C%5Cevil.example',
  '%2F%5Cevil.example',
  '%252F%252Fevil.example',
  'https://evil.example',
  'https:%2F%2Fevil.example',
  'HTTPS://EVIL.EXAMPLE',
  '%68ttps://evil.example',
  'http:evil.example',
  'javascript:alert(1)',
  'data:text/html,%3Cscript%3Ealert(1)%3C/script%3E',
  '@evil.example',
  `${SEED_ID}@evil.example`,
  '..',
  '..%2F..%2F..%2Fevil.example',
  '%2E%2E%2F%2E%2E%2F',
  '.%2E/.%2E/',
  '%2e%2e',
  '%C0%AE%C0%AE%C0%AF',
  '%C0%AF%C0%AFevil.example',
  `${SEED_ID}%0d%0aLocation:%20https://evil.example`,
  `${SEED_ID}%0D%0ASet-Cookie:%20stolen=1`,
  '%0d%0aX-Injected:%201',
  '%0aX-Injected:%20yes',
  '%0d%0a%0d%0a%3Chtml%3Einjected',
  `${SEED_ID}%00`,
  '%00',
  'abc%00def',
  `${SEED_ID}%09`,
  `${SEED_ID}%20`,
  '%EF%BC%AE%EF%BC%B7202201122244036113', // full-width ＮＷ
  'NW2022011222440361%D0%A13', // Cyrillic С
  'evil%E3%80%82example', // ideographic full stop
  '%E2%80%AEelpmaxe.live', // right-to-left override
  '%EF%BC%8F%EF%BC%8Fevil.example', // full-width solidus
  'a'.repeat(10 * 1024),
  `${SEED_ID}${'%2F'.repeat(3000)}`,
  '%41'.repeat(3000),
  '%E0%A4%A',
  '%',
  '%%',
  '%ZZ',
  '%E0%A4',
  '%FF%FE',
  '%ED%A0%80',
  '%C3%28',
  '%F4%90%80%80',
  `${SEED_ID}?next=//evil.example`,
  `${SEED_ID}#//evil.example`,
  `${SEED_ID};//evil.example`,
  `${SEED_ID}/..`,
  `${SEED_ID}/%2E%2E/%2E%2E/evil`,
];

const HOSTILE_HOSTS: Array<Array<[string, string]>> = [
  [['Host', 'evil.example']],
  [['Host', 'evil.example:80']],
  [['Host', 'localhost:1@evil.example']],
  [['Host', 'localhost.evil.example']],
  [['Host', '[::1]:1']],
  [['Host', '']],
  [['Host', 'evil.example/..']],
  [
    ['Host', 'EVIL.EXAMPLE'],
    ['X-Forwarded-Host', 'evil.example'],
    ['X-Forwarded-Proto', 'https'],
  ],
  [
    ['Host', 'localhost'],
    ['Forwarded', 'host=evil.example;proto=https'],
  ],
];

interface Probe {
  method: 'GET' | 'HEAD';
  target: string;
  headers: Array<[string, string]>;
}

/** Each payload as a short code, a legacy infoCode, a page cursor and an arbitrary path; every other probe with a hostile Host. */
function probes(): Probe[] {
  const targets = PAYLOADS.flatMap((payload) => [
    `/s/${payload}`,
    `/html_News/NewsShare.html?infoCode=${payload}`,
    `/html_News/NewsShare.html?from=groupmessage&infoCode=${payload}&isappinstalled=0`,
    `/${payload}`,
    `/category/${payload}.html`,
    `/?before=${payload}`,
  ]);
  // Raw CR/LF and spaces inside the request line itself: request splitting attempts.
  targets.push(
    `/s/${SEED_ID}\r\nX-Injected: 1\r\n`,
    `/html_News/NewsShare.html?infoCode=${SEED_ID}\r\nLocation: https://evil.example`,
    `/s/${SEED_ID} HTTP/1.1\r\nHost: evil.example\r\n\r\nGET /`,
    `http://evil.example/s/${SEED_ID}`,
    '*',
  );
  return targets.map((target, index) => ({
    method: index % 3 === 2 ? 'HEAD' : 'GET',
    target,
    headers: index % 2 === 0 ? [['Host', `localhost:${port}`]] : HOSTILE_HOSTS[index % HOSTILE_HOSTS.length],
  }));
}

function problemsWith(probe: Probe, response: RawResponse): string[] {
  const problems: string[] = [];
  const describe = `${probe.method} ${JSON.stringify(probe.target.slice(0, 120))} ${JSON.stringify(probe.headers)}`;
  if (response.status >= 500) problems.push(`${describe}: answered ${response.status}`);
  for (const [name, value] of response.headers) {
    if (name === 'location') {
      if (!value.startsWith(`${stack.url}/`)) problems.push(`${describe}: redirects off the site to ${value}`);
      else if (!postUrls.has(value)) problems.push(`${describe}: redirects to ${value}, which is not a post`);
    }
    if (['x-injected', 'set-cookie', 'refresh'].includes(name)) problems.push(`${describe}: injected header ${name}`);
    if (/evil/i.test(value)) problems.push(`${describe}: header ${name} carries ${value}`);
  }
  if (
    response.status >= 300 &&
    response.status < 400 &&
    response.status !== 304 &&
    !response.headers.some(([name]) => name === 'location')
  ) {
    problems.push(`${describe}: ${response.status} without a Location`);
  }
  if (/<script|<html>injected/i.test(response.body)) problems.push(`${describe}: body carries markup from the request`);
  if (/(?:href|src|action)="(?![^"]*localhost)[^"]*evil/i.test(response.body))
    problems.push(`${describe}: body links off the site`);
  return problems;
}

describe('hostile share links, paths and Host headers', () => {
  it('never redirect off the site, never inject a header and never answer 500', { timeout: 60_000 }, async () => {
    const all = probes();
    expect(all.length).toBeGreaterThanOrEqual(200);
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    for (const probe of all) {
      const response = await rawRequest(port, probe.method, probe.target, probe.headers);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      problems.push(...problemsWith(probe, response));
    }
    expect(problems).toEqual([]);
    expect(loggedErrors).toEqual([]);
    // The probes reached the handler (404 pages), not only the HTTP parser (400).
    expect(statuses.get(404) ?? 0).toBeGreaterThan(100);
    // Only the legacy links whose infoCode is the seed's, before the hostile part, may redirect.
    expect(statuses.get(301) ?? 0).toBeLessThan(20);
  });

  it('still serves the site afterwards', async () => {
    const response = await rawRequest(port, 'GET', '/', [['Host', `localhost:${port}`]]);
    expect(response.status).toBe(200);
  });

  it('answers invalid percent-encoding in the path with 400, as API Gateway does', async () => {
    for (const target of ['/s/%E0%A4%A', '/%', '/s/%ZZ', '/%C3%28']) {
      expect((await rawRequest(port, 'GET', target, [['Host', `localhost:${port}`]])).status, target).toBe(400);
    }
  });
});
