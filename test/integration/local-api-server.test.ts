import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalApiServer, gatewayPath } from '../../infra/local/http-server';
import { rawRequest } from '../support/raw-http';

// The local stand-in for API Gateway builds the payload 2.0 event the deployed handler gets;
// these are the parts of it it computes for itself rather than copying.

const events: APIGatewayProxyEventV2[] = [];
let answer: APIGatewayProxyStructuredResultV2 = { statusCode: 200, body: 'ok' };
let server: Server;
let port: number;

beforeAll(async () => {
  server = createLocalApiServer(
    async (event) => {
      events.push(event);
      return answer;
    },
    (error) => {
      throw error;
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the local API server (API Gateway stand-in)', () => {
  it('hands the handler lower-case header names with repeated headers joined by commas, as API Gateway does', async () => {
    events.length = 0;
    answer = { statusCode: 200, body: 'ok' };
    await rawRequest(port, 'GET', '/category/news.rss', [
      ['Host', `127.0.0.1:${port}`],
      ['X-Trace', 'a'],
      ['x-trace', 'b'],
      ['__proto__', 'kept'],
      ['If-None-Match', '"1-x"'],
    ]);
    const { headers } = events[0];
    expect(headers['x-trace']).toBe('a,b');
    expect(headers['if-none-match']).toBe('"1-x"');
    expect(Object.getOwnPropertyDescriptor(headers, '__proto__')?.value).toBe('kept');
    // Set by the gateway, whatever the client sent.
    expect(headers['x-forwarded-proto']).toBe('http');
    expect(headers['x-forwarded-port']).toBe(String(port));
    expect(events[0].requestContext.domainName).toBe(`127.0.0.1:${port}`);
  });

  it("gives every request its own id and the time in API Gateway's format, matching timeEpoch", async () => {
    events.length = 0;
    answer = { statusCode: 200, body: 'ok' };
    for (let i = 0; i < 5; i++) await rawRequest(port, 'GET', '/', [['Host', 'localhost']]);
    const ids = events.map((event) => event.requestContext.requestId);
    expect(new Set(ids).size).toBe(5);
    for (const { requestContext } of events) {
      const parts = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) \+0000$/.exec(requestContext.time);
      expect(parts, requestContext.time).not.toBeNull();
      const [, day, month, year, hours, minutes, seconds] = parts!;
      const parsed = Date.parse(`${day} ${month} ${year} ${hours}:${minutes}:${seconds} GMT`);
      expect(parsed).toBe(Math.floor(requestContext.timeEpoch / 1000) * 1000);
    }
  });

  it('writes a 304 with its headers and neither a body nor a Content-Length', async () => {
    answer = { statusCode: 304, headers: { etag: '"1-x"', 'cache-control': 'public, max-age=300' }, body: '' };
    const response = await rawRequest(port, 'GET', '/feed.rss', [
      ['Host', 'localhost'],
      ['If-None-Match', '"1-x"'],
    ]);
    expect(response.status).toBe(304);
    expect(response.headers).toContainEqual(['etag', '"1-x"']);
    expect(response.headers.map(([name]) => name)).not.toContain('content-length');
    expect(response.body).toBe('');
  });

  it('writes a 200 with the byte length of a UTF-8 body', async () => {
    answer = { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '成都' };
    const response = await rawRequest(port, 'GET', '/', [['Host', 'localhost']]);
    expect(response.status).toBe(200);
    expect(response.headers).toContainEqual(['content-length', '6']);
    expect(response.body).toBe('成都');
  });

  it('decodes paths as HTTP API does: twice, cut at a decoded ?, and a path that does not decode is a 400', async () => {
    // From captures of live HTTP API traffic (see gatewayPath).
    expect(gatewayPath('/capture/space%20value')).toBe('/capture/space value');
    expect(gatewayPath('/capture/unicode-%CE%BB-%E4%B8%96%E7%95%8C')).toBe('/capture/unicode-λ-世界');
    expect(gatewayPath('/capture/hash%23value')).toBe('/capture/hash#value');
    expect(gatewayPath('/capture/slash%2Fvalue')).toBe('/capture/slash/value');
    expect(gatewayPath('/capture/question%3Fvalue')).toBe('/capture/question');
    expect(gatewayPath('/capture/percent%25done')).toBeUndefined();
    expect(gatewayPath('/capture/literal%252Fvalue')).toBe('/capture/literal/value');
    expect(gatewayPath('/capture/literal%253Fvalue')).toBe('/capture/literal?value');
    expect(gatewayPath('/capture/literal%2525value')).toBe('/capture/literal%value');

    events.length = 0;
    answer = { statusCode: 200, body: 'ok' };
    expect((await rawRequest(port, 'GET', '/growth-100%25.html', [['Host', 'localhost']])).status).toBe(400);
    expect(events).toHaveLength(0);
    await rawRequest(port, 'GET', '/news/a%2Fb.html', [['Host', 'localhost']]);
    expect(events[0]).toMatchObject({
      rawPath: '/news/a/b.html',
      routeKey: 'GET /{proxy+}',
      pathParameters: { proxy: 'news/a/b.html' },
    });
  });

  it('moves cookies out of the headers into `cookies`, as payload 2.0 does', async () => {
    events.length = 0;
    answer = { statusCode: 200, body: 'ok' };
    await rawRequest(port, 'GET', '/', [
      ['Host', 'localhost'],
      ['Cookie', 'session=abc123; theme=dark'],
    ]);
    expect(events[0].cookies).toEqual(['session=abc123', 'theme=dark']);
    expect(events[0].headers.cookie).toBeUndefined();
  });
});
