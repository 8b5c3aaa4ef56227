import { ASSET_REDIRECT_CACHE_SECONDS, type Asset, assetAt } from './assets';
import { BadRequest, Gone, NotFound } from './errors';
import type { FeedDocuments } from './feed-documents';
import {
  errorResponse,
  finishResponse,
  type HttpRequest,
  type HttpResponse,
  htmlResponse,
  type Logger,
  publicCacheControl,
  redirectResponse,
} from './http';
import { renderOpml } from './opml';
import { type Listing, renderHomePage, renderListPage, renderPostPage } from './pages';
import { type FeedRef, type Post, postListing } from './post';
import { feedAliasOf, MAX_PATH_BYTES } from './routes';
import { isPlausibleShareCode } from './short-code';
import type { Site } from './site';
import {
  dayUrls,
  NEWS_MAX_URLS,
  NEWS_WINDOW_MS,
  namePages,
  parseSitemapFile,
  renderNewsSitemap,
  renderRobots,
  renderSitemapIndex,
  renderUrlSet,
  SITEMAP_CONTENT_TYPE,
  SITEMAP_PAGE_URLS,
} from './sitemaps';
import { feedCursor, type PostStore } from './store';
import { absoluteUrl, decodeCursor, type FeedFormat, feedPagePath, feedPath, writtenName } from './urls';

export interface ReadDeps {
  store: PostStore;
  /** Rendered feed documents, kept across the requests an instance serves. */
  feeds: FeedDocuments;
  site: Site;
  log: Logger;
  /** Where a file beside the posts can be fetched (a presigned URL); without it, files are not served. */
  assets?: AssetUrls;
}

/** Hands out a short-lived URL of a file's object (functions/adapters/asset-urls.ts). */
export interface AssetUrls {
  url(asset: Asset): Promise<string>;
}

const MAX_NAME_LENGTH = 200;

/** Answers one public request. Never throws: every failure becomes a response here. */
export async function handleRead(request: HttpRequest, deps: ReadDeps): Promise<HttpResponse> {
  let response: HttpResponse;
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      throw new BadRequest(`method ${request.method} is not supported`);
    response = finishResponse(request, await VIEWS[request.view](request, deps));
  } catch (error) {
    response = finishResponse(request, errorResponse(error, deps.site, deps.log, request));
  }
  if (OPEN_TO_OTHER_ORIGINS.test(request.path)) response.headers['access-control-allow-origin'] = '*';
  return response;
}

/**
 * What web-based feed readers and widgets may fetch from another origin (CORS, no credentials):
 * feeds, OPML, robots.txt and sitemaps, and nothing else. Simple GETs need no preflight; the CDN
 * answers one where it is asked.
 */
export const OPEN_TO_OTHER_ORIGINS =
  /^\/(?:feed\.(?:rss|atom|json)|(?:category|tag)\/[^/]+\.(?:rss|atom|json)|feeds\.opml|robots\.txt|sitemap\.xml|news-sitemap\.xml|sitemaps\/[^/]+\.xml)$/;

type View = (request: HttpRequest, deps: ReadDeps) => Promise<HttpResponse>;

