import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { type ParsedPost, parsePost } from '../../functions/core/parse-post';
import type { Post } from '../../functions/core/post';
import { bodyFormatOf, firstParagraph, renderBody, renderInlineText } from '../../functions/core/render-body';
import { ROUTES } from '../../functions/core/routes';

const SEED_KEY = 'posts/000_7402dedd91baa3ec.txt';
const SEED_TEXT = readFileSync(join(__dirname, '../../content/posts/000_7402dedd91baa3ec.txt'), 'utf8');
const SEED_TITLE = '金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章';
const NOW = '2024-05-01T00:00:00.000Z';

function parse(key: string, text: string): ParsedPost {
  return parsePost(key, text, { now: NOW });
}

/** Parses a file that must publish, and returns its post. */
function post(key: string, text: string): Post {
  const parsed = parse(key, text);
  if (!parsed.published) throw new Error(`expected ${key} to publish`);
  return parsed.post;
}

/** A post file: front-matter lines, then the body. */
function file(frontMatter: string[], body = 'Body text.\n'): string {
  return ['---', ...frontMatter, '---', body].join('\n');
}

/** The PostRejected a parse throws; fails the test when it does not throw one. */
function rejection(key: string, text: string): PostRejected {
  try {
    parse(key, text);
  } catch (error) {
    if (error instanceof PostRejected) return error;
    throw error;
  }
  throw new Error(`expected ${key} to be rejected`);
}

describe('parsePost: the seed post', () => {
  // Parsed inside each test, not here: Stryker's per-test coverage (npm run mutation) counts code
  // run while a describe block is collected as "static", which would run every test for each mutant.
  const seed = () => post(SEED_KEY, SEED_TEXT);

  it('takes its identity from the infoCode in the body’s legacy share link', () => {
    expect(seed().id).toBe('NW202201122244036113');
    expect(seed().infoCode).toBe('NW202201122244036113');
  });

  it('keeps the title byte for byte', () => {
    expect(Buffer.from(seed().title, 'utf8').equals(Buffer.from(SEED_TITLE, 'utf8'))).toBe(true);
  });

  it('keeps the date in the post’s own +08:00 offset', () => {
    expect(seed().date).toBe('2022-01-12T02:44:46+08:00');
  });

  it('reads categories and tags given as single strings', () => {
    expect(seed().categories).toEqual(['chengduribao']);
    expect(seed().tags).toEqual(['成都日报新闻']);
  });

  it('builds the default permalink from the date in its own offset (UTC would be the 11th)', () => {
    expect(seed().path).toBe('/chengduribao/2022/01/12/000_7402dedd91baa3ec.html');
  });

  it('records the source key, the update time and nothing in extra (layout is ignored)', () => {
    expect(seed().sourceKey).toBe(SEED_KEY);
    expect(seed().updated).toBe(NOW);
    expect(seed().extra).toEqual({});
  });

  it('renders the body as Markdown: the autolink and the Markdown links become <a> tags', () => {
    expect(seed().html).toContain(
      '<a href="http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201122244036113">' +
        'http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201122244036113</a>',
    );
    expect(seed().html).toContain('<a href="//finews.withounder.com/category/chengduribao.html">返回成都日报新闻</a>');
    expect(seed().html).toContain('<a href="//finews.withounder.com/">返回首页</a>');
    expect(seed().html).not.toContain('<http://');
    expect(seed().html).not.toContain('](//');
  });

  it('passes the HTML paragraphs through unchanged', () => {
    expect(seed().html.startsWith('<p>2022年，金牛区将坚持稳字当头')).toBe(true);
    expect(seed().html).toContain('<p><strong>主动融入双城经济圈建设</strong></p>');
    expect(seed().html).toContain('<p class="em_media">（文章来源：成都日报）</p>');
  });

  it('summarizes with the first paragraph only', () => {
    expect(seed().summary).toMatch(/^<p>2022年，金牛区将坚持稳字当头[^<]*以优异成绩迎接党的二十大胜利召开。<\/p>$/);
  });

  it('gives a 7-character short code and a content hash', () => {
    expect(seed().shortCode).toMatch(/^[A-Za-z0-9]{7}$/);
    expect(seed().contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('parses the same from CRLF line endings and a BOM', () => {
    const crlf = `\uFEFF${SEED_TEXT.replace(/\n/g, '\r\n')}`;
    expect(post(SEED_KEY, crlf)).toEqual(seed());
  });
});

describe('parsePost: dates', () => {
  it('keeps a +08:00 offset written with a colon (a default YAML parser turns it into UTC)', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2023-01-01 00:30:00 +08:00']));
    expect(p.date).toBe('2023-01-01T00:30:00+08:00');
    expect(p.path).toBe('/2023/01/01/a.html');
  });

  it('accepts a date-only value', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-03-04'])).date).toBe('2022-03-04T00:00:00Z');
  });

  it('accepts ISO 8601 with T and Z', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-03-04T05:06:07Z'])).date).toBe('2022-03-04T05:06:07Z');
  });

  it('reads a date without offset in the default offset when one is given', () => {
    const parsed = parsePost('posts/a.md', file(['title: A', 'date: 2022-03-04 23:30']), {
      now: NOW,
      defaultOffsetMinutes: 480,
    });
    expect(parsed.published && parsed.post.date).toBe('2022-03-04T23:30:00+08:00');
  });

  it('takes date and slug from a YYYY-MM-DD-slug.ext file name when front matter has no date', () => {
    const p = post('posts/2022/2022-03-04-hello-world.md', file(['title: A', 'categories: news']));
    expect(p.date).toBe('2022-03-04T00:00:00Z');
    expect(p.path).toBe('/news/2022/03/04/hello-world.html');
  });

  it('takes one extension off the file name, so a dot in the slug stays, as Jekyll does in _posts', () => {
    expect(post('posts/2022-03-04-release-1.2.md', file(['title: A'])).path).toBe('/2022/03/04/release-1.2.html');
    expect(post('posts/_posts/2022-03-04-release-1.2.md', file(['title: A'])).path).toBe(
      '/2022/03/04/release-1.2.html',
    );
    // A file uploaded on its own may have no extension.
    expect(post('posts/2022-03-04-release', file(['title: A'])).path).toBe('/2022/03/04/release.html');
  });

  it('prefers the front-matter date over the file name', () => {
    const p = post('posts/2022-03-04-hello.md', file(['title: A', 'date: 2021-12-31 23:00 +0100']));
    expect(p.date).toBe('2021-12-31T23:00:00+01:00');
    expect(p.path).toBe('/2021/12/31/hello.html');
  });

  it('rejects a post with no date anywhere, saying how to give one', () => {
    const error = rejection('posts/hello.md', file(['title: A']));
    expect(error.message).toBe('post has no date: give `date:` in front matter or name the file YYYY-MM-DD-slug.ext');
  });

  it('rejects an impossible date', () => {
    const error = rejection('posts/a.md', file(['title: A', 'date: 2022-02-30']));
    expect(error.message).toBe('date "2022-02-30" does not exist in the calendar');
  });

  it('rejects a date that is not text (a bare number)', () => {
    expect(rejection('posts/a.md', file(['title: A', 'date: 20220101'])).message).toMatch(
      /^date must be a date such as/,
    );
  });
});

