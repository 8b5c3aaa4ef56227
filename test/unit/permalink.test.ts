import { describe, expect, it } from 'vitest';
import {
  jekyllPath,
  PERMALINK_STYLES,
  permalinkTemplate,
  slugify,
  titleFromSlug,
} from '../../functions/core/permalink';
import { parsePostDate } from '../../functions/core/post-date';
import { feedKey, feedPath, nameInUrl, writtenName } from '../../functions/core/urls';

/*
 * Jekyll 4's URL rules (lib/jekyll/drops/url_drop.rb, url.rb, utils.rb). test/integration/
 * jekyll-parity.test.ts compares whole sites with what Debian's jekyll builds.
 */
describe('slugify, as Jekyll’s Utils.slugify', () => {
  it('replaces runs of what a mode does not keep with one hyphen, trims hyphens, and lowercases', () => {
    expect(slugify('UX/UI')).toBe('ux-ui');
    expect(slugify('  Foo  Bar! ')).toBe('foo-bar');
    expect(slugify('成都 日报')).toBe('成都-日报');
    expect(slugify('C#')).toBe('c');
    expect(slugify('Hello World & you?', 'pretty', true)).toBe('Hello-World-&-you');
    expect(slugify('Custom Slug!', 'pretty', true)).toBe('Custom-Slug!');
    expect(slugify('a b', 'raw')).toBe('a-b');
    expect(slugify('Café', 'ascii')).toBe('caf');
  });

  it('titles a slug as Jekyll does for a post without a title', () => {
    expect(titleFromSlug('my-FIRST-post')).toBe('My First Post');
  });
});

describe('jekyllPath', () => {
  const date = parsePostDate('2022-01-03 04:05:06 +0800');
  const parts = {
    categories: ['News', 'UX/UI', 'news'],
    date,
    slug: 'Hello World',
    basename: '2022-01-03-Hello World',
  };

  it('builds each named style', () => {
    const built = Object.fromEntries(
      Object.entries(PERMALINK_STYLES).map(([style, template]) => [style, jekyllPath(template, parts)]),
    );
    expect(built).toEqual({
      date: '/news/ux/ui/2022/01/03/Hello-World.html',
      pretty: '/news/ux/ui/2022/01/03/Hello-World/',
      ordinal: '/news/ux/ui/2022/003/Hello-World.html',
      weekdate: '/news/ux/ui/2022/W01/Mon/Hello-World.html',
      none: '/news/ux/ui/Hello-World.html',
    });
  });

  it('fills every placeholder Jekyll gives a post', () => {
    const template =
      '/:year/:short_year/:month/:i_month/:short_month/:long_month/:day/:i_day/:y_day/:hour:minute:second' +
      '/:week/:w_year/:w_day/:short_day/:long_day/:title/:slug/:name/:categories/:slugified_categories:output_ext';
    expect(jekyllPath(template, parts)).toBe(
      '/2022/22/01/1/Jan/January/03/3/003/040506/01/2022/1/Mon/Monday/Hello-World/hello-world/2022-01-03-hello-world/news/ux/ui/news/ux-ui.html',
    );
  });

  it('uses the ISO week year at the turn of the year', () => {
    const early = { ...parts, date: parsePostDate('2021-01-01') };
    expect(jekyllPath('/:w_year/W:week/:year', early)).toBe('/2020/W53/2021');
  });

  it('reads `:month_:day` as :month then _', () => {
    expect(jekyllPath('/:year/:month_:day/:title', parts)).toBe('/2022/01_03/Hello-World');
  });

  it('cleans up as Jekyll does: // to /, .. inside a value to /', () => {
    expect(jekyllPath('/:categories/:title', { ...parts, categories: [] })).toBe('/Hello-World');
    expect(jekyllPath('/:title', { ...parts, slug: 'a..b' })).toBe('/a/b');
    expect(jekyllPath('/a%20b/:title/', parts)).toBe('/a b/Hello-World/');
  });

  it('refuses a placeholder Jekyll does not know, and . or .. segments', () => {
    expect(() => jekyllPath('/:yaer/:title', parts)).toThrow(
      'permalink "/:yaer/:title" has the placeholder :yaer, which Jekyll does not know for posts',
    );
    expect(() => jekyllPath('/a/../b', parts)).toThrow(/contains \. or \.\. segments/);
  });

  it('maps style names, and keeps a template as written', () => {
    expect(permalinkTemplate('pretty')).toBe('/:categories/:year/:month/:day/:title/');
    expect(permalinkTemplate('/:year/:title/')).toBe('/:year/:title/');
  });
});

describe('category and tag names in URLs', () => {
  it('keeps a name a path segment can hold, and makes Jekyll’s slug of one with / ? # % or \\', () => {
    expect(nameInUrl('成都 日报')).toBe('成都 日报');
    expect(nameInUrl('News')).toBe('News');
    expect(nameInUrl('UX/UI')).toBe('ux-ui');
    expect(nameInUrl('100% #1?')).toBe('100-1');
    expect(feedPath({ kind: 'category', name: 'UX/UI' }, 'rss')).toBe('/category/ux-ui.rss');
    expect(feedKey({ kind: 'tag', name: 'C#' })).toBe('tag#c');
  });

  it('finds the name as written for a feed looked up by its URL name', () => {
    const entries = [
      { categories: ['news'], tags: [] },
      { categories: ['UX/UI'], tags: ['C#'] },
    ];
    expect(writtenName({ kind: 'category', name: 'ux-ui' }, entries)).toEqual({ kind: 'category', name: 'UX/UI' });
    expect(writtenName({ kind: 'tag', name: 'c' }, entries)).toEqual({ kind: 'tag', name: 'C#' });
    expect(writtenName({ kind: 'tag', name: 'gone' }, entries)).toEqual({ kind: 'tag', name: 'gone' });
  });
});