const VIEWS: Record<HttpRequest['view'], View> = {
  async home(request, deps) {
    const [listing, categories] = await Promise.all([
      readListing({ kind: 'site' }, request, deps),
      deps.store.listNames('category'),
    ]);
    return htmlResponse(renderHomePage(listing, categories, deps.site), deps.site);
  },

  async siteFeed(request, deps) {
    const format = request.path.slice(request.path.lastIndexOf('.') + 1) as FeedFormat;
    return feedResponse({ kind: 'site' }, format, request, deps);
  },

  async opml(_request, { store, site }) {
    const [categories, tags] = await Promise.all([store.listNames('category'), store.listNames('tag')]);
    return {
      status: 200,
      headers: {
        'content-type': 'text/x-opml; charset=utf-8',
        'cache-control': publicCacheControl(site, site.maxAgeSeconds),
        'x-content-type-options': 'nosniff',
      },
      body: renderOpml({ categories, tags }, site),
    };
  },

  category: (request, deps) => listView('category', request, deps),
  tag: (request, deps) => listView('tag', request, deps),

  async shortLink(request, deps) {
    return shareRedirect(request.pathParameters.code ?? '', deps);
  },

  async legacyShare(request, deps) {
    const infoCode = request.query.infoCode;
    if (!infoCode) throw new NotFound('no such share link');
    return shareRedirect(infoCode, deps);
  },

  async robots(_request, { site }) {
    return {
      status: 200,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': publicCacheControl(site, site.maxAgeSeconds),
        'x-content-type-options': 'nosniff',
      },
      body: renderRobots(site),
    };
  },

  // Each sitemap is one Query; its strong ETag is the hash of its bytes (finishResponse), so a
  // crawler's conditional request is answered 304 from that same read.
  async sitemapIndex(_request, { store, site }) {
    const listing = await store.readSitemapIndex();
    const body = renderSitemapIndex(listing, site);
    if (!body) throw new NotFound('no posts yet');
    // biome-ignore lint/complexity/useMathMinMax: ISO 8601 UTC strings, the newest by text order; Math.max would make NaN of them
    const lastModified = listing.days.map((day) => day.lastModified ?? '').reduce((a, b) => (a > b ? a : b), '');
    return sitemapResponse(body, site, lastModified || undefined);
  },

  async newsSitemap(_request, { store, site }) {
    const now = Date.now();
    const { entries } = await store.readRecent(new Date(now - NEWS_WINDOW_MS).toISOString(), NEWS_MAX_URLS);
    return sitemapResponse(renderNewsSitemap(entries, site, now), site);
  },

  async sitemap(request, { store, site }) {
    const file = parseSitemapFile(request.pathParameters.file ?? '');
    if (!file) throw new NotFound('no such sitemap');
    const urls =
      file.kind === 'day'
        ? dayUrls(await store.readSitemapDay(file.day, (file.page - 1) * SITEMAP_PAGE_URLS, SITEMAP_PAGE_URLS))
        : namePages(await store.readSitemapIndex(), file.page);
    if (urls.length === 0) throw new NotFound('no such sitemap');
    return sitemapResponse(renderUrlSet(urls, site), site);
  },

  async postPage(request, { store, site, assets }) {
    if (Buffer.byteLength(request.path) > MAX_PATH_BYTES) throw new NotFound('no such page');
    // A picture or file beside the posts (functions/core/assets.ts): never a page.
    const asset = assetAt(request.path);
    if (asset) {
      if (!assets) throw new NotFound('no such file');
      return {
        status: 302,
        headers: {
          location: await assets.url(asset),
          'cache-control': `public, max-age=${ASSET_REDIRECT_CACHE_SECONDS}`,
        },
        body: '',
      };
    }
    // Another generator's feed address (a site moved here): its readers go on to ours.
    const own = site.feedAliases?.[request.path];
    if (own) return redirectResponse(absoluteUrl(site.baseUrl, own), site);
    const alias = feedAliasOf(request.path);
    if (alias) return redirectResponse(absoluteUrl(site.baseUrl, feedPath(alias.ref, alias.format)), site);
    const page = await store.findPage(request.path);
    if (!page) throw new NotFound(`no page at ${request.path}`);
    // A former address of a post that moved: one hop to where it is now, for as long as it exists.
    if ('movedTo' in page) return redirectResponse(absoluteUrl(site.baseUrl, page.movedTo), site);
    if ('gone' in page) throw new Gone('this post was removed');
    if (request.query.to !== undefined) return neighbourRedirect(page.post, request.query.to, { store, site });
    return htmlResponse(renderPostPage(page.post, site), site);
  },
};