describe('parsePost: categories and tags', () => {
  it('reads a YAML list', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'categories: [成都, news]', 'tags:', '  - one', '  - two']),
    );
    expect(p.categories).toEqual(['成都', 'news']);
    expect(p.tags).toEqual(['one', 'two']);
  });

  it('splits a space-separated string (Jekyll’s rule)', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'categories: "  news  sport "', 'tags: a b\tc']),
    );
    expect(p.categories).toEqual(['news', 'sport']);
    expect(p.tags).toEqual(['a', 'b', 'c']);
  });

  it('reads the singular `category` and `tag`', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'category: 成都日报', 'tag: 新闻']));
    expect(p.categories).toEqual(['成都日报']);
    expect(p.tags).toEqual(['新闻']);
  });

  it('puts every category in the default permalink, in order', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories: [b, 成都]']));
    expect(p.path).toBe('/b/成都/2022/01/01/a.html');
  });

  it('normalizes names to NFC and removes duplicates, keeping first occurrence order', () => {
    const decomposed = 'Cafe\u0301';
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', `tags: [${decomposed}, x, Café, x]`]));
    expect(p.tags).toEqual(['Caf\u00e9', 'x']);
    expect(p.tags[0]).toBe(p.tags[0].normalize('NFC'));
  });

  it('gives empty lists when there are none', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01']));
    expect(p.categories).toEqual([]);
    expect(p.tags).toEqual([]);
  });

  it('keeps a name with / ? # % as written (its URLs use its slug), and refuses one with nothing to make a URL of', () => {
    expect(
      post(
        'posts/a.md',
        file(['title: A', 'date: 2022-01-01', 'categories: [a/b, "100%?"]', 'permalink: /:year/:title.html']),
      ).categories,
    ).toEqual(['a/b', '100%?']);
    // In a post's own URL (`:categories`) Jekyll puts the name as written: no request could reach one with ? or %.
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories: ["100%?"]'])).message).toMatch(
      /contains \? or #, which cannot be part of a page's path/,
    );
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories: ["?#"]'])).message).toBe(
      'categories name "?#" has no letter or digit to make its URL of',
    );
  });
});

describe('parsePost: front-matter fields', () => {
  it('returns only {published: false}, the id and the reason for `published: false`', () => {
    expect(parse('posts/draft.md', file(['title: A', 'date: 2022-01-01', 'published: false']))).toEqual({
      published: false,
      id: 'draft',
      reason: 'published: false in its front matter: Jekyll does not publish it',
    });
  });

  it('publishes when `published: true`', () => {
    expect(parse('posts/a.md', file(['title: A', 'date: 2022-01-01', 'published: true'])).published).toBe(true);
  });

  it('fills permalink placeholders', () => {
    const p = post(
      'posts/2022-02-03-slug.md',
      file([
        'title: A',
        'date: 2022-02-03 23:00 -0500',
        'categories: [A, B]',
        'permalink: /news/:categories/:year/:month/:day/:title/',
      ]),
    );
    // Jekyll downcases :categories.
    expect(p.path).toBe('/news/a/b/2022/02/03/slug/');
  });

  it('uses a literal permalink as given', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories: x', 'permalink: /about/us.html']));
    expect(p.path).toBe('/about/us.html');
  });

  it('rejects a permalink with .. segments', () => {
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'permalink: /a/../b.html'])).message).toBe(
      'permalink "/a/../b.html" contains . or .. segments',
    );
  });

  it('prefers an explicit id over the infoCode in the body', () => {
    const body = '<http://x.example/html_News/NewsShare.html?infoCode=NW1>\n';
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'id: my-id'], body));
    expect(p.id).toBe('my-id');
    expect(p.infoCode).toBe('NW1');
  });

  it('derives the id from the object key without prefix and extension when nothing else gives one', () => {
    const p = post('posts/2022/2022-01-01-a b.md', file(['title: A']));
    expect(p.id).toBe('2022/2022-01-01-a b');
    expect(p.infoCode).toBeUndefined();
  });

  it('keeps unknown fields in extra, as given', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'layout: post', 'source: 成都日报', 'rank: 3', 'meta: {a: [1, 2]}']),
    );
    expect(p.extra).toEqual({ source: '成都日报', rank: 3, meta: { a: [1, 2] } });
  });

  it('keeps the author', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: 张三'])).author).toBe('张三');
  });

  it('uses `excerpt` from front matter as the summary', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'excerpt: Short *and* <b>bold</b>'], 'First.\n\nSecond.\n'),
    );
    expect(p.summary).toBe('<p>Short <em>and</em> <b>bold</b></p>');
  });

  it('uses `description` as the summary when there is no excerpt', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'description: About this'], 'First.\n\nSecond.\n'),
    );
    expect(p.summary).toBe('<p>About this</p>');
  });

  it('uses the text before `excerpt_separator` as the summary', () => {
    const body = 'First.\n\nSecond.\n<!--more-->\nThird.\n';
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'excerpt_separator: <!--more-->'], body));
    expect(p.summary).toBe('<p>First.</p>\n<p>Second.</p>');
    expect(p.html).toContain('<p>Third.</p>');
  });

  it('summarizes with the first paragraph by default', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01'], 'First.\n\nSecond.\n')).summary).toBe(
      '<p>First.</p>',
    );
  });

  it('leaves the summary empty rather than cut a body without paragraphs through a tag', () => {
    const body = `<div>${'<img src="a.png" alt="x"> '.repeat(40)}</div>`;
    expect(post('posts/a.html', file(['title: A', 'date: 2022-01-01'], body)).summary).toBe('');
  });
});

