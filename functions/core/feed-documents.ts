import { createHash } from 'node:crypto';
import { NotFound } from './errors';
import { FEED_CONTENT_TYPES, renderFeed } from './feeds';
import { type HttpResponse, publicCacheControl } from './http';
import type { FeedEntry, FeedRef } from './post';
import { SharedReads } from './shared-reads';
import type { Site } from './site';
import { type FeedMeta, feedCursor, type PostStore } from './store';
import { absoluteUrl, archiveUrl, type FeedFormat, feedKey, feedPath, writtenName } from './urls';

/** Bump when the renderer's output changes for the same entries, so ETags change with it. */
const RENDERER_REVISION = 2;

export interface FeedDocumentsOptions {
  /** Bytes of rendered documents kept per instance. */
  cacheBytes?: number;
}

interface Rendered {
  version: number;
  etag: string;
  lastModified?: string;
  body: string;
  bytes: number;
  contentType: string;
  selfUrl: string;
}

/**
 * Serves feed documents at the cost readers expect of a feed: a document is rendered when
 * its feed changes, not when it is polled. Each instance keeps rendered documents keyed by
 * the feed's version; a poll with a cached document or a validator costs one small read
 * (the feed's version), a miss one Query bounded by the feed's length (and a poll with a
 * validator of a feed that has no version both: it may be a new feed). Concurrent polls of
 * one feed share version reads and renders, never one that began more than
 * `feedVersionCacheMs` before they arrived, so a burst of polls costs a couple of reads, not
 * one each; and a version read less than `feedVersionCacheMs` ago is used again without reading.
 */
export class FeedDocuments {
  private readonly cache = new Map<string, Rendered>();
  private cachedBytes = 0;
  /** `undefined`: the feed has no entries (an answer shared like any other, not a failure to retry). */
  private readonly renders = new SharedReads<Rendered | undefined>();
  private readonly versions = new SharedReads<FeedMeta | undefined>();
  /** The last version read of each existing feed, and when that read began (monotonic clock, ms). */
  private readonly knownVersions = new Map<string, { meta: FeedMeta; readAt: number }>();
  private readonly cacheBytes: number;

  constructor(
    private readonly store: PostStore,
    options: FeedDocumentsOptions = {},
  ) {
    this.cacheBytes = options.cacheBytes ?? 64 * 1024 * 1024;
  }

  /** The subscription document: the newest entries of the feed. */
  async current(ref: FeedRef, format: FeedFormat, site: Site, headers: Record<string, string>): Promise<HttpResponse> {
    // The site's title and description are in the document: a change of them (_config.yml) is another document.
    const key = `${feedKey(ref)}\n${format}\n${site.baseUrl}\n${site.title}\n${site.description}`;
    const cached = this.cache.get(key);
    if (cached || isConditional(headers)) {
      const meta = await this.versionOf(ref, site);
      // No version and nothing rendered here: the feed does not exist, or it is a new feed whose
      // entries ingest has written and whose version it has not yet moved (an instance may have
      // served them as version 0). Only its entries tell which, so read them.
      if (meta || cached || ref.kind === 'site') {
        const version = meta?.version ?? 0;
        const etag = etagFor(key, version, site);
        const lastModified = meta && httpDate(meta.lastModified);
        if (notModified(headers, etag, lastModified))
          return notModifiedResponse(etag, lastModified, site.maxAgeSeconds, site);
        if (cached?.version === version) return this.respond(cached, site.maxAgeSeconds, site, headers);
      }
    }
    const rendered = await this.renders.read(
      key,
      () => this.renderCurrent(key, ref, format, site),
      site.feedVersionCacheMs,
    );
    if (!rendered) throw new NotFound(ref.kind === 'site' ? 'no such feed' : `no ${ref.kind} named "${ref.name}"`);
    return this.respond(rendered, site.maxAgeSeconds, site, headers);
  }

