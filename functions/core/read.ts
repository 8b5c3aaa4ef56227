import { BadRequest, Gone, NotFound } from './errors';
import { renderFeed } from './feeds';
import {
  documentResponse, errorResponse, finishResponse, htmlResponse, redirectResponse,
  type HttpRequest, type HttpResponse, type Logger,
} from './http';
import { renderHomePage, renderListPage, renderPostPage } from './pages';
import type { FeedRef } from './post';
import { isPlausibleShareCode } from './short-code';
import type { Site } from './site';
import type { PostStore } from './store';
import { absoluteUrl, type FeedFormat } from './urls';

export interface ReadDeps {
  store: PostStore;
  site: Site;
  log: Logger;
}

const MAX_NAME_LENGTH = 200;

/** Answers one public request. Never throws: every failure becomes a response here. */
export async function handleRead(request: HttpRequest, deps: ReadDeps): Promise<HttpResponse> {
  try {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new BadRequest(`method ${request.method} is not supported`);
    return finishResponse(request, await VIEWS[request.view](request, deps));
  } catch (error) {
    return finishResponse(request, errorResponse(error, deps.site, deps.log, request));
  }
}

type View = (request: HttpRequest, deps: ReadDeps) => Promise<HttpResponse>;

const VIEWS: Record<HttpRequest['view'], View> = {
  async home(_request, { store, site }) {
    const [entries, categories] = await Promise.all([
      store.queryFeed({ kind: 'site' }, site.feedLength),
      store.listNames('category'),
    ]);
    return htmlResponse(renderHomePage(entries, categories, site), site);
  },

  async siteFeed(request, deps) {
    const format = request.path.slice(request.path.lastIndexOf('.') + 1) as FeedFormat;
    return feedResponse({ kind: 'site' }, format, deps);
  },

  category: (request, deps) => listView('category', request, deps),
  tag: (request, deps) => listView('tag', request, deps),

  async shortLink(request, deps) {
    return shareRedirect(request.pathParameters.code ?? '', deps);
  },

  async legacyShare(request, deps) {
    const infoCode = request.query.infoCode;
    if (!infoCode) throw new BadRequest('the link has no infoCode');
    return shareRedirect(infoCode, deps);
  },

  async postPage(request, { store, site }) {
    const post = await store.findPostByPath(request.path);
    if (!post) throw new NotFound(request.path);
    return htmlResponse(renderPostPage(post, site), site);
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
    const entries = await deps.store.queryFeed(ref, deps.site.feedLength);
    if (entries.length === 0) throw new NotFound(`no ${kind} named "${name}"`);
    return htmlResponse(renderListPage(ref, entries, deps.site), deps.site);
  }
  return feedResponse(ref, extension as FeedFormat, deps);
}

async function feedResponse(ref: FeedRef, format: FeedFormat, { store, site }: ReadDeps): Promise<HttpResponse> {
  const entries = await store.queryFeed(ref, site.feedLength);
  // An unknown category or tag is a 404, not an empty feed a reader would subscribe to.
  if (entries.length === 0 && ref.kind !== 'site') throw new NotFound(`no ${ref.kind} named "${ref.name}"`);
  const feed = renderFeed(format, ref, entries, site);
  return documentResponse(feed.body, feed.contentType, site);
}

async function shareRedirect(code: string, { store, site }: ReadDeps): Promise<HttpResponse> {
  if (!isPlausibleShareCode(code)) throw new NotFound('no such share link');
  const link = await store.getShareLink(code);
  if (!link) throw new NotFound('no such share link');
  if (link.gone) throw new Gone('this post was removed');
  return redirectResponse(absoluteUrl(site.baseUrl, link.path));
}