async function listView(kind: 'category' | 'tag', request: HttpRequest, deps: ReadDeps): Promise<HttpResponse> {
  const file = request.pathParameters.file ?? '';
  const match = /^(.+)\.(html|rss|atom|json)$/.exec(file);
  if (!match) throw new NotFound(`/${kind}/${file}`);
  const [, name, extension] = match;
  if (name.length > MAX_NAME_LENGTH) throw new NotFound(`/${kind}/${file.slice(0, 40)}…`);
  const ref: Exclude<FeedRef, { kind: 'site' }> = { kind, name: name.normalize('NFC') };
  if (extension === 'html') {
    const listing = await readListing(ref, request, deps);
    // Emptied since (its feed has a version): the page says it is empty, as its feeds do.
    if (listing.entries.length === 0 && !listing.known) throw new NotFound(`no ${kind} named "${name}"`);
    // Looked up by its URL name: titled with the name as posts write it.
    return htmlResponse(renderListPage(writtenName(ref, listing.entries), listing, deps.site), deps.site);
  }
  return feedResponse(ref, extension as FeedFormat, request, deps);
}

/**
 * A feed document: the subscription document, or with `?before={cursor}` (from a
 * prev-archive link) an RFC 5005 archive page. A category or tag that never had a post is a 404,
 * not an empty feed a reader would subscribe to; one whose posts all left is an empty feed.
 */
async function feedResponse(
  ref: FeedRef,
  format: FeedFormat,
  request: HttpRequest,
  { feeds, site }: ReadDeps,
): Promise<HttpResponse> {
  const cursorText = request.query.before;
  if (cursorText === undefined) return feeds.current(ref, format, site, request.headers);
  const cursor = decodeCursor(cursorText);
  if (!cursor) throw new NotFound('no such archive page');
  return feeds.archive(ref, format, cursor, site, request.headers);
}

function sitemapResponse(body: string, site: Site, lastModified?: string): HttpResponse {
  return {
    status: 200,
    headers: {
      'content-type': SITEMAP_CONTENT_TYPE,
      'cache-control': publicCacheControl(site, site.maxAgeSeconds),
      ...(lastModified ? { 'last-modified': new Date(Date.parse(lastModified)).toUTCString() } : {}),
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}

/**
 * A post page's "previous" and "next" links (`?to=previous|next`): the post just older or newer in
 * its first category (in the whole site for a post without one), found when the link is followed
 * rather than when the page is rendered, so a page stays one read and its neighbours are never
 * stale. At either end, the listing the post is in. Temporary (302): a publish changes the answer.
 */
async function neighbourRedirect(
  post: Post,
  step: string,
  { store, site }: Pick<ReadDeps, 'store' | 'site'>,
): Promise<HttpResponse> {
  const direction = step === 'previous' ? 'older' : step === 'next' ? 'newer' : undefined;
  if (!direction) throw new BadRequest('to= must be "previous" or "next"');
  const ref = postListing(post);
  const entry = await store.neighbourEntry(ref, feedCursor(post), direction);
  return {
    status: 302,
    headers: {
      location: absoluteUrl(site.baseUrl, entry ? entry.path : feedPagePath(ref)),
      'cache-control': publicCacheControl(site, site.maxAgeSeconds),
    },
    body: '',
  };
}

async function shareRedirect(code: string, { store, site }: ReadDeps): Promise<HttpResponse> {
  if (!isPlausibleShareCode(code)) throw new NotFound('no such share link');
  const link = await store.getShareLink(code);
  if (!link) throw new NotFound('no such share link');
  if (link.gone) throw new Gone('this post was removed');
  // Stored paths start with "/"; anything else could turn our origin into another host's prefix.
  if (!link.path.startsWith('/')) throw new NotFound('no such share link');
  return redirectResponse(absoluteUrl(site.baseUrl, link.path), site);
}

/**
 * One page of a listing in one Query: the newest posts, or with `?before={cursor}` (from a
 * page's "older" link) the posts older than the cursor. A cursor we could not have written,
 * or one past the end, is a page that does not exist.
 */
async function readListing(ref: FeedRef, request: HttpRequest, { store, site }: ReadDeps): Promise<Listing> {
  const cursorText = request.query.before;
  if (cursorText === undefined) {
    const { entries, older, meta } = await store.readFeed(ref, site.feedLength);
    return { entries, older, later: false, known: meta !== undefined };
  }
  const before = decodeCursor(cursorText);
  if (before === undefined) throw new NotFound('no such page');
  const { entries, older } = await store.readFeed(ref, site.feedLength, before);
  if (entries.length === 0) throw new NotFound('no such page');
  return { entries, older, later: true };
}