  /** An RFC 5005 archive page: the entries older than `before`. Full pages change only when an old post does. */
  async archive(
    ref: FeedRef,
    format: FeedFormat,
    before: string,
    site: Site,
    headers: Record<string, string>,
  ): Promise<HttpResponse> {
    const page = await this.store.readFeed(ref, site.feedLength, before);
    if (page.entries.length === 0) throw new NotFound('no posts older than this page');
    const shown = writtenName(ref, page.entries);
    const body = fitToBudget(
      page.entries,
      page.older,
      site,
      (entries, older) => renderFeed(format, shown, entries, site, { before, older, hub: site.websubHub }).body,
    );
    const full = page.entries.length === site.feedLength;
    const rendered: Rendered = {
      version: 0,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      body,
      bytes: Buffer.byteLength(body),
      contentType: FEED_CONTENT_TYPES[format],
      selfUrl: archiveUrl(site.baseUrl, ref, format, before),
    };
    if (notModified(headers, rendered.etag, undefined)) {
      return notModifiedResponse(rendered.etag, undefined, full ? site.archiveMaxAgeSeconds : site.maxAgeSeconds, site);
    }
    return this.respond(rendered, full ? site.archiveMaxAgeSeconds : site.maxAgeSeconds, site, headers);
  }

  /**
   * The feed's version: the one read less than `feedVersionCacheMs` ago (counted from when that
   * read began), else a read shared with concurrent polls.
   */
  private async versionOf(ref: FeedRef, site: Site): Promise<FeedMeta | undefined> {
    const key = feedKey(ref);
    const known = this.knownVersions.get(key);
    if (known && performance.now() - known.readAt < site.feedVersionCacheMs) return known.meta;
    return this.versions.read(
      key,
      async () => {
        const readAt = performance.now();
        const meta = await this.store.getFeedMeta(ref);
        this.rememberVersion(key, meta, readAt);
        return meta;
      },
      site.feedVersionCacheMs,
    );
  }

  /** Only existing feeds: a poll of a made-up name must not grow the map. */
  private rememberVersion(key: string, meta: FeedMeta | undefined, readAt: number): void {
    const known = this.knownVersions.get(key);
    if (meta && (!known || known.readAt <= readAt)) this.knownVersions.set(key, { meta, readAt });
  }

  /** `undefined` when a category or tag has no entries: no such feed. */
  private async renderCurrent(
    key: string,
    ref: FeedRef,
    format: FeedFormat,
    site: Site,
  ): Promise<Rendered | undefined> {
    const readAt = performance.now();
    const page = await this.store.readFeed(ref, site.feedLength);
    this.rememberVersion(feedKey(ref), page.meta, readAt);
    // A feed that never had an entry does not exist; one whose posts all left (its version is
    // there) stays a valid, empty feed, so subscribers see no new items rather than an error.
    if (page.entries.length === 0 && ref.kind !== 'site' && !page.meta) return undefined;
    const meta = page.meta;
    const version = meta?.version ?? 0;
    // Looked up by its URL name: titled with the name as posts write it.
    const shown = writtenName(ref, page.entries);
    const body = fitToBudget(
      page.entries,
      page.older,
      site,
      (entries, older) => renderFeed(format, shown, entries, site, { older, hub: site.websubHub }).body,
    );
    const rendered: Rendered = {
      version,
      etag: etagFor(key, version, site),
      lastModified: meta && httpDate(meta.lastModified),
      body,
      bytes: Buffer.byteLength(body),
      contentType: FEED_CONTENT_TYPES[format],
      selfUrl: absoluteUrl(site.baseUrl, feedPath(ref, format)),
    };
    this.remember(key, rendered);
    return rendered;
  }

  private remember(key: string, rendered: Rendered): void {
    const previous = this.cache.get(key);
    if (previous) {
      this.cache.delete(key);
      this.cachedBytes -= previous.bytes;
    }
    if (rendered.bytes > this.cacheBytes) return;
    this.cache.set(key, rendered);
    this.cachedBytes += rendered.bytes;
    // Map iteration order is insertion order: the first keys are the least recently rendered.
    for (const [oldKey, old] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      this.cache.delete(oldKey);
      this.cachedBytes -= old.bytes;
    }
  }

