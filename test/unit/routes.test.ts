import { describe, expect, it } from 'vitest';
import { FEED_ALIASES, feedAliasOf, matchRoute, ROUTE_METHODS, ROUTES, routeKey } from '../../functions/core/routes';

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
      '/robots.txt robots',
      '/sitemap.xml sitemapIndex',
      '/news-sitemap.xml newsSitemap',
      '/sitemaps/{file} sitemap',
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

describe("feedAliasOf: other generators' feed addresses (each answers 301 to ours)", () => {
  // Golden: readers subscribed to these addresses before the site moved here.
  const aliases: Array<[string, ReturnType<typeof feedAliasOf>]> = [
    ['/feed.xml', { ref: { kind: 'site' }, format: 'atom' }],
    ['/atom.xml', { ref: { kind: 'site' }, format: 'atom' }],
    ['/rss.xml', { ref: { kind: 'site' }, format: 'rss' }],
    ['/index.xml', { ref: { kind: 'site' }, format: 'rss' }],
    ['/feed', { ref: { kind: 'site' }, format: 'rss' }],
    ['/feed/', { ref: { kind: 'site' }, format: 'rss' }],
    ['/feed/metro.xml', { ref: { kind: 'category', name: 'metro' }, format: 'atom' }],
    ['/categories/metro/index.xml', { ref: { kind: 'category', name: 'metro' }, format: 'rss' }],
    ['/tags/rail/index.xml', { ref: { kind: 'tag', name: 'rail' }, format: 'rss' }],
    ['/category/metro/feed', { ref: { kind: 'category', name: 'metro' }, format: 'rss' }],
    ['/category/metro/feed/', { ref: { kind: 'category', name: 'metro' }, format: 'rss' }],
    ['/tag/rail/feed', { ref: { kind: 'tag', name: 'rail' }, format: 'rss' }],
    ['/tag/rail/feed/', { ref: { kind: 'tag', name: 'rail' }, format: 'rss' }],
  ];
  for (const [path, feed] of aliases) {
    it(`sends ${path} to ${JSON.stringify(feed)}`, () => {
      expect(feedAliasOf(path)).toEqual(feed);
    });
  }

  it('gives names in NFC, as the feeds are stored', () => {
    expect(feedAliasOf('/tag/cafe\u0301/feed')).toEqual({ ref: { kind: 'tag', name: 'caf\u00e9' }, format: 'rss' });
  });

  it('lists each address with the generator it comes from', () => {
    expect(FEED_ALIASES.map((alias) => `${alias.pattern.source} ${alias.kind} ${alias.format} ${alias.from}`)).toEqual([
      '^\\/feed\\.xml$ site atom jekyll-feed',
      '^\\/atom\\.xml$ site atom Jekyll themes, Hexo',
      '^\\/rss\\.xml$ site rss Jekyll themes, Gatsby',
      '^\\/index\\.xml$ site rss Hugo',
      '^\\/feed\\/?$ site rss WordPress',
      '^\\/feed\\/([^/]+)\\.xml$ category atom jekyll-feed categories',
      '^\\/categories\\/([^/]+)\\/index\\.xml$ category rss Hugo',
      '^\\/tags\\/([^/]+)\\/index\\.xml$ tag rss Hugo',
      '^\\/category\\/([^/]+)\\/feed\\/?$ category rss WordPress',
      '^\\/tag\\/([^/]+)\\/feed\\/?$ tag rss WordPress',
    ]);
  });

  const notAliases: Array<[string, string]> = [
    ['our own feed', '/feed.rss'],
    ['a post page', '/2022/01/12/feed.html'],
    ['an alias inside a longer path', '/blog/feed.xml'],
    ['an alias with more after it', '/feed.xml.bak'],
    ['an alias with a dot for any character', '/feedxxml'],
    ['an alias of atom with a dot for any character', '/atomxxml'],
    ['an alias of rss with a dot for any character', '/rssxxml'],
    ['an alias of index with a dot for any character', '/indexxxml'],
    ['/feed with a second slash', '/feed//'],
    ['/feed with more after it', '/feed/x'],
    ['a jekyll-feed category with a slash in its name', '/feed/a/b.xml'],
    ['a jekyll-feed category without a name', '/feed/.xml'],
    ['a jekyll-feed category with a dot for any character', '/feed/metroxxml'],
    ['a Hugo category with a slash in its name', '/categories/a/b/index.xml'],
    ['a Hugo category without a name', '/categories//index.xml'],
    ['a Hugo category with more after it', '/categories/metro/index.xml/'],
    ['a Hugo category inside a longer path', '/x/categories/metro/index.xml'],
    ['a Hugo category with a dot for any character', '/categories/metro/indexxxml'],
    ['a Hugo tag with a slash in its name', '/tags/a/b/index.xml'],
    ['a Hugo tag without a name', '/tags//index.xml'],
    ['a Hugo tag with more after it', '/tags/rail/index.xml/'],
    ['a Hugo tag inside a longer path', '/x/tags/rail/index.xml'],
    ['a Hugo tag with a dot for any character', '/tags/rail/indexxxml'],
    ['a WordPress category with a slash in its name', '/category/a/b/feed'],
    ['a WordPress category without a name', '/category//feed'],
    ['a WordPress category with more after it', '/category/metro/feed/x'],
    ['a WordPress category inside a longer path', '/x/category/metro/feed'],
    ['a WordPress tag with a slash in its name', '/tag/a/b/feed'],
    ['a WordPress tag without a name', '/tag//feed'],
    ['a WordPress tag with more after it', '/tag/rail/feed/x'],
    ['a WordPress tag inside a longer path', '/x/tag/rail/feed'],
    ['our category page', '/category/metro.html'],
  ];
  for (const [what, path] of notAliases) {
    it(`is not ${what} (${path})`, () => {
      expect(feedAliasOf(path)).toBeUndefined();
    });
  }
});
