import type { FeedRef } from './post';

/**
 * The public HTTP surface, in API Gateway HTTP API route syntax. The CDK stack registers
 * exactly these routes and the local server matches requests against them, so the two
 * cannot drift. Path variables are whole segments; `{proxy+}` is greedy.
 */
export type ViewName =
  | 'home'
  | 'siteFeed'
  | 'opml'
  | 'category'
  | 'tag'
  | 'shortLink'
  | 'legacyShare'
  | 'postPage'
  | 'robots'
  | 'sitemapIndex'
  | 'newsSitemap'
  | 'sitemap';

export interface Route {
  path: string;
  view: ViewName;
}

/** The longest path a post page can have: DynamoDB's limit for a key (the path index's). */
export const MAX_PATH_BYTES = 2048;

/** HTTP API does not answer HEAD on a GET route by itself, so every route takes both. */
export const ROUTE_METHODS = ['GET', 'HEAD'] as const;

export const ROUTES: readonly Route[] = [
  { path: '/', view: 'home' },
  { path: '/feed.rss', view: 'siteFeed' },
  { path: '/feed.atom', view: 'siteFeed' },
  { path: '/feed.json', view: 'siteFeed' },
  { path: '/feeds.opml', view: 'opml' },
  { path: '/robots.txt', view: 'robots' },
  { path: '/sitemap.xml', view: 'sitemapIndex' },
  { path: '/news-sitemap.xml', view: 'newsSitemap' },
  { path: '/sitemaps/{file}', view: 'sitemap' },
  { path: '/category/{file}', view: 'category' },
  { path: '/tag/{file}', view: 'tag' },
  { path: '/s/{code}', view: 'shortLink' },
  { path: '/html_News/NewsShare.html', view: 'legacyShare' },
  { path: '/{proxy+}', view: 'postPage' },
];

export interface RouteMatch {
  route: Route;
  pathParameters: Record<string, string>;
}

/** A route's template, split once: literal segments, `{name}` and a final `{name+}`. */
type Part = { literal: string } | { variable: string } | { greedy: string };

function compile(template: string): Part[] {
  return template
    .split('/')
    .slice(1)
    .map((part) => {
      const greedy = /^\{(\w+)\+\}$/.exec(part);
      if (greedy) return { greedy: greedy[1] };
      const variable = /^\{(\w+)\}$/.exec(part);
      return variable ? { variable: variable[1] } : { literal: part };
    });
}

function specificity(route: Route): number {
  if (route.path.includes('+}')) return 0;
  return route.path.includes('{') ? 1 : 2;
}

/** Literal routes first, then routes with variables, the greedy route last. */
const RANKED_ROUTES = [...ROUTES]
  .sort((a, b) => specificity(b) - specificity(a))
  .map((route) => ({ route, parts: compile(route.path) }));

/**
 * Matches a decoded request path as API Gateway does: literal routes win over variables,
 * a greedy `{proxy+}` route comes last.
 */
export function matchRoute(path: string): RouteMatch | undefined {
  const segments = path.split('/').slice(1);
  for (const { route, parts } of RANKED_ROUTES) {
    const pathParameters = matchParts(parts, segments);
    if (pathParameters) return { route, pathParameters };
  }
  return undefined;
}

function matchParts(parts: Part[], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if ('greedy' in part) {
      const rest = segments.slice(i).join('/');
      if (rest === '') return undefined;
      params[part.greedy] = rest;
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if ('variable' in part) {
      if (segment === '') return undefined;
      params[part.variable] = segment;
    } else if (part.literal !== segment) {
      return undefined;
    }
  }
  return segments.length === parts.length ? params : undefined;
}

export function routeKey(method: string, route: Route): string {
  return `${method} ${route.path}`;
}

/**
 * Feed addresses of the generators sites move here from: each answers 301 to the feed of ours
 * that serves the same posts, in the format it served (jekyll-feed: Atom; Hugo and WordPress:
 * RSS). On HTTP API they all fall to the greedy route, whose view answers them before looking
 * for a page, and no permalink may take one (functions/core/parse-post.ts).
 */
export const FEED_ALIASES: ReadonlyArray<{
  pattern: RegExp;
  kind: 'site' | 'category' | 'tag';
  format: 'rss' | 'atom';
  from: string;
}> = [
  { pattern: /^\/feed\.xml$/, kind: 'site', format: 'atom', from: 'jekyll-feed' },
  { pattern: /^\/atom\.xml$/, kind: 'site', format: 'atom', from: 'Jekyll themes, Hexo' },
  { pattern: /^\/rss\.xml$/, kind: 'site', format: 'rss', from: 'Jekyll themes, Gatsby' },
  { pattern: /^\/index\.xml$/, kind: 'site', format: 'rss', from: 'Hugo' },
  { pattern: /^\/feed\/?$/, kind: 'site', format: 'rss', from: 'WordPress' },
  { pattern: /^\/feed\/([^/]+)\.xml$/, kind: 'category', format: 'atom', from: 'jekyll-feed categories' },
  { pattern: /^\/categories\/([^/]+)\/index\.xml$/, kind: 'category', format: 'rss', from: 'Hugo' },
  { pattern: /^\/tags\/([^/]+)\/index\.xml$/, kind: 'tag', format: 'rss', from: 'Hugo' },
  { pattern: /^\/category\/([^/]+)\/feed\/?$/, kind: 'category', format: 'rss', from: 'WordPress' },
  { pattern: /^\/tag\/([^/]+)\/feed\/?$/, kind: 'tag', format: 'rss', from: 'WordPress' },
];

/** The feed a decoded path is another generator's address of, if it is one. */
export function feedAliasOf(path: string): { ref: FeedRef; format: 'rss' | 'atom' } | undefined {
  for (const alias of FEED_ALIASES) {
    const match = alias.pattern.exec(path);
    if (!match) continue;
    const ref: FeedRef =
      alias.kind === 'site' ? { kind: 'site' } : { kind: alias.kind, name: match[1].normalize('NFC') };
    return { ref, format: alias.format };
  }
  return undefined;
}
