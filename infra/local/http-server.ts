import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { assetAt } from '../../functions/core/assets';
import { matchRoute, ROUTE_METHODS, routeKey } from '../../functions/core/routes';
import type { LocalFiles } from './local-files';

type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * A local stand-in for API Gateway's HTTP API: matches the same route table, builds the
 * payload 2.0 event the deployed Lambda receives (paths decoded as HTTP API decodes them,
 * `gatewayPath`) and writes the handler's result back.
 */
export function createLocalApiServer(
  handler: HttpHandler,
  onError: (error: unknown) => void,
  /**
   * Pictures and files beside the posts, served here from the bucket (streamed), as a CDN would;
   * without it, they go to the handler like any other path.
   */
  files?: LocalFiles,
): Server {
  return createServer((request, response) => {
    serve(request, response, handler, files).catch((error) => {
      onError(error);
      if (!response.headersSent) sendJson(response, 500, { message: 'Internal Server Error' });
      else response.destroy();
    });
  });
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  handler: HttpHandler,
  files?: LocalFiles,
): Promise<void> {
  const target = request.url ?? '/';
  // Origin-form only (`/path?query`); absolute-form and `*` are not requests for this API.
  if (!target.startsWith('/')) return sendJson(response, 400, { message: 'Bad Request' });
  const queryStart = target.indexOf('?');
  const encodedPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : target.slice(queryStart + 1);
  const path = gatewayPath(encodedPath);
  if (path === undefined) return sendJson(response, 400, { message: 'Bad Request' });
  const method = request.method ?? 'GET';
  const match = matchRoute(path);
  if (!match || !(ROUTE_METHODS as readonly string[]).includes(method)) {
    return sendJson(response, 404, { message: 'Not Found' });
  }
  if (files && match.route.view === 'postPage') {
    let asset: ReturnType<typeof assetAt>;
    try {
      asset = assetAt(path);
    } catch {
      // A file path the site never serves (`..`, `_drafts`…): the handler answers it (404).
      asset = undefined;
    }
    if (asset) {
      if (await files(asset, request, response)) return;
      return sendText(response, 404, 'Not Found\n');
    }
  }

  // From the raw headers, as API Gateway sees them: lower-case names, repeats joined with commas.
  // (Not Node's request.headers, which would be built only to be copied.) No prototype: a header
  // named __proto__ is a header.
  const headers: Record<string, string> = Object.create(null);
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const earlier = headers[name];
    headers[name] = earlier === undefined ? raw[i + 1] : `${earlier},${raw[i + 1]}`;
  }
  // Payload 2.0 moves cookies out of the headers into `cookies` (API Gateway developer guide,
  // "Working with AWS Lambda proxy integrations for HTTP APIs").
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  delete headers.cookie;
  // API Gateway sets these itself, whatever the client sent.
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-port'] = String(request.socket.localPort ?? '');
  headers['x-forwarded-for'] = request.socket.remoteAddress ?? '127.0.0.1';
  const domainName = ownDomainName(request.socket.localPort, headers.host);
  const queryStringParameters: Record<string, string> = {};
  if (rawQueryString)
    for (const [name, value] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
    }
  const key = routeKey(method, match.route);
  const now = Date.now();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: key,
    rawPath: path,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    ...(Object.keys(match.pathParameters).length ? { pathParameters: match.pathParameters } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: 'localhost',
      http: {
        method,
        path,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: nextRequestId(),
      routeKey: key,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now,
    },
  };

  const result = await handler(event);
  const resultHeaders = result.headers as Record<string, string> | undefined;
  if (result.statusCode === 304) {
    // No body, so no bytes to encode and no length to add.
    response.writeHead(304, resultHeaders);
    return void response.end();
  }
  const body = bodyBytes(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  response.writeHead(result.statusCode ?? 200, { ...resultHeaders, 'content-length': body.byteLength });
  // Node drops the body of a HEAD response by itself.
  response.end(body);
}

/**
 * The path HTTP API hands a function, from the path the client sent: percent-decoded, cut at a
 * `?` that decoding produced, and decoded once more; undefined when either decoding fails, which
 * HTTP API answers with 400 before any function runs. AWS does not document this; it is what
 * captures of live HTTP API traffic show (hotsock/voker, vokerhttp/testdata/ingress-paths.json:
 * `%20` and `%E4%B8%96` arrive decoded, `%2F` as `/` before routing, `%3F` cuts the path,
 * `%252F` arrives as `/`, `%25` followed by anything but two hex digits is refused) and what
 * AWS's own .NET Lambda test tool emulates ("this should be decoded value").
 */
export function gatewayPath(encoded: string): string | undefined {
  try {
    const once = decodeURIComponent(encoded);
    const cut = once.indexOf('?');
    return decodeURIComponent(cut === -1 ? once : once.slice(0, cut));
  } catch {
    return undefined;
  }
}

/*
 * requestContext.requestId and .time cost a random UUID and a date formatting per request:
 * about an eighth of the stand-in's time per 304 (wrk against it with a no-op handler). An id
 * unique to this process and the time formatted once a second say the same.
 */
const requestIdPrefix = randomBytes(6).toString('base64url');
let requestCount = 0;
function nextRequestId(): string {
  return `${requestIdPrefix}${(++requestCount).toString(36)}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let formattedSecond = { second: -1, text: '' };
/** API Gateway's format for requestContext.time: `12/Mar/2020:19:03:58 +0000`. */
function requestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (formattedSecond.second !== second) {
    const d = new Date(second * 1000);
    const two = (n: number) => String(n).padStart(2, '0');
    const text = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
    formattedSecond = { second, text };
  }
  return formattedSecond.text;
}

/**
 * The name this server answers as, like API Gateway's `requestContext.domainName`: the Host
 * the client used if it is one of this server's own loopback names, else `localhost:{port}`.
 * API Gateway only routes requests for its own domains, so a Host naming another site never
 * reaches the handler as the site's domain; here it falls back to ours.
 */
function ownDomainName(port: number | undefined, hostHeader: string | undefined): string {
  const host = hostHeader?.toLowerCase();
  const own = [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`];
  return host !== undefined && own.includes(host) ? host : `localhost:${port}`;
}

/**
 * The bytes of a body: UTF-8 text, or base64 (compressed answers). Feed polls return the very
 * same cached string again and again; its decoding (~0.3 ms for a 200 KB Chinese feed) is kept
 * for the last few large bodies, where API Gateway's own work would be. The lookup is by the
 * string itself and its encoding, so it cannot serve bytes of another body.
 */
const encodedBodies = { utf8: new Map<string, Buffer>(), base64: new Map<string, Buffer>() };
function bodyBytes(body: string, encoding: 'utf8' | 'base64'): Buffer {
  if (body.length < 4096) return Buffer.from(body, encoding);
  const kept = encodedBodies[encoding];
  let bytes = kept.get(body);
  if (!bytes) {
    bytes = Buffer.from(body, encoding);
    if (kept.size >= 16) kept.delete(kept.keys().next().value!);
    kept.set(body, bytes);
  }
  return bytes;
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'public, max-age=60',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