describe('parsePost: bodies', () => {
  const tricky = '    indented *x*\n\n*y*\n';

  it('keeps an .html body as HTML (no Markdown: indented text and *x* stay as written)', () => {
    const p = post('posts/a.html', file(['title: A', 'date: 2022-01-01'], tricky));
    expect(p.html).toBe('indented *x*\n\n*y*');
    expect(p.html).not.toContain('<pre>');
    expect(p.html).not.toContain('<em>');
  });

  it('renders a .md body as Markdown', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01'], tricky));
    expect(p.html).toBe('<pre><code>indented *x*\n</code></pre>\n<p><em>y</em></p>');
  });

  it('sanitizes: no <script>, no event handlers, no javascript: hrefs, data: only on images', () => {
    const body =
      '<p onclick="steal()">a<script>alert(1)</script></p>' +
      '<a href="javascript:alert(1)">j</a>' +
      '<img src="data:image/png;base64,AAAA" onerror="steal()">' +
      '<a href="data:text/html,hi">d</a>\n';
    const html = post('posts/a.html', file(['title: A', 'date: 2022-01-01'], body)).html;
    expect(html).toBe('<p>a</p><a>j</a><img src="data:image/png;base64,AAAA" /><a>d</a>');
  });
});

describe('parsePost: refusals', () => {
  it('locates a YAML syntax error at its line and column in the file', () => {
    const text = file(['title: A', 'date: 2022-01-01', 'bad: : x'], 'body\n');
    const error = rejection('posts/a.md', text);
    expect(error.describe()).toBe(
      'line 4, column 6: front matter is not valid YAML: bad indentation of a mapping entry',
    );
  });

  it('counts the first front-matter line as line 2 of the file', () => {
    const error = rejection('posts/a.md', file(['title: a: b'], 'body\n'));
    expect(error.describe()).toBe(
      'line 2, column 9: front matter is not valid YAML: bad indentation of a mapping entry',
    );
  });

  it('locates a tab used as indentation on its own line', () => {
    const error = rejection('posts/a.md', file(['title: A', '\tdate: x'], 'body\n'));
    expect(error.describe()).toBe(
      'line 3, column 1: front matter is not valid YAML: tab characters must not be used in indentation',
    );
  });

  // Where a writer would look: the quote or bracket that opens what js-yaml finds unclosed at the end.
  it.each([
    [
      'an unclosed double quote',
      ['title: "unclosed', 'date: 2022-01-12', 'categories: news', 'tags: [a]'],
      'line 2, column 8: front matter is not valid YAML: unexpected end of the stream within a double quoted scalar (opened here, never closed)',
    ],
    [
      'an unclosed single quote in a list',
      ['title: A', 'tags:', "  - 'one", '  - two'],
      'line 4, column 5: front matter is not valid YAML: unexpected end of the stream within a single quoted scalar (opened here, never closed)',
    ],
    [
      'a quote closed on the next line, then one never closed',
      ['title: "two', '  lines"', 'excerpt: "open'],
      'line 4, column 10: front matter is not valid YAML: unexpected end of the stream within a double quoted scalar (opened here, never closed)',
    ],
    [
      'an unclosed flow list',
      ['title: A', 'tags: [a, "b]"', 'date: 2022-01-12'],
      'line 3, column 7: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    ],
    [
      'an unclosed flow mapping',
      ['title: A', 'author: {name: B', 'date: 2022-01-12'],
      'line 3, column 9: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    ],
  ])('reports %s where it opens', (_what, frontMatter, message) => {
    const error = rejection('posts/a.md', file(frontMatter));
    expect(error.describe()).toBe(message);
  });

  // The other kinds of error js-yaml reports, each where a writer would fix it (front matter starts on line 2).
  it.each([
    [
      'a duplicate key, at the second one',
      ['title: A', 'date: 2022-01-01', 'title: B'],
      'line 4, column 1',
      'duplicated mapping key',
    ],
    [
      'a list item indented less than the one before',
      ['title: A', 'tags:', '  - a', ' - b'],
      'line 5, column 2',
      'bad indentation of a mapping entry',
    ],
    ['an alias that names no anchor', ['title: A', 'a: &x 1', 'b: *y'], 'line 4, column 6', 'unidentified alias "y"'],
  ])('reports %s', (_what, frontMatter, where, message) => {
    expect(rejection('posts/a.md', file(frontMatter)).describe()).toBe(
      `${where}: front matter is not valid YAML: ${message}`,
    );
  });

  it('refuses front matter that is a list rather than a mapping', () => {
    expect(rejection('posts/a.md', file(['- a', '- b'])).describe()).toBe(
      'line 2: front matter is not a YAML mapping of fields',
    );
  });

  it('counts lines the same with CRLF line endings and a BOM', () => {
    const text = `\uFEFF${file(['title: A', 'date: 2022-01-01', 'bad: : x'], 'body\n').replace(/\n/g, '\r\n')}`;
    expect(rejection('posts/a.md', text).describe()).toBe(
      'line 4, column 6: front matter is not valid YAML: bad indentation of a mapping entry',
    );
  });

  it('refuses a post without a title at line 1', () => {
    expect(rejection('posts/a.md', file(['date: 2022-01-01'])).describe()).toBe('line 1: front matter has no title');
  });

  it("refuses a blank title, on the title's line", () => {
    expect(rejection('posts/a.md', file(['title: "  "', 'date: 2022-01-01'])).describe()).toBe(
      'line 2: front matter has no title',
    );
  });

  it('refuses a file without front matter', () => {
    expect(rejection('posts/a.md', 'Just text.\n').describe()).toBe(
      'line 1: file does not start with YAML front matter (---)',
    );
  });

  it('refuses a title that is a list', () => {
    expect(rejection('posts/a.md', file(['title: [a, b]', 'date: 2022-01-01'])).message).toBe(
      'front matter field "title" must be text, not a list or mapping',
    );
  });
});

describe('render-body', () => {
  it('treats .html and .htm (any case) as HTML and every other extension as Markdown', () => {
    expect(bodyFormatOf('posts/a.html')).toBe('html');
    expect(bodyFormatOf('posts/a.HTM')).toBe('html');
    expect(bodyFormatOf('posts/a.md')).toBe('markdown');
    expect(bodyFormatOf('posts/a.markdown')).toBe('markdown');
    expect(bodyFormatOf('posts/a.txt')).toBe('markdown');
    expect(bodyFormatOf('posts/a.html.txt')).toBe('markdown');
  });

  it('passes HTML blocks through Markdown and renders Markdown around them', () => {
    expect(renderBody('<p class="lead">Hi</p>\n\n[link](https://x.example/)\n', 'markdown')).toBe(
      '<p class="lead">Hi</p>\n<p><a href="https://x.example/">link</a></p>',
    );
  });

  it('renders GitHub tables', () => {
    expect(renderBody('| a | b |\n|---|---|\n| 1 | 2 |\n', 'markdown')).toContain('<td>1</td>');
  });

  it('links bare http(s) URLs, www. addresses and e-mail addresses, as GitHub does', () => {
    expect(renderBody('see https://x.example/a?b=1. now', 'markdown')).toBe(
      '<p>see <a href="https://x.example/a?b=1">https://x.example/a?b=1</a>. now</p>',
    );
    expect(renderBody('visit www.example.com/help today', 'markdown')).toBe(
      '<p>visit <a href="http://www.example.com/help">www.example.com/help</a> today</p>',
    );
    expect(renderBody('mail news@example.com', 'markdown')).toBe(
      '<p>mail <a href="mailto:news@example.com">news@example.com</a></p>',
    );
  });

  it('links <…> autolinks, and leaves bare domains, //host, ftp: and text inside HTML blocks alone', () => {
    expect(renderBody('<http://x.example/a>', 'markdown')).toBe(
      '<p><a href="http://x.example/a">http://x.example/a</a></p>',
    );
    expect(renderBody('example.com and //x.example/a and ftp://x.example/', 'markdown')).toBe(
      '<p>example.com and //x.example/a and ftp://x.example/</p>',
    );
    expect(renderBody('<p>in html https://x.example/</p>', 'markdown')).toBe('<p>in html https://x.example/</p>');
    expect(renderBody('`https://x.example/`', 'markdown')).toBe('<p><code>https://x.example/</code></p>');
  });

  it('removes iframes, style and event handlers, keeps protocol-relative links', () => {
    const html = renderBody(
      '<iframe src="https://x.example/"></iframe><style>p{}</style><a href="//x.example/a" onmouseover="x()">a</a>',
      'html',
    );
    expect(html).toBe('<a href="//x.example/a">a</a>');
  });

  it('keeps data: out of non-image src attributes', () => {
    expect(renderBody('<video src="data:video/mp4;base64,AAAA"></video>', 'html')).toBe('<video></video>');
  });

  it('finds the first paragraph of rendered HTML, or nothing', () => {
    expect(firstParagraph('<h1>T</h1><p class="a">one</p><p>two</p>')).toBe('<p class="a">one</p>');
    expect(firstParagraph('<pre>x</pre><param><p>two</p>')).toBe('<p>two</p>');
    expect(firstParagraph('<div>no paragraph</div>')).toBe('');
  });

  it('renders inline Markdown without a paragraph wrapper and sanitized', () => {
    expect(renderInlineText('a *b* <script>x</script>')).toBe('a <em>b</em> ');
  });
});

describe('render-body: sanitizing', () => {
  const clean = (html: string, iframeHosts: string[] = []) => renderBody(html, 'html', { iframeHosts });

  const removed: Array<[string, string, string]> = [
    ['<script> blocks', '<p>a</p><script>alert(1)</script>', '<p>a</p>'],
    ['event-handler attributes of any case', '<p onclick="x()" ONMOUSEOVER="y()" onfocus=z>a</p>', '<p>a</p>'],
    ['javascript: links, whatever their case', '<a href="JaVaScRiPt:alert(1)">a</a>', '<a>a</a>'],
    [
      'javascript: hidden by a tab and entities',
      '<a href="java&#9;script:alert(1)">a</a><a href="&#106;avascript:alert(1)">b</a>',
      '<a>a</a><a>b</a>',
    ],
    ['vbscript: and data: links', '<a href="vbscript:x">a</a><a href="data:text/html,x">b</a>', '<a>a</a><a>b</a>'],
    ['data: in a video poster', '<video poster="data:image/png;base64,AAAA"></video>', '<video></video>'],
    ['style elements and attributes', '<style>p{}</style><p style="color:red">a</p>', '<p>a</p>'],
    [
      'object, embed, form and SVG',
      '<object data="x"></object><embed src="x"><form action="x"><input></form><svg onload="x()"></svg>',
      '',
    ],
    ['iframes when no host is allowed', '<iframe src="https://www.youtube.com/embed/x"></iframe>', ''],
  ];
  for (const [what, html, expected] of removed) {
    it(`removes ${what}`, () => {
      expect(clean(html)).toBe(expected);
    });
  }

  it('keeps data: images', () => {
    expect(clean('<img src="data:image/png;base64,AAAA" alt="x">')).toBe(
      '<img src="data:image/png;base64,AAAA" alt="x" />',
    );
  });

  it('keeps iframes from an allowed host only (IFRAME_HOSTS), and never relative ones', () => {
    const hosts = ['www.youtube.com'];
    expect(clean('<iframe src="https://www.youtube.com/embed/x" width="560" onload="x()"></iframe>', hosts)).toBe(
      '<iframe src="https://www.youtube.com/embed/x" width="560"></iframe>',
    );
    expect(clean('<iframe src="https://evil.example/embed/x"></iframe>', hosts)).toBe('<iframe></iframe>');
    expect(clean('<iframe src="/embed/x"></iframe>', hosts)).toBe('<iframe></iframe>');
    expect(clean('<iframe src="javascript:alert(1)"></iframe>', hosts)).toBe('<iframe></iframe>');
  });

  it('sanitizes Markdown output the same way (raw HTML inside Markdown)', () => {
    expect(renderBody('Hello <img src=x onerror=alert(1)> [x](javascript:alert(1))', 'markdown')).toBe(
      '<p>Hello <img src="x" /> [x](javascript:alert(1))</p>',
    );
  });
});

describe('render-body: relative URLs resolved against the post', () => {
  const at = (html: string, postPath = '/成都/2022/01/12/a b.html', format: 'html' | 'markdown' = 'html') =>
    renderBody(html, format, { postPath });

  it("turns relative href and src into root-relative paths in the post's folder", () => {
    expect(at('<a href="more.html">m</a><img src="img/photo 1.png">')).toBe(
      '<a href="/%E6%88%90%E9%83%BD/2022/01/12/more.html">m</a><img src="/%E6%88%90%E9%83%BD/2022/01/12/img/photo%201.png" />',
    );
  });

  it('resolves ../, ./, query-only and fragment-only references like a browser would', () => {
    expect(
      at(
        '<a href="../../index.html">a</a><a href="./x.html">b</a><a href="?page=2">c</a><a href="#notes">d</a>',
        '/news/2022/01/a.html',
      ),
    ).toBe(
      '<a href="/news/index.html">a</a><a href="/news/2022/01/x.html">b</a><a href="/news/2022/01/a.html?page=2">c</a><a href="/news/2022/01/a.html#notes">d</a>',
    );
  });

  it('resolves against a permalink that is a folder (trailing slash)', () => {
    expect(at('<img src="cover.jpg">', '/news/slug/')).toBe('<img src="/news/slug/cover.jpg" />');
  });

  it('resolves every candidate of a srcset', () => {
    expect(at('<img srcset="a.png 1x, /b.png 2x, https://x.example/c.png 3x">', '/p/a.html')).toBe(
      '<img srcset="/p/a.png 1x, /b.png 2x, https://x.example/c.png 3x" />',
    );
  });

  it('leaves root-relative, protocol-relative, absolute and mailto: URLs as written', () => {
    const html =
      '<a href="/category/x.html">a</a><a href="//x.example/a">b</a><a href="https://x.example/">c</a><a href="mailto:a@x.example">d</a>';
    expect(at(html, '/p/a.html')).toBe(html);
  });

  it('resolves Markdown links and images too', () => {
    expect(at('[more](more.html) ![p](p.png)', '/p/a.html', 'markdown')).toBe(
      '<p><a href="/p/more.html">more</a> <img src="/p/p.png" alt="p" /></p>',
    );
  });

  it("leaves the seed's protocol-relative Markdown links as written", () => {
    const seed = post(SEED_KEY, SEED_TEXT);
    expect(seed.html).toContain('href="//finews.withounder.com/category/chengduribao.html"');
  });

  it('resolves relative URLs in a front-matter excerpt as well', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'categories: x', 'excerpt: "see [this](b.html)"']),
    );
    expect(p.summary).toBe('<p>see <a href="/x/2022/01/01/b.html">this</a></p>');
  });
});

