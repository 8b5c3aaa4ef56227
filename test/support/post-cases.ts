/**
 * Posts that must be refused, each with the exact reason recorded for it, and posts that are
 * awkward but valid. Run in memory by test/unit/ingest-posts.test.ts and uploaded to the
 * local stack by test/integration/ingest-posts.test.ts.
 */
import iconv from 'iconv-lite';
import type { Post } from '../../functions/core/post';

export interface BadPost {
  name: string;
  key: string;
  body: string | Uint8Array;
  /** The reason recorded for the key, exactly. */
  error: string | RegExp;
}

export interface ValidPost {
  name: string;
  key: string;
  body: string | Uint8Array;
  check: (post: Post) => void;
}

/** A file with front-matter lines, then a body. */
export function postFile(frontMatter: string[], body = 'Body text.\n'): string {
  return ['---', ...frontMatter, '---', body].join('\n');
}

const ok = ['title: A title', 'date: 2022-01-12 02:44:46 +0800'];

/** MAX_POST_BYTES the suites run with, so the size limit is cheap to exceed. */
export const CASE_MAX_POST_BYTES = 64 * 1024;

export const BAD_POSTS: BadPost[] = [
  { name: 'an empty file', key: 'posts/bad/empty.md', body: '', error: 'file is empty' },
  {
    name: 'a file over the size limit',
    key: 'posts/bad/huge.md',
    body: postFile(ok, 'x'.repeat(CASE_MAX_POST_BYTES)),
    error: `file is ${Buffer.byteLength(postFile(ok, 'x'.repeat(CASE_MAX_POST_BYTES)))} bytes, over the ${CASE_MAX_POST_BYTES}-byte limit for a post`,
  },
  {
    name: 'a PNG image saved as .md',
    key: 'posts/bad/image.md',
    body: Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    ]),
    error: 'file is binary (contains NUL bytes), not a text post',
  },
  {
    name: 'UTF-16 without a byte-order mark',
    key: 'posts/bad/utf16.md',
    body: Buffer.from(postFile(ok), 'utf16le'),
    error: 'file is binary (contains NUL bytes), not a text post',
  },
  {
    name: 'Latin-1 text',
    key: 'posts/bad/latin1.md',
    body: Buffer.from(postFile(['title: Café crème', 'date: 2022-01-12']), 'latin1'),
    error:
      'line 2, column 11: file is neither UTF-8 text (byte 0xE9 is not valid UTF-8) nor GB18030/GBK or Big5 Chinese text',
  },
  {
    name: 'UTF-8 with a broken byte',
    key: 'posts/bad/broken-utf8.md',
    body: Buffer.concat([
      Buffer.from(postFile(['title: 成都日报新闻', 'date: 2022-01-12'], '正文')),
      Buffer.from([0xff]),
      Buffer.from('结束\n'),
    ]),
    error:
      'line 5, column 3: file is neither UTF-8 text (byte 0xFF is not valid UTF-8) nor GB18030/GBK or Big5 Chinese text',
  },
  {
    name: 'no front matter',
    key: 'posts/bad/plain.md',
    body: '# Just Markdown\n\nNo front matter.\n',
    error: 'line 1: file does not start with YAML front matter (---)',
  },
  {
    name: 'front matter never closed',
    key: 'posts/bad/unclosed.md',
    body: '---\ntitle: A\ndate: 2022-01-12\n\nBody.\n',
    error: 'line 1: front matter is not closed: no --- line after the one on line 1',
  },
  {
    name: 'a key with a bad indentation',
    key: 'posts/bad/indent.md',
    body: postFile([...ok, 'bad: : x']),
    error: 'line 4, column 6: front matter is not valid YAML: bad indentation of a mapping entry',
  },
  {
    name: 'an unquoted colon in the title',
    key: 'posts/bad/colon.md',
    body: postFile(['title: 成都: 新闻', 'date: 2022-01-12']),
    error: 'line 2, column 10: front matter is not valid YAML: bad indentation of a mapping entry',
  },
  {
    name: 'an unterminated quoted title',
    key: 'posts/bad/quote.md',
    body: postFile(['title: "A title', 'date: 2022-01-12']),
    error:
      'line 2, column 8: front matter is not valid YAML: unexpected end of the stream within a double quoted scalar (opened here, never closed)',
  },
  {
    name: 'a tab used for indentation',
    key: 'posts/bad/tab.md',
    body: postFile([...ok, 'tags:', '\t- a']),
    error: 'line 5, column 1: front matter is not valid YAML: tab characters must not be used in indentation',
  },
  {
    name: 'a field given twice',
    key: 'posts/bad/twice.md',
    body: postFile(['title: A', 'title: B', 'date: 2022-01-12']),
    error: 'line 3, column 1: front matter is not valid YAML: duplicated mapping key',
  },
  {
    name: 'an unclosed list',
    key: 'posts/bad/list.md',
    body: postFile(['title: A', 'tags: [a, b', 'date: 2022-01-12']),
    error:
      'line 3, column 7: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
  },
  {
    name: 'an unknown alias',
    key: 'posts/bad/alias.md',
    body: postFile(['title: *headline', 'date: 2022-01-12']),
    error: 'line 2, column 17: front matter is not valid YAML: unidentified alias "headline"',
  },
  {
    name: 'front matter that is a list',
    key: 'posts/bad/array.md',
    body: postFile(['- title', '- date']),
    error: 'line 2: front matter is not a YAML mapping of fields',
  },
  {
    name: 'no title',
    key: 'posts/bad/untitled.md',
    body: postFile(['date: 2022-01-12']),
    error: 'line 1: front matter has no title',
  },
  {
    name: 'a blank title',
    key: 'posts/bad/blank.md',
    body: postFile(['date: 2022-01-12', 'title: "   "']),
    error: 'line 3: front matter has no title',
  },
  {
    name: 'a title that is a list',
    key: 'posts/bad/title-list.md',
    body: postFile(['title: [a, b]', 'date: 2022-01-12']),
    error: 'line 2: front matter field "title" must be text, not a list or mapping',
  },
  {
    name: 'no date and no date in the file name',
    key: 'posts/bad/undated.md',
    body: postFile(['title: A']),
    error: 'post has no date: give `date:` in front matter or name the file YYYY-MM-DD-slug.ext',
  },
  {
    name: '30 February',
    key: 'posts/bad/feb30.md',
    body: postFile(['title: A', 'date: 2022-02-30 10:00:00 +0800']),
    error: 'line 3: date "2022-02-30 10:00:00 +0800" does not exist in the calendar',
  },
  {
    name: 'a date Jekyll cannot read',
    key: 'posts/bad/yesterday.md',
    body: postFile(['title: A', 'date: yesterday']),
    error: 'line 3: date "yesterday" is not a date Jekyll understands (expected e.g. 2022-01-12 02:44:46 +0800)',
  },
  {
    name: 'a date written as a number',
    key: 'posts/bad/number-date.md',
    body: postFile(['title: A', 'date: 20220112']),
    error: 'line 3: date must be a date such as 2022-01-12 02:44:46 +0800, not 20220112',
  },
  {
    name: 'an offset beyond ±14:00',
    key: 'posts/bad/offset.md',
    body: postFile(['title: A', 'date: 2022-01-12 02:44:46 +1500']),
    error: 'line 3: date "2022-01-12 02:44:46 +1500" has a UTC offset beyond ±14:00',
  },
  {
    name: 'hour 25',
    key: 'posts/bad/hour.md',
    body: postFile(['title: A', 'date: 2022-01-12 25:00']),
    error: 'line 3: date "2022-01-12 25:00" does not exist in the calendar',
  },
  {
    name: 'a category with nothing to make its URL of',
    key: 'posts/bad/slash.md',
    body: postFile([...ok, 'categories: ["/%"]']),
    error: 'line 4: categories name "/%" has no letter or digit to make its URL of',
  },
  {
    name: 'a tag with nothing to make its URL of',
    key: 'posts/bad/hash.md',
    body: postFile([...ok, 'tag: "#"']),
    error: 'line 4: tags name "#" has no letter or digit to make its URL of',
  },
  {
    name: 'categories given as a mapping',
    key: 'posts/bad/categories-map.md',
    body: postFile([...ok, 'categories: {news: 1}']),
    error: 'line 4: categories must be a list or a space-separated string of names, not a mapping',
  },
  {
    name: 'a permalink climbing out with ..',
    key: 'posts/bad/permalink.md',
    body: postFile([...ok, 'permalink: /news/../../etc/passwd']),
    error: 'line 4: permalink "/news/../../etc/passwd" contains . or .. segments',
  },
  {
    name: 'a permalink with a query',
    key: 'posts/bad/permalink-query.md',
    body: postFile([...ok, 'permalink: /news.html?id=1']),
    error: 'line 4: permalink "/news.html?id=1" contains ? or #, which cannot be part of a page\'s path',
  },
  {
    name: 'an empty id',
    key: 'posts/bad/empty-id.md',
    body: postFile([...ok, 'id: ""']),
    error: 'line 4: front matter field "id" is empty',
  },
  {
    name: 'an id of 201 characters',
    key: 'posts/bad/long-id.md',
    body: postFile([...ok, `id: ${'x'.repeat(201)}`]),
    error: 'line 4: front matter field "id" is longer than 200 characters',
  },
  {
    name: 'an infoCode with a space',
    key: 'posts/bad/info-code.md',
    body: postFile([...ok, 'infoCode: NW 2022']),
    error: 'line 4: infoCode "NW 2022" may only contain letters, digits, _ and - (at most 64)',
  },
  {
    name: 'an author mapping without a name',
    key: 'posts/bad/author.md',
    body: postFile([...ok, 'author: {email: a@example.com}']),
    error: 'line 4: front matter field "author" must be a name, a list of names or a mapping with a name',
  },
  {
    name: 'an excerpt that is a mapping',
    key: 'posts/bad/excerpt.md',
    body: postFile([...ok, 'excerpt: {text: a}']),
    error: 'line 4: front matter field "excerpt" must be text, not a list or mapping',
  },
  {
    // A link reference used thousands of times: 40 KB of Markdown renders to megabytes of HTML.
    name: 'Markdown that renders too large to store',
    key: 'posts/bad/expands.md',
    body: postFile(ok, `[a]: https://example.com/${'p'.repeat(200)}\n\n${'[a] '.repeat(10_000)}\n`),
    error: /^post takes \d{7} bytes once rendered, over the 380000 bytes one post can hold in the table$/,
  },
  {
    // 9 levels of 9 aliases: a few hundred bytes that stand for 9^9 strings.
    name: 'a YAML alias bomb',
    key: 'posts/bad/billion-laughs.md',
    body: postFile([
      ...ok,
      'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
      ...'bcdefghi'
        .split('')
        .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(', ')}]`),
    ]),
    error: 'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'Markdown lists nested 20 deep',
    key: 'posts/bad/nested-lists.md',
    body: postFile(ok, Array.from({ length: 20 }, (_, depth) => `${'  '.repeat(depth)}- item`).join('\n')),
    error: 'line 14: Markdown nests lists, list items and block quotes more than 19 levels deep',
  },
  {
    name: 'HTML nested 600 deep',
    key: 'posts/bad/nested-html.html',
    body: postFile(ok, '<div>'.repeat(600)),
    error: 'body nests HTML elements more than 512 deep (513 open <div> elements: a missing </div>?)',
  },
  {
    name: 'a permalink on the site feed’s route',
    key: 'posts/bad/permalink-route.md',
    body: postFile([...ok, 'permalink: /feed.rss']),
    error:
      'line 4: permalink "/feed.rss" is the site\'s own route /feed.rss, so the post\'s page could never be reached there',
  },
  {
    name: 'a permalink with %',
    key: 'posts/bad/permalink-percent.md',
    body: postFile([...ok, 'permalink: /news/100%.html']),
    error:
      'line 4: permalink "/news/100%.html" contains %, which API Gateway refuses in a request path (as %25): the page could never be reached',
  },
  {
    name: 'a tag with a zero-width space',
    key: 'posts/bad/zero-width.md',
    body: postFile([...ok, 'tags: ["news\\u200B"]']),
    error: 'line 4: tags name "news<U+200B>" contains U+200B, an invisible or text-direction character',
  },
  {
    name: 'a category with a right-to-left override',
    key: 'posts/bad/bidi.md',
    body: postFile([...ok, 'categories: ["\\u202Eswen"]']),
    error: 'line 4: categories name "<U+202E>swen" contains U+202E, an invisible or text-direction character',
  },
];

/** GB18030/GBK bytes, as a Chinese Windows editor saves them. */
export const GBK_POST = iconv.encode(
  postFile(
    ['title: 成都日报：春节假期出行指南', 'date: 2022-01-20 08:00:00 +0800', 'categories: chengduribao'],
    '<p>春运期间，成都东站每日开行列车。</p>\n',
  ),
  'gbk',
);

export const FIFTY_TAGS = Array.from({ length: 50 }, (_, index) => `标签${index + 1}`);

const expectEqual = (actual: unknown, expected: unknown, what: string) => {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
};

export const VALID_POSTS: ValidPost[] = [
  {
    name: 'emoji in title, tags and body',
    key: 'posts/valid/2022-02-01-emoji.md',
    body: postFile(['title: "🧧 新春快乐 🎉"', 'date: 2022-02-01', 'tags: [🎉, 春节]'], '舞龙舞狮 🐉🦁\n'),
    check: (post) => {
      expectEqual(post.title, '🧧 新春快乐 🎉', 'title');
      expectEqual(post.tags, ['🎉', '春节'], 'tags');
      expectEqual(post.html, '<p>舞龙舞狮 🐉🦁</p>', 'html');
    },
  },
  {
    name: ']]> in the title and the body',
    key: 'posts/valid/2022-02-02-cdata.md',
    body: postFile(['title: "a ]]> b"', 'date: 2022-02-02'], 'x ]]> y <![CDATA[ z ]]>\n'),
    check: (post) => {
      expectEqual(post.title, 'a ]]> b', 'title');
      expectEqual(post.html, '<p>x ]]&gt; y </p>', 'html');
    },
  },
  {
    name: '& and < in the title',
    key: 'posts/valid/2022-02-03-markup.md',
    body: postFile(["title: 'Tom & Jerry <b>not bold</b> & <script>'", 'date: 2022-02-03']),
    check: (post) => expectEqual(post.title, 'Tom & Jerry <b>not bold</b> & <script>', 'title'),
  },
  {
    name: 'a 2,000-character title',
    key: 'posts/valid/2022-02-04-long.md',
    body: postFile([`title: ${'长'.repeat(2000)}`, 'date: 2022-02-04']),
    check: (post) => expectEqual(post.title.length, 2000, 'title length'),
  },
  {
    name: '50 tags',
    key: 'posts/valid/2022-02-05-tags.md',
    body: postFile(['title: Fifty tags', 'date: 2022-02-05', `tags: [${FIFTY_TAGS.join(', ')}]`]),
    check: (post) => expectEqual(post.tags, FIFTY_TAGS, 'tags'),
  },
  {
    name: 'a Chinese file name',
    key: 'posts/valid/2022-02-06-成都新闻.md',
    body: postFile(['title: 中文文件名', 'categories: 成都']),
    check: (post) => {
      expectEqual(post.path, '/成都/2022/02/06/成都新闻.html', 'path');
      expectEqual(post.date, '2022-02-06T00:00:00Z', 'date');
    },
  },
  {
    name: 'names with / and # (Jekyll accepts them): kept as written, in URLs as their slugs',
    key: 'posts/valid/2022-02-08-slash.md',
    body: postFile(['title: Slash', 'categories: [News/World]', 'tag: "#breaking"']),
    check: (post) => {
      expectEqual(post.categories, ['News/World'], 'categories');
      expectEqual(post.tags, ['#breaking'], 'tags');
      expectEqual(post.path, '/news/world/2022/02/08/slash.html', 'path');
    },
  },
  {
    name: 'a key with spaces and +',
    key: 'posts/valid/2022-02-07-a b+c.md',
    body: postFile(['title: Spaces and plus', 'categories: misc']),
    check: (post) => {
      // Jekyll's slug of the file name: runs of what it does not keep become one hyphen.
      expectEqual(post.path, '/misc/2022/02/07/a-b+c.html', 'path');
      expectEqual(post.id, 'valid/2022-02-07-a b+c', 'id');
    },
  },
  {
    name: 'Windows line endings and a BOM',
    key: 'posts/valid/2022-02-08-windows.md',
    body:
      '\uFEFF' +
      postFile(['title: Windows', 'date: 2022-02-08 09:00 +0800'], 'Line one\nline two\n').replace(/\n/g, '\r\n'),
    check: (post) => {
      expectEqual(post.title, 'Windows', 'title');
      expectEqual(post.html, '<p>Line one\nline two</p>', 'html');
    },
  },
  {
    name: 'GBK text from a Windows editor',
    key: 'posts/valid/2022-01-20-gbk.html',
    body: GBK_POST,
    check: (post) => {
      expectEqual(post.title, '成都日报：春节假期出行指南', 'title');
      expectEqual(post.html, '<p>春运期间，成都东站每日开行列车。</p>', 'html');
    },
  },
  {
    name: 'UTF-16 with a byte-order mark',
    key: 'posts/valid/2022-02-09-utf16.md',
    body: Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from(postFile(['title: 十六位', 'date: 2022-02-09']), 'utf16le'),
    ]),
    check: (post) => expectEqual(post.title, '十六位', 'title'),
  },
  {
    name: 'control characters in the title and body',
    key: 'posts/valid/2022-02-10-control.md',
    body: postFile(
      ['title: "bell\u0007 and\u000b tab\tok"', 'date: 2022-02-10'],
      'form\u000cfeed \u0001start\u007f\u0085\n',
    ),
    check: (post) => {
      expectEqual(post.title, 'bell and tab\tok', 'title');
      expectEqual(post.html, '<p>formfeed start</p>', 'html');
    },
  },
  {
    name: 'YAML quoting, # and : inside a quoted title',
    key: 'posts/valid/2022-02-11-quotes.md',
    body: postFile([`title: 'It''s "quoted": yes # not a comment'`, 'date: 2022-02-11T10:00:00+08:00']),
    check: (post) => {
      expectEqual(post.title, 'It\'s "quoted": yes # not a comment', 'title');
      expectEqual(post.date, '2022-02-11T10:00:00+08:00', 'date');
    },
  },
  {
    name: 'front matter only, no body',
    key: 'posts/valid/2022-02-12-empty-body.md',
    body: '---\ntitle: Headline only\ndate: 2022-02-12\n---\n',
    check: (post) => {
      expectEqual(post.html, '', 'html');
      expectEqual(post.summary, '', 'summary');
    },
  },
  {
    name: 'fullwidth and halfwidth names folded into the ordinary ones',
    key: 'posts/valid/2022-02-14-widths.md',
    body: postFile(['title: Widths', 'date: 2022-02-14', 'tags: [ｎｅｗｓ, news, ｶﾞｲﾄﾞ, 成都（天府）]']),
    check: (post) => expectEqual(post.tags, ['news', 'ガイド', '成都（天府）'], 'tags'),
  },
  {
    name: 'YAML anchors and aliases used as Jekyll posts use them',
    key: 'posts/valid/2022-02-15-anchors.md',
    body: postFile([
      'title: Anchors',
      'date: 2022-02-15',
      'author: &me 张三',
      'editor: *me',
      'desk: &desk {name: 本地, floor: 3}',
      'desks: [*desk, *desk]',
    ]),
    check: (post) => {
      expectEqual(post.author, '张三', 'author');
      expectEqual(
        post.extra,
        {
          editor: '张三',
          desk: { name: '本地', floor: 3 },
          desks: [
            { name: '本地', floor: 3 },
            { name: '本地', floor: 3 },
          ],
        },
        'extra',
      );
    },
  },
  {
    name: 'unknown fields kept as given',
    key: 'posts/valid/2022-02-13-extra.md',
    body: postFile([
      'title: Extra',
      'date: 2022-02-13',
      'source: 成都日报',
      'rank: 3',
      'meta: {a: [1, 2]}',
      'layout: post',
    ]),
    check: (post) => expectEqual(post.extra, { source: '成都日报', rank: 3, meta: { a: [1, 2] } }, 'extra'),
  },
];
