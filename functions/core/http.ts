import { createHash } from 'node:crypto';
import { BadRequest, Gone, NotFound, StorageUnavailable } from './errors';
import { PAGE_SECURITY_HEADERS, renderErrorPage } from './pages';
import type { ViewName } from './routes';
import type { Site } from './site';

/** A request as the read side sees it, whatever carried it (API Gateway or the local server). */
export interface HttpRequest {
  method: string;
  /** Decoded path, as API Gateway HTTP APIs deliver it. */
  path: string;
  view: ViewName;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Logger {
  error(message: string, fields: Record<string, unknown>): void;
}

const HTML_TYPE = 'text/html; charset=utf-8';
/** How long a client should wait before retrying a 503 (storage unavailable). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * `Cache-Control` of a public answer: readers may keep it `maxAge` seconds; shared caches (the CDN,
 * a proxy) at most the site's edge window, then ask again with the ETag, so that a publish is seen
 * at the edge within that window and not after a reader's lifetime.
 */
export function publicCacheControl(site: Pick<Site, 'edgeMaxAgeSeconds'>, maxAge: number): string {
  return `public, max-age=${maxAge}, s-maxage=${Math.min(maxAge, site.edgeMaxAgeSeconds)}`;
}

export function htmlResponse(body: string, site: Site, status = 200): HttpResponse {
  return {
    status,
    headers: {
      'content-type': HTML_TYPE,
      'cache-control': publicCacheControl(site, site.maxAgeSeconds),
      ...PAGE_SECURITY_HEADERS,
    },
    body,
  };
}

/**
 * 301 to a path on this site. The target is always a stored path on our own base URL. Kept as
 * long as pages are, no longer: a share link of a post since deleted stops redirecting within the
 * bound feeds and pages have.
 */
export function redirectResponse(
  location: string,
  site: Pick<Site, 'maxAgeSeconds' | 'edgeMaxAgeSeconds'>,
): HttpResponse {
  return {
    status: 301,
    headers: { location, 'cache-control': publicCacheControl(site, site.maxAgeSeconds) },
    body: '',
  };
}

/**
 * The one place errors become HTTP. Expected refusals get their status and a short page;
 * anything else is a 500 whose body says nothing about the cause (the log has it).
 */
export function errorResponse(error: unknown, site: Site, log: Logger, request: HttpRequest): HttpResponse {
  if (error instanceof StorageUnavailable) {
    log.error('storage unavailable', {
      path: request.path,
      view: request.view,
      error: String((error.cause as Error)?.message ?? error.cause),
    });
    // Short and plain: the client is told to come back, and nothing about why.
    return {
      status: 503,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        'retry-after': String(RETRY_AFTER_SECONDS),
      },
      body: 'Service temporarily unavailable; retry shortly.\n',
    };
  }
  const known = knownStatus(error);
  if (!known)
    log.error('request failed', {
      path: request.path,
      view: request.view,
      error: String((error as Error)?.stack ?? error),
    });
  // The page's heading names the status; the message says what was not found or why.
  const [status, message] = known ?? [500, '请稍后再试。 Please try again later.'];
  const response = htmlResponse(renderErrorPage(status, message, site), site, status);
  response.headers['cache-control'] = status >= 500 ? 'no-store' : publicCacheControl(site, 60);
  return response;
}

function knownStatus(error: unknown): [number, string] | undefined {
  if (error instanceof NotFound) return [404, error.message];
  if (error instanceof Gone) return [410, error.message];
  if (error instanceof BadRequest) return [400, error.message];
  return undefined;
}

/**
 * Strong ETag and 304 for a matching If-None-Match. A HEAD gets the GET's whole answer: what
 * carries it to the client (API Gateway; Node's server locally) sends the headers, with the
 * body's Content-Length, and not the body, as HTTP says a HEAD answer is sent. An emptied body
 * would make the length 0.
 */
export function finishResponse(request: HttpRequest, response: HttpResponse): HttpResponse {
  if (response.status === 200) {
    // Feed documents bring an ETag derived from their feed's version; other bodies are hashed.
    const etag =
      response.headers.etag ?? `"${createHash('sha256').update(response.body).digest('base64url').slice(0, 27)}"`;
    response.headers.etag = etag;
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch?.split(',').some((tag) => tag.trim() === etag || tag.trim() === '*')) {
      return { status: 304, headers: { etag, 'cache-control': response.headers['cache-control'] }, body: '' };
    }
  }
  return response;
}