describe('parsePost: front matter as Jekyll users write it', () => {
  it('keeps the offset of every accepted date form', () => {
    const forms: Array<[string, string]> = [
      ['2022-01-12 02:44:46 +0800', '2022-01-12T02:44:46+08:00'],
      ['2022-01-12 02:44:46 +08:00', '2022-01-12T02:44:46+08:00'],
      ['2022-01-12T02:44:46+08:00', '2022-01-12T02:44:46+08:00'],
      ['2022-01-12T02:44+08:00', '2022-01-12T02:44:00+08:00'],
      ['2022-01-12 02:44', '2022-01-12T02:44:00Z'],
      ['2022-01-12', '2022-01-12T00:00:00Z'],
      ['"2022-01-12 02:44:46 -0500"', '2022-01-12T02:44:46-05:00'],
    ];
    for (const [written, stored] of forms) {
      expect(post('posts/a.md', file(['title: A', `date: ${written}`])).date, written).toBe(stored);
    }
  });

  it('reads `categories` and `tags` as lists or space-separated strings, trimmed, NFC and de-duplicated', () => {
    const p = post(
      'posts/a.md',
      file([
        'title: A',
        'date: 2022-01-01',
        'categories: " 成都  news 成都 "',
        'tags: [" a ", "Cafe\u0301", "Café", a]',
      ]),
    );
    expect(p.categories).toEqual(['成都', 'news']);
    expect(p.tags).toEqual(['a', 'Café']);
  });

  it('reads author as a name, a list of names or a mapping with a name', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: 张三'])).author).toBe('张三');
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: [张三, 李四]'])).author).toBe(
      '张三, 李四',
    );
    expect(
      post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: {name: 王五, email: w@x.example}'])).author,
    ).toBe('王五');
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01'])).author).toBeUndefined();
  });

  it('takes an explicit id as identity, keeping a legacy infoCode found in the body', () => {
    const p = post(
      'posts/a.md',
      file(
        ['title: A', 'date: 2022-01-01', 'id: story-42'],
        '<http://x.example/html_News/NewsShare.html?infoCode=NW9>\n',
      ),
    );
    expect([p.id, p.infoCode]).toEqual(['story-42', 'NW9']);
  });

  it('takes an infoCode from front matter as identity and legacy share code', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'infoCode: NW202201122244036113']));
    expect([p.id, p.infoCode]).toEqual(['NW202201122244036113', 'NW202201122244036113']);
  });

  it('finds the infoCode of a legacy link among other query parameters', () => {
    const p = post(
      'posts/a.md',
      file(
        ['title: A', 'date: 2022-01-01'],
        '[old](http://x.example/html_News/NewsShare.html?from=app&infoCode=NW77&x=1)\n',
      ),
    );
    expect(p.id).toBe('NW77');
  });

  it('returns published: false with the id for a draft, whatever else is wrong with it', () => {
    expect(parse('posts/draft.md', file(['published: false', 'infoCode: NW5']))).toMatchObject({
      published: false,
      id: 'NW5',
    });
  });

  it('keeps unknown fields, including nested ones and ones that look like dates, as given', () => {
    const p = post(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'revised: 2023-01-01 00:30:00 +08:00', 'seo: {keywords: [成都, 新闻]}']),
    );
    expect(p.extra).toEqual({ revised: '2023-01-01 00:30:00 +08:00', seo: { keywords: ['成都', '新闻'] } });
  });

  it("takes last_modified_at (jekyll-feed's and jekyll-seo-tag's field) as the time the post was updated", () => {
    const parsed = parsePost(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-01', 'last_modified_at: 2023-01-01 00:30:00 +08:00']),
      { now: NOW },
    );
    expect(parsed).toMatchObject({
      published: true,
      updatedGiven: true,
      post: { updated: '2022-12-31T16:30:00.000Z', extra: {} },
    });
    expect(parsePost('posts/a.md', file(['title: A', 'date: 2022-01-01']), { now: NOW })).not.toHaveProperty(
      'updatedGiven',
    );
    expect(() =>
      parsePost('posts/a.md', file(['title: A', 'date: 2022-01-01', 'last_modified_at: yesterday']), { now: NOW }),
    ).toThrow(/not a date Jekyll understands/);
  });

  it('removes control characters XML forbids from the title and the body', () => {
    const p = post('posts/a.md', file(['title: "a\u0001b\u001Fc\uFFFEd"', 'date: 2022-01-01'], 'x\u0000y\u0008z\n'));
    expect(p.title).toBe('abcd');
    expect(p.html).toBe('<p>xyz</p>');
  });
});