  private respond(rendered: Rendered, maxAge: number, site: Site, headers: Record<string, string>): HttpResponse {
    const links = [`<${rendered.selfUrl}>; rel="self"`];
    if (site.websubHub) links.push(`<${site.websubHub}>; rel="hub"`);
    const response: HttpResponse = {
      status: 200,
      headers: {
        'content-type': rendered.contentType,
        'cache-control': publicCacheControl(site, maxAge),
        etag: rendered.etag,
        ...(rendered.lastModified ? { 'last-modified': rendered.lastModified } : {}),
        link: links.join(', '),
        'x-content-type-options': 'nosniff',
      },
      body: rendered.body,
    };
    // A validator that matches the freshly rendered document (it changed and changed back).
    if (notModified(headers, rendered.etag, rendered.lastModified)) {
      return notModifiedResponse(rendered.etag, rendered.lastModified, maxAge, site);
    }
    return response;
  }
}

/**
 * Renders the newest entries that fit the byte budget; those left out are reached through
 * the prev-archive link, which then starts after the last entry kept. A single entry over
 * the budget is still served: a feed is never empty because one post is long.
 */
function fitToBudget(
  entries: FeedEntry[],
  older: string | undefined,
  site: Site,
  render: (entries: FeedEntry[], older: string | undefined) => string,
): string {
  let kept = entries;
  let olderCursor = older;
  let body = render(kept, olderCursor);
  while (Buffer.byteLength(body) > site.feedMaxBytes && kept.length > 1) {
    const ratio = site.feedMaxBytes / Buffer.byteLength(body);
    kept = kept.slice(0, Math.max(1, Math.min(kept.length - 1, Math.floor(kept.length * ratio))));
    olderCursor = feedCursor(kept[kept.length - 1]);
    body = render(kept, olderCursor);
  }
  return body;
}

/** Per site object (one per host for the life of an instance) and document: what else the bytes depend on. */
const settingsDigests = new WeakMap<Site, Map<string, string>>();

/** Strong, and derived from the feed's version and everything else the bytes depend on. */
function etagFor(key: string, version: number, site: Site): string {
  let digests = settingsDigests.get(site);
  if (!digests) {
    digests = new Map();
    settingsDigests.set(site, digests);
  }
  let digest = digests.get(key);
  if (digest === undefined) {
    // Everything but how the instance caches: the same bytes keep the same validator.
    const { feedVersionCacheMs: _notInTheBytes, ...rendering } = site;
    digest = createHash('sha256')
      .update(`${RENDERER_REVISION}\n${key}\n${JSON.stringify(rendering)}`)
      .digest('base64url')
      .slice(0, 16);
    digests.set(key, digest);
  }
  return `"${version}-${digest}"`;
}

function isConditional(headers: Record<string, string>): boolean {
  return headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
}

/** RFC 9110: If-None-Match decides when present; If-Modified-Since only without it. */
function notModified(headers: Record<string, string>, etag: string, lastModified: string | undefined): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.split(',').some((tag) => {
      const candidate = tag.trim().replace(/^W\//, '');
      return candidate === etag || candidate === '*';
    });
  }
  const since = headers['if-modified-since'];
  if (since === undefined || lastModified === undefined) return false;
  const sinceMs = Date.parse(since);
  return Number.isFinite(sinceMs) && Date.parse(lastModified) <= sinceMs;
}

function notModifiedResponse(
  etag: string,
  lastModified: string | undefined,
  maxAge: number,
  site: Pick<Site, 'edgeMaxAgeSeconds'>,
): HttpResponse {
  return {
    status: 304,
    headers: {
      etag,
      'cache-control': publicCacheControl(site, maxAge),
      ...(lastModified ? { 'last-modified': lastModified } : {}),
    },
    body: '',
  };
}

let lastHttpDate = { rfc3339: '', http: '' };

/** HTTP-date (second precision) of an RFC 3339 instant; polls of one feed ask for the same one in a row. */
function httpDate(rfc3339: string): string {
  if (lastHttpDate.rfc3339 !== rfc3339) {
    lastHttpDate = { rfc3339, http: new Date(Math.floor(Date.parse(rfc3339) / 1000) * 1000).toUTCString() };
  }
  return lastHttpDate.http;
}
