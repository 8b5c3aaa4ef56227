import { describe, expect, it } from 'vitest';
import { matchRoute, ROUTE_METHODS, ROUTES, routeKey } from '../../functions/core/routes';

/** The view and path parameters a request path resolves to. */
function resolve(path: string) {
  const match = matchRoute(path);
  return match && { view: match.route.view, params: match.pathParameters };
}

describe('matchRoute', () => {
  it('serves / as the home page', () => {
    expect(resolve('/')).toEqual({ view: 'home', params: {} });
  });

  it('prefers the literal /feed.rss over the greedy post route', () => {
    expect(resolve('/feed.rss')).toEqual({ view: 'siteFeed', params: {} });
    expect(resolve('/feed.atom')?.view).toBe('siteFeed');
    expect(resolve('/feed.json')?.view).toBe('siteFeed');
  });

  it('gives a category its whole file name as one parameter', () => {
    expect(resolve('/category/a.rss')).toEqual({ view: 'category', params: { file: 'a.rss' } });
    expect(resolve('/category/chengduribao.html')).toEqual({ view: 'category', params: { file: 'chengduribao.html' } });
  });

  it('routes tags like categories, with names passed as given', () => {
    expect(resolve('/tag/成都日报新闻.json')).toEqual({ view: 'tag', params: { file: '成都日报新闻.json' } });
  });

  it('routes /s/{code} to the short link', () => {
    expect(resolve('/s/abc')).toEqual({ view: 'shortLink', params: { code: 'abc' } });
  });

  it('routes the legacy share page literally', () => {
    expect(resolve('/html_News/NewsShare.html')).toEqual({ view: 'legacyShare', params: {} });
  });

  it('sends any other path to the post page with the rest as the greedy proxy', () => {
    expect(resolve('/x/y/z.html')).toEqual({ view: 'postPage', params: { proxy: 'x/y/z.html' } });
    expect(resolve('/feed.xml')).toEqual({ view: 'postPage', params: { proxy: 'feed.xml' } });
  });

  it('matches variables as whole segments only: /category/a/b.rss is a post page', () => {
    expect(resolve('/category/a/b.rss')).toEqual({ view: 'postPage', params: { proxy: 'category/a/b.rss' } });
    expect(resolve('/s/abc/def')).toEqual({ view: 'postPage', params: { proxy: 's/abc/def' } });
  });

  it('does not give an empty segment to a variable: /category/ is not a category', () => {
    expect(resolve('/category/')?.view).not.toBe('category');
    expect(resolve('/category/')).toEqual({ view: 'postPage', params: { proxy: 'category/' } });
    expect(resolve('/s/')?.view).toBe('postPage');
  });

  it('matches literals exactly (case and trailing slash count)', () => {
    expect(resolve('/Feed.rss')?.view).toBe('postPage');
    expect(resolve('/html_News/NewsShare.html/')?.view).toBe('postPage');
  });

  it('registers GET route keys for every route in API Gateway syntax', () => {
    expect(ROUTES.map((route) => routeKey('GET', route))).toContain('GET /{proxy+}');
    expect(routeKey('HEAD', ROUTES.find((route) => route.view === 'category')!)).toBe('HEAD /category/{file}');
  });

  // The table the stack deploys and the local server matches: a change here moves public URLs.
  it('serves exactly these routes, each for GET and HEAD (golden table)', () => {
    expect(ROUTES.map((route) => `${route.path} ${route.view}`)).toEqual([
      '/ home',
      '/feed.rss siteFeed',
      '/feed.atom siteFeed',
      '/feed.json siteFeed',
      '/feeds.opml opml',
      '/category/{file} category',
      '/tag/{file} tag',
      '/s/{code} shortLink',
      '/html_News/NewsShare.html legacyShare',
      '/{proxy+} postPage',
    ]);
    expect(ROUTE_METHODS).toEqual(['GET', 'HEAD']);
  });

  it('serves the OPML list of feeds at /feeds.opml', () => {
    expect(resolve('/feeds.opml')).toEqual({ view: 'opml', params: {} });
  });

  it('matches nothing for a path without a leading segment', () => {
    expect(matchRoute('')).toBeUndefined();
  });
});