describe('parsePost: front-matter limits', () => {
  /** `levels` anchored lists of `width` items, each made of aliases of the one before. */
  const aliasBomb = (levels: number, width = 9) => {
    const lines = [`l0: &l0 [${Array(width).fill('lol').join(', ')}]`];
    for (let level = 1; level < levels; level++)
      lines.push(
        `l${level}: &l${level} [${Array(width)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    return file(['title: A', 'date: 2022-01-01', ...lines]);
  };

  it('keeps aliases that expand to a modest size, as given', () => {
    const p = post(
      'posts/a.md',
      file([
        'title: A',
        'date: 2022-01-01',
        'who: &who {name: 张三, desk: 本地}',
        'editor: *who',
        'reviewers: [*who, *who]',
      ]),
    );
    expect(p.extra).toEqual({
      who: { name: '张三', desk: '本地' },
      editor: { name: '张三', desk: '本地' },
      reviewers: [
        { name: '张三', desk: '本地' },
        { name: '张三', desk: '本地' },
      ],
    });
    expect(post('posts/a.md', aliasBomb(4)).extra.l3).toHaveLength(9);
  });

  it('refuses a billion laughs by what it expands to, on the line of the field that expands too far', () => {
    // 9 levels of 9: 472 bytes that stand for 9^9 strings.
    expect(rejection('posts/a.md', aliasBomb(9)).describe()).toBe(
      'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
    );
    expect(rejection('posts/a.md', aliasBomb(5)).describe()).toBe(rejection('posts/a.md', aliasBomb(9)).describe());
  });

  it('refuses an alias bomb reached through a field the post reads (tags)', () => {
    const text = aliasBomb(6).replace('\n---\n', '\ntags: *l5\n---\n');
    expect(rejection('posts/a.md', text).describe()).toMatch(/^line \d+: front matter has more than 10000 values/);
  });

  it('refuses long text repeated by aliases beyond what a post can hold', () => {
    const text = file([
      'title: A',
      'date: 2022-01-01',
      `s: &s "${'x'.repeat(20_000)}"`,
      `t: [${Array(20).fill('*s').join(', ')}]`,
    ]);
    expect(rejection('posts/a.md', text).describe()).toBe(
      'line 5: front matter holds more than 380000 characters once its aliases are expanded, more than a post can hold',
    );
  });

  it('takes lists and mappings nested 16 deep, and refuses 17, from the text or through aliases', () => {
    const nested = (depth: number) => `${'['.repeat(depth)}a${']'.repeat(depth)}`;
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', `x: ${nested(16)}`])).extra.x).toBeDefined();
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', `x: ${nested(17)}`])).describe()).toBe(
      'line 4, column 21: front matter nests lists and mappings more than 16 deep',
    );
    const chain = ['a0: &a0 [x]', ...Array.from({ length: 16 }, (_, i) => `a${i + 1}: &a${i + 1} [*a${i}]`)];
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', ...chain])).describe()).toBe(
      'line 20: front matter nests lists and mappings more than 16 deep',
    );
  });

  it('refuses front matter over 64 KiB before reading it', () => {
    const text = file(['title: A', 'date: 2022-01-01', `x: "${'y'.repeat(65_536)}"`]);
    expect(rejection('posts/a.md', text).describe()).toBe(
      'line 1: front matter (lines 2 to 4) is 65568 bytes, over the 65536 bytes it may have',
    );
  });

  it('refuses front matter of more than 1,000 lines (gray-matter’s comment regex is quadratic in blank lines), and reads 1,000', () => {
    expect(rejection('posts/a.md', file(['title: A', ...Array(60_000).fill(''), 'date: 2022-01-01'])).describe()).toBe(
      'line 1: front matter (lines 2 to 60003) has 60002 lines, over the 1000 it may have',
    );
    expect(post('posts/a.md', file(['title: A', ...Array(998).fill(''), 'date: 2022-01-01'])).title).toBe('A');
  });

  it('still reports a YAML error at its line and column in the file', () => {
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'bad: : x'])).describe()).toBe(
      'line 4, column 6: front matter is not valid YAML: bad indentation of a mapping entry',
    );
  });
});

describe('parsePost: legacy share links', () => {
  const md = (body: string) => file(['title: A', 'date: 2022-01-01'], body);

  it('finds the infoCode of a legacy link in linear time, the last of several in one link', () => {
    const links = `<!-- ${'NewsShare.html?'.repeat(60_000)} --><a href="http://x.example/html_News/NewsShare.html?infoCode=NW1&infoCode=NW2">x</a>`;
    expect(post('posts/a.html', md(links)).id).toBe('NW2');
  });
});

describe('parsePost: body limits', () => {
  const md = (body: string) => file(['title: A', 'date: 2022-01-01'], body);

  it('refuses a Markdown body over 512 KiB unread, as it could not be stored once rendered', () => {
    expect(rejection('posts/a.md', md('a'.repeat(600_000))).describe()).toBe(
      'line 5: Markdown body is 600000 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
    );
    // HTML bodies are not capped so: a sanitizer can make a large Word export small.
    expect(rejection('posts/a.html', md('a'.repeat(600_000))).describe()).toMatch(
      /^post takes \d+ bytes once rendered/,
    );
  });

  it('renders lists nested 9 deep and refuses deeper nesting (markdown-it would drop it) on its line', () => {
    const list = (depth: number) => Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n');
    expect(post('posts/a.md', md(list(9))).html).toContain('item 8');
    expect(rejection('posts/a.md', md(`intro\n\n${list(10)}`)).describe()).toBe(
      'line 16: Markdown nests lists, list items and block quotes more than 19 levels deep',
    );
    expect(rejection('posts/a.md', md(`${'>'.repeat(100)} quoted`)).describe()).toBe(
      'line 5: Markdown nests lists, list items and block quotes more than 19 levels deep',
    );
  });

  it('refuses Markdown of more than 60,000 tokens while parsing it', () => {
    expect(rejection('posts/a.md', md('*a '.repeat(120_000))).describe()).toBe(
      'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
    );
  });

  it('refuses a link reference repeated into more HTML than could be stored, before building it', () => {
    const text = md(`[a]: https://x.example/${'p'.repeat(100_000)}\n\n${'[a] '.repeat(1_000)}`);
    expect(rejection('posts/a.md', text).describe()).toBe(
      'line 7: Markdown body renders to more than 4194304 characters of HTML, more than a post can hold (a link or image used many times?)',
    );
  });

  it('refuses Markdown whose text alone is more than a post can hold, before rendering it', () => {
    expect(rejection('posts/a.md', md('长'.repeat(130_000))).describe()).toBe(
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
    );
    // Text inside raw <script> or <style> is not counted: the sanitizer drops it.
    expect(post('posts/a.md', md(`<script>\n${'x'.repeat(400_000)}\n</script>\n\nshown`)).html).toBe('<p>shown</p>');
    expect(post('posts/a.md', md(`shown <style>${'x'.repeat(400_000)}</style>`)).html).toBe('<p>shown </p>');
  });

  it('refuses HTML nested more than 512 deep, naming the element left open', () => {
    expect(post('posts/a.html', md(`${'<div>'.repeat(512)}deep`)).html).toContain('deep');
    expect(rejection('posts/a.html', md('<font>a'.repeat(600))).describe()).toBe(
      'body nests HTML elements more than 512 deep (513 open <font> elements: a missing </font>?)',
    );
  });

  it('refuses more than 30,000 HTML elements, in HTML and in what Markdown makes', () => {
    expect(rejection('posts/a.html', md('<br>'.repeat(30_001))).describe()).toBe(
      'body has more than 30000 HTML elements',
    );
    expect(rejection('posts/a.md', md(`<div>${'<br>'.repeat(30_000)}</div>`)).describe()).toBe(
      'body has more than 30000 HTML elements',
    );
  });

  it('counts each srcset image as an element', () => {
    const srcset = Array.from({ length: 30_001 }, (_, i) => `i${i}.png ${i + 1}w`).join(', ');
    expect(rejection('posts/a.html', md(`<img srcset="${srcset}">`)).describe()).toBe(
      'body has more than 30000 HTML elements',
    );
  });

  it('places a refusal in a front-matter excerpt on the excerpt’s line', () => {
    const text = file(['title: A', 'date: 2022-01-01', `excerpt: "${'<b>'.repeat(600)}x"`]);
    expect(rejection('posts/a.md', text).describe()).toBe(
      'line 4: body nests HTML elements more than 512 deep (513 open <b> elements: a missing </b>?)',
    );
  });
});

describe('parsePost: permalinks no request can reach', () => {
  const at = (permalink: string) => file(['title: A', 'date: 2022-01-01', `permalink: "${permalink}"`]);

  it('refuses a permalink that falls on one of the site’s own routes, naming it', () => {
    expect(rejection('posts/a.md', at('/feed.rss')).describe()).toBe(
      'line 4: permalink "/feed.rss" is the site\'s own route /feed.rss, so the post\'s page could never be reached there',
    );
    const routes: Array<[string, string]> = [
      ['/', '/'],
      ['/feed.atom', '/feed.atom'],
      ['/feeds.opml', '/feeds.opml'],
      ['/s/1NdoNqY', '/s/{code}'],
      ['/category/news.rss', '/category/{file}'],
      ['/tag/成都.html', '/tag/{file}'],
      ['/html_News/NewsShare.html', '/html_News/NewsShare.html'],
    ];
    for (const [permalink, route] of routes) {
      expect(rejection('posts/a.md', at(permalink)).message, permalink).toBe(
        `permalink "${permalink}" is the site's own route ${route}, so the post's page could never be reached there`,
      );
    }
  });

  it('derives the rule from the route table: a path on any route but the post page’s is refused', () => {
    for (const route of ROUTES.filter((candidate) => candidate.view !== 'postPage')) {
      const path = route.path.replace(/\{\w+\}/g, 'x.html');
      expect(rejection('posts/a.md', at(path)).message, route.path).toContain(`the site's own route ${route.path},`);
    }
  });

  it('keeps permalinks only the post page’s route serves', () => {
    for (const permalink of [
      '/Feed.rss',
      '/feeds.xml',
      '/category/',
      '/category/a/b.rss',
      '/s/',
      '/s/a/b',
      '/html_News/NewsShare.html/',
    ]) {
      expect(post('posts/a.md', at(permalink)).path).toBe(permalink);
    }
  });

  it('refuses the feed addresses of other generators the site answers (/feed.xml, /index.xml, /category/x/feed/…)', () => {
    for (const permalink of [
      '/feed.xml',
      '/atom.xml',
      '/rss.xml',
      '/index.xml',
      '/feed/',
      '/feed/news.xml',
      '/categories/news/index.xml',
      '/tags/a/index.xml',
      '/category/news/feed/',
      '/tag/a/feed',
    ]) {
      expect(rejection('posts/a.md', at(permalink)).message, permalink).toMatch(/is a feed address the site answers/);
    }
  });

  it('refuses % in a permalink: API Gateway answers 400 to a path holding %25', () => {
    expect(rejection('posts/a.md', at('/news/100%.html')).describe()).toBe(
      'line 4: permalink "/news/100%.html" contains %, which API Gateway refuses in a request path (as %25): the page could never be reached',
    );
  });

  it('refuses a backslash in a permalink, and one longer than a page’s path may be', () => {
    expect(rejection('posts/a.md', at('/news\\\\a.html')).message).toBe(
      'permalink "/news\\a.html" contains \\, which browsers read as /',
    );
    expect(rejection('posts/a.md', at(`/${'长'.repeat(700)}.html`)).message).toMatch(
      /^permalink "\/长{39}…" is 2106 bytes, over the 2048 bytes a page's path may have$/,
    );
  });

  it('makes a slug of the file name as Jekyll does, so % ? # and \\ never reach a path', () => {
    expect(post('posts/2022-03-04-growth-100%.md', file(['title: A'])).path).toBe('/2022/03/04/growth-100.html');
    expect(post('posts/2022-03-04-why?#1\\2.md', file(['title: A'])).path).toBe('/2022/03/04/why-1-2.html');
    expect(post('posts/2022-03-04-100%.md', file(['title: A', 'permalink: /news/:title/'])).path).toBe('/news/100/');
    expect(rejection('posts/2022-03-04-%.md', file(['title: A'])).message).toBe(
      "file name gives an empty slug (Jekyll keeps letters, digits and ._~!$&'()+,;=@ of it): give slug: or permalink: in front matter",
    );
  });

  it('makes a slug of a slug written in front matter as Jekyll does, and refuses one that leaves nothing', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'slug: 100%'])).path).toBe('/2022/01/01/100.html');
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'slug: "%?"'])).describe()).toBe(
      'line 4: slug "%?" has no letter or digit to make a URL of',
    );
  });
});

describe('parsePost: names that cannot deceive', () => {
  const tags = (list: string) => file(['title: A', 'date: 2022-01-01', `tags: ${list}`]);

  it('refuses a name holding an invisible or text-direction character, spelling it out', () => {
    expect(rejection('posts/a.md', tags('["news\\u200B"]')).describe()).toBe(
      'line 4: tags name "news<U+200B>" contains U+200B, an invisible or text-direction character',
    );
    const invisible = [
      '200B',
      '200C',
      '200D',
      '2060',
      'FEFF',
      '202A',
      '202E',
      '2066',
      '2069',
      '200E',
      '200F',
      '061C',
      '00AD',
      '180E',
      '3164',
      'E0041',
    ];
    for (const code of invisible) {
      const escaped = code.length > 4 ? `\\U000${code}` : `\\u${code}`;
      expect(rejection('posts/a.md', tags(`["成都${escaped}日报"]`)).message, code).toBe(
        `tags name "成都<U+${code}>日报" contains U+${code}, an invisible or text-direction character`,
      );
    }
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'category: "\\u202Ewen"'])).message).toBe(
      'categories name "<U+202E>wen" contains U+202E, an invisible or text-direction character',
    );
  });

  it('refuses a name with nothing visible in it', () => {
    expect(rejection('posts/a.md', tags('["\\u2800"]')).message).toBe('tags name "\u2800" has no visible character');
    expect(rejection('posts/a.md', tags('["\\u0301\\u0302"]')).message).toBe(
      'tags name "\u0301\u0302" has no visible character',
    );
  });

  it('keeps the joiners and selectors that are visible: emoji sequences and ideographic variants', () => {
    const names = ['👩‍⚕️', '❤️', '👨‍👩‍👧', '1️⃣', '葛\u{E0100}城', '🇨🇳'];
    expect(post('posts/a.md', tags(JSON.stringify(names))).tags).toEqual(names);
  });

  it('folds fullwidth letters and digits, halfwidth katakana and Kangxi radicals, and nothing else NFKC would change', () => {
    const p = post('posts/a.md', tags('[ｎｅｗｓ, news, ２０２２, ｶﾞｲﾄﾞ, ⾦⽜, 成都（天府）, ①, ㈱, ㎡]'));
    expect(p.tags).toEqual(['news', '2022', 'ガイド', '金牛', '成都（天府）', '①', '㈱', '㎡']);
  });

  it('makes each run of white space in a name one space, so names that read alike are one', () => {
    expect(post('posts/a.md', tags('["成都　日报", "成都  日报", "成都\\u00A0日报"]')).tags).toEqual(['成都 日报']);
  });

  it('refuses an author name that hides or reorders characters, and keeps an ordinary one', () => {
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: "张三\\u202E"'])).describe()).toBe(
      'line 4: author name "张三<U+202E>" contains U+202E, an invisible or text-direction character',
    );
    expect(rejection('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: {name: "\\u200B"}'])).message).toBe(
      'author name "<U+200B>" contains U+200B, an invisible or text-direction character',
    );
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: [张三, "Zoë"]'])).author).toBe(
      '张三, Zoë',
    );
  });
});

describe('parsePost: a post of a Jekyll site (uploaded from its _posts folders)', () => {
  const SITE = {
    permalink: '/:categories/:year/:month/:day/:hour:minute/:title:output_ext',
    timeZone: 'Asia/Shanghai',
  };
  const inSite = (key: string, text: string) => parsePost(key, text, { now: NOW, site: SITE });
  const published = (key: string, text: string) => {
    const parsed = inSite(key, text);
    if (!parsed.published) throw new Error(`expected ${key} to publish`);
    return parsed.post;
  };

  it('takes categories from the folders above _posts, before those of front matter, and none from below', () => {
    expect(published('posts/news/_posts/2022-01-04-j.md', file(['categories: Extra'])).categories).toEqual([
      'news',
      'Extra',
    ]);
    expect(published('posts/a/b/_posts/2022-01-04-j.md', file([])).path).toBe('/a/b/2022/01/04/0000/j.html');
    expect(published('posts/_posts/2022/2022-01-04-j.md', file([])).categories).toEqual([]);
    expect(published('posts/my_posts/_posts/2022-01-04-j.md', file([])).categories).toEqual(['my_posts']);
  });

  it('reads `categories` split at spaces, adds `category` whole, and takes `tag` before `tags`', () => {
    const p = published(
      'posts/_posts/2022-01-04-j.md',
      file(['categories: a b', 'category: c d', 'tag: x y', 'tags: z']),
    );
    expect(p.categories).toEqual(['a', 'b', 'c d']);
    expect(p.tags).toEqual(['x y']);
  });

  it('titles a post without a title from its file name, as Jekyll does', () => {
    expect(published('posts/_posts/2022-1-2-my-first-post.md', file([])).title).toBe('My First Post');
  });

  it('publishes a file of _posts without front matter, as Jekyll does (a loose file still needs it)', () => {
    expect(published('posts/_posts/2022-01-02-bare.md', 'Just text.\n')).toMatchObject({
      title: 'Bare',
      path: '/2022/01/02/0000/bare.html',
      html: '<p>Just text.</p>',
    });
    expect(() => parsePost('posts/2022-01-02-bare.md', 'Just text.\n', { now: NOW, site: SITE })).toThrow(
      'file does not start with YAML front matter (---)',
    );
  });

  it('reads an unquoted timestamp without offset as UTC and a quoted one in the site zone, as Jekyll does', () => {
    expect(published('posts/_posts/2022-01-01-a.md', file(['date: 2014-10-1 12:00:00'])).date).toBe(
      '2014-10-01T20:00:00+08:00',
    );
    expect(published('posts/_posts/2022-01-01-a.md', file(['date: "2022-01-12 02:44:46"'])).date).toBe(
      '2022-01-12T02:44:46+08:00',
    );
    expect(published('posts/_posts/2022-01-01-a.md', file(['date: 2022-01-12'])).path).toBe('/2022/01/12/0000/a.html');
    expect(published('posts/_posts/2022-01-01-a.md', file(['date: 2022-01-12 02:44:46 +0000'])).path).toBe(
      '/2022/01/12/1044/a.html',
    );
  });

  it('skips, with the reason, what Jekyll does not publish', () => {
    expect(inSite('posts/_posts/no-date.md', file(['date: 2022-01-12']))).toEqual({
      published: false,
      id: '_posts/no-date',
      reason: 'Jekyll reads only files named YYYY-MM-DD-title.ext in _posts (it never publishes this one)',
    });
    expect(inSite('posts/_drafts/2022-01-07-n.md', file(['title: N']))).toMatchObject({
      published: false,
      reason: expect.stringMatching(/^a draft/),
    });
    expect(inSite('posts/_posts/_2022-01-07-n.md', file(['title: N']))).toMatchObject({
      published: false,
      reason: 'Jekyll ignores files in _posts whose name starts with . _ or # or ends with ~',
    });
    expect(inSite('posts/_posts/2022-01-07-n.md', file(['published: false']))).toMatchObject({ published: false });
  });

  it('uses a post’s own permalink over the site’s, with placeholders', () => {
    expect(published('posts/_posts/2022-01-07-n.md', file(['permalink: /:year/:title/'])).path).toBe('/2022/n/');
  });

  it('keeps each date in its own offset, and the old default permalink, without a site config', () => {
    expect(post('posts/_posts/2022-01-07-n.md', file(['date: 2022-01-12 02:44:46 +0800'])).path).toBe(
      '/2022/01/12/n.html',
    );
  });
});
