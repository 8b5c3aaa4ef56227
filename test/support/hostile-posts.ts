/**
 * Posts built to make parsing slow or large: YAML alias bombs, deep nesting, and the
 * pathological Markdown and HTML inputs parsers are known to struggle with (CommonMark's
 * "pathological tests", htmlparser2's open-element stack). Each is at most 1 MiB, the
 * default MAX_POST_BYTES. Shared by test/unit/hostile-posts.test.ts, which checks what
 * parsing makes of each, and bench/ingest-budget.ts, which measures their memory and time.
 */

export const HOSTILE_MAX_BYTES = 1024 * 1024;

/** The refusal of a post that renders larger than a post can be stored (MAX_STORED_POST_BYTES). */
const TOO_LARGE_TO_STORE = /^post takes \d+ bytes once rendered, over the 380000 bytes one post can hold in the table$/;

export interface HostilePost {
  name: string;
  /** Object key; the extension picks Markdown or HTML. */
  key: string;
  /** The file, built on demand (most are close to 1 MiB). */
  text: () => string;
  /** What parsing must end in: refused with exactly this (PostRejected.describe()), or published. */
  outcome: string | RegExp;
}

const FRONT = ['title: Hostile', 'date: 2022-01-12 02:44:46 +0800'];

function post(frontMatter: string[], body: string): string {
  return ['---', ...frontMatter, '---', body].join('\n');
}

/**
 * Markdown bodies are refused above 512 KiB (MAX_MARKDOWN_BYTES) before they are parsed, so
 * the Markdown cases stay just under that, where the parser's own limits have to hold.
 */
const MARKDOWN_BYTES = 500 * 1024;

/** `unit` repeated, then `end`, to fill `size` bytes less `used`. */
function fill(unit: string, used = 200, end = '', size = HOSTILE_MAX_BYTES): string {
  return unit.repeat(Math.floor((size - used - Buffer.byteLength(end)) / Buffer.byteLength(unit))) + end;
}

/** A body of about 1 MiB: `unit` repeated, under the standard front matter. */
function body(unit: string, end = ''): () => string {
  return () => post(FRONT, fill(unit, 200, end));
}

/** A Markdown body of about 500 KB: `unit` repeated. */
function markdownBody(unit: string, end = ''): () => string {
  return () => post(FRONT, fill(unit, 0, end, MARKDOWN_BYTES));
}

/**
 * The "billion laughs": `levels` anchored lists of `width` items, each list made of aliases of
 * the one before. js-yaml shares aliased objects, so parsing is cheap; anything that then walks
 * the data as a tree sees width^levels strings.
 */
function aliasBomb(levels: number, width = 9): string {
  const names = 'abcdefghijklmnopqrstuvwxyz';
  const lines = [`${names[0]}: &${names[0]} [${Array(width).fill('"lol"').join(',')}]`];
  for (let level = 1; level < levels; level++) {
    lines.push(
      `${names[level]}: &${names[level]} [${Array(width)
        .fill(`*${names[level - 1]}`)
        .join(',')}]`,
    );
  }
  return post([...FRONT, ...lines], 'Body.\n');
}

/** Same, with mappings instead of lists. */
function mappingAliasBomb(levels: number, width = 9): string {
  const keys = Array.from({ length: width }, (_, index) => `k${index}`);
  const lines = [`m0: &m0 {${keys.map((key) => `${key}: lol`).join(', ')}}`];
  for (let level = 1; level < levels; level++) {
    lines.push(`m${level}: &m${level} {${keys.map((key) => `${key}: *m${level - 1}`).join(', ')}}`);
  }
  return post([...FRONT, ...lines], 'Body.\n');
}

/** Word's HTML: heavy with styles the sanitizer removes, so 1 MiB of it makes a post that fits. */
const WORD_PARAGRAPH =
  "<p class=MsoNormal style='margin:0cm;margin-bottom:.0001pt;text-indent:21.0pt;line-height:150%;mso-pagination:widow-orphan'>" +
  "<span lang=EN-US style='font-size:12.0pt;line-height:150%;font-family:宋体;mso-bidi-font-family:宋体;color:black'>" +
  '成都市金牛区坚持稳字当头、稳中求进。<o:p></o:p></span></p>\n';

export const HOSTILE_POSTS: HostilePost[] = [
  // Large but ordinary: these must publish.
  {
    name: 'a 300 KB Markdown article',
    key: 'posts/hostile/large-article.md',
    text: () => post(FRONT, fill('坚持稳字当头、稳中求进，全面深化改革开放，持续优化营商环境。\n\n', 0, '', 300_000)),
    outcome: 'published',
  },
  {
    name: 'a Markdown table of 3,000 rows',
    key: 'posts/hostile/large-table.md',
    text: () =>
      post(
        FRONT,
        '|区|人口|面积|增长|\n|-|-|-|-|\n' +
          Array.from({ length: 3000 }, (_, row) => `|金牛|${row}|108|${row % 10}|`).join('\n'),
      ),
    outcome: 'published',
  },
  {
    name: 'HTML: 1 MiB saved by Word',
    key: 'posts/hostile/large-word.html',
    text: body(WORD_PARAGRAPH),
    outcome: 'published',
  },

  // Front matter.
  {
    name: 'alias bomb, 4 levels of 9 (6,561 strings)',
    key: 'posts/hostile/alias-4.md',
    text: () => aliasBomb(4),
    outcome: 'published',
  },
  {
    name: 'alias bomb, 5 levels of 9',
    key: 'posts/hostile/alias-5.md',
    text: () => aliasBomb(5),
    outcome: 'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'alias bomb, 7 levels of 9',
    key: 'posts/hostile/alias-7.md',
    text: () => aliasBomb(7),
    outcome: 'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'alias bomb, 9 levels of 9 (9^9 strings)',
    key: 'posts/hostile/alias-9.md',
    text: () => aliasBomb(9),
    outcome: 'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'alias bomb, 26 levels of 2',
    key: 'posts/hostile/alias-2x20.md',
    text: () => aliasBomb(26, 2),
    outcome: 'line 15: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'alias bomb of mappings, 9 levels of 9',
    key: 'posts/hostile/alias-map-9.md',
    text: () => mappingAliasBomb(9),
    outcome: 'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'a 30 KB string aliased 8,000 times',
    key: 'posts/hostile/alias-string.md',
    text: () =>
      post([...FRONT, `s: &s "${'x'.repeat(30_000)}"`, `t: [${Array(8000).fill('*s').join(', ')}]`], 'Body.\n'),
    outcome:
      'line 5: front matter holds more than 380000 characters once its aliases are expanded, more than a post can hold',
  },
  {
    name: 'tags aliasing a nested list bomb',
    key: 'posts/hostile/alias-tags.md',
    text: () => aliasBomb(8).replace('---\nBody', 'tags: *h\n---\nBody'),
    outcome: 'line 8: front matter has more than 10000 values (list items and fields, aliases expanded)',
  },
  {
    name: 'flow lists nested 5,000 deep',
    key: 'posts/hostile/yaml-flow-deep.md',
    text: () => post([...FRONT, `x: ${'['.repeat(5000)}${']'.repeat(5000)}`], 'Body.\n'),
    outcome: 'line 4, column 21: front matter nests lists and mappings more than 16 deep',
  },
  {
    name: 'block mappings nested 150 deep',
    key: 'posts/hostile/yaml-block-deep.md',
    text: () =>
      post(
        [...FRONT, ...Array.from({ length: 150 }, (_, depth) => `${'  '.repeat(depth)}a:`), `${'  '.repeat(150)}b`],
        'Body.\n',
      ),
    outcome: 'line 21, column 35: front matter nests lists and mappings more than 16 deep',
  },
  {
    name: '1 MiB of [ in front matter',
    key: 'posts/hostile/yaml-brackets.md',
    text: () => post([...FRONT, `x: ${fill('[')}`], 'Body.\n'),
    outcome: 'line 1: front matter (lines 2 to 4) is 1048427 bytes, over the 65536 bytes it may have',
  },
  {
    name: '1 MiB of front-matter fields',
    key: 'posts/hostile/yaml-fields.md',
    text: () => post([...FRONT, ...Array.from({ length: 80_000 }, (_, index) => `k${index}: v`)], 'Body.\n'),
    outcome: 'line 1: front matter (lines 2 to 80003) is 788937 bytes, over the 65536 bytes it may have',
  },
  {
    name: 'a list of 100,000 tags',
    key: 'posts/hostile/yaml-tags.md',
    text: () =>
      post([...FRONT, `tags: [${Array.from({ length: 100_000 }, (_, index) => `t${index}`).join(', ')}]`], 'Body.\n'),
    outcome: 'line 1: front matter (lines 2 to 4) is 788944 bytes, over the 65536 bytes it may have',
  },
  {
    name: '60,000 blank lines in front matter',
    key: 'posts/hostile/yaml-blank-lines.md',
    text: () => post([...FRONT, ...Array(60_000).fill('')], 'Body.\n'),
    outcome: 'line 1: front matter (lines 2 to 60003) has 60002 lines, over the 1000 it may have',
  },
  {
    name: 'a key padded with 60,000 spaces',
    key: 'posts/hostile/yaml-spaces.md',
    text: () => post([...FRONT, `k${' '.repeat(60_000)}: v`], 'Body.\n'),
    outcome: 'published',
  },
  {
    name: 'a 900 KB title',
    key: 'posts/hostile/yaml-title.md',
    text: () => post([`title: ${fill('t')}`, 'date: 2022-01-12'], 'Body.\n'),
    outcome: 'line 1: front matter (lines 2 to 3) is 1048401 bytes, over the 65536 bytes it may have',
  },

  // Markdown bodies over MAX_MARKDOWN_BYTES, refused unread.
  {
    name: 'Markdown: a 1 MiB line',
    key: 'posts/hostile/md-1mib-line.md',
    text: body('a'),
    outcome:
      'line 5: Markdown body is 1048376 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
  },
  {
    name: 'Markdown: 1 MiB of [',
    key: 'posts/hostile/md-1mib-brackets.md',
    text: body('['),
    outcome:
      'line 5: Markdown body is 1048376 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
  },
  {
    name: 'Markdown: 1 MiB of *a (emphasis openers)',
    key: 'posts/hostile/md-1mib-emphasis.md',
    text: body('*a '),
    outcome:
      'line 5: Markdown body is 1048374 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
  },
  {
    name: 'Markdown: 1 MiB of *',
    key: 'posts/hostile/md-1mib-stars.md',
    text: body('*'),
    outcome:
      'line 5: Markdown body is 1048376 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
  },
  {
    name: 'Markdown: 1 MiB of <',
    key: 'posts/hostile/md-1mib-lt.md',
    text: body('<'),
    outcome:
      'line 5: Markdown body is 1048376 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
  },
  {
    name: 'Markdown: 1 MiB of >',
    key: 'posts/hostile/md-1mib-gt.md',
    text: body('>'),
    outcome:
      'line 5: Markdown body is 1048376 bytes, over the 524288 bytes a Markdown body may have (it would render larger than a post can hold)',
  },

  // Markdown bodies just under MAX_MARKDOWN_BYTES: CommonMark's pathological inputs.
  {
    name: 'Markdown: 500 KB of [',
    key: 'posts/hostile/md-open-brackets.md',
    text: markdownBody('['),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: 500 KB of ]',
    key: 'posts/hostile/md-close-brackets.md',
    text: markdownBody(']'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  { name: 'Markdown: 500 KB of *', key: 'posts/hostile/md-stars.md', text: markdownBody('*'), outcome: 'published' },
  {
    name: 'Markdown: emphasis openers with no closers (*a )',
    key: 'posts/hostile/md-emph-open.md',
    text: markdownBody('*a '),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: emphasis closers with no openers (a* )',
    key: 'posts/hostile/md-emph-close.md',
    text: markdownBody('a* '),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: mismatched emphasis (*a_ )',
    key: 'posts/hostile/md-emph-mismatch.md',
    text: markdownBody('*a_ '),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: openers and closers, multiple of 3 (a**b c* )',
    key: 'posts/hostile/md-emph-three.md',
    text: () => post(FRONT, `a**b${fill('c* ', 0, '', MARKDOWN_BYTES)}`),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: 500 KB of <',
    key: 'posts/hostile/md-lt.md',
    text: markdownBody('<'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: 500 KB of > (blockquotes nested 500,000 deep)',
    key: 'posts/hostile/md-gt.md',
    text: markdownBody('>'),
    outcome: 'line 5: Markdown nests lists, list items and block quotes more than 19 levels deep',
  },
  {
    name: 'Markdown: blockquotes nesting one deeper each line',
    key: 'posts/hostile/md-quote-lines.md',
    text: () => post(FRONT, Array.from({ length: 1000 }, (_, depth) => `${'>'.repeat(depth + 1)} a`).join('\n')),
    outcome: 'line 23: Markdown nests lists, list items and block quotes more than 19 levels deep',
  },
  {
    name: 'Markdown: a list item holding a list, 500,000 deep (- - - …)',
    key: 'posts/hostile/md-list-dashes.md',
    text: markdownBody('- ', 'a'),
    outcome: 'line 5: Markdown nests lists, list items and block quotes more than 19 levels deep',
  },
  {
    name: 'Markdown: lists nesting one deeper each line',
    key: 'posts/hostile/md-list-lines.md',
    text: () => post(FRONT, Array.from({ length: 700 }, (_, depth) => `${'  '.repeat(depth)}- a`).join('\n')),
    outcome: 'line 14: Markdown nests lists, list items and block quotes more than 19 levels deep',
  },
  {
    name: 'Markdown: ordered lists nested (1. 1. 1. …)',
    key: 'posts/hostile/md-list-ordered.md',
    text: markdownBody('1. ', 'a'),
    outcome: 'line 5: Markdown nests lists, list items and block quotes more than 19 levels deep',
  },
  {
    name: 'Markdown: a table 60,000 columns wide',
    key: 'posts/hostile/md-table-wide.md',
    text: () => post(FRONT, `${'|a'.repeat(60_000)}|\n${'|-'.repeat(60_000)}|\n${'|b'.repeat(60_000)}|\n`),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: a 1,000-column table with 250,000 empty cells to fill in',
    key: 'posts/hostile/md-table-cells.md',
    text: () => post(FRONT, `${'|a'.repeat(1000)}|\n${'|-'.repeat(1000)}|\n${fill('|\n', 4200, '', MARKDOWN_BYTES)}`),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: a table of 100,000 rows',
    key: 'posts/hostile/md-table-rows.md',
    text: () => post(FRONT, `|a|b|\n|-|-|\n${fill('|1|2|\n', 0, '', MARKDOWN_BYTES)}`),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: 25,000 inline links',
    key: 'posts/hostile/md-links.md',
    text: markdownBody('[a](http://x.example/) '),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: 14,000 inline links, just under the token limit',
    key: 'posts/hostile/md-links-under.md',
    text: () => post(FRONT, '[a](http://x.example/) '.repeat(14_000)),
    outcome: TOO_LARGE_TO_STORE,
  },
  {
    name: 'Markdown: 25,000 bare URLs (linkify)',
    key: 'posts/hostile/md-bare-urls.md',
    text: markdownBody('http://x.example/a '),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: 40,000 e-mail addresses (linkify)',
    key: 'posts/hostile/md-emails.md',
    text: markdownBody('a@b.example '),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: 500 KB of @ and .',
    key: 'posts/hostile/md-at-dots.md',
    text: markdownBody('a@a.'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: a 300 KB link reference used 65,000 times',
    key: 'posts/hostile/md-reference-bomb.md',
    text: () =>
      post(FRONT, `[a]: http://x.example/${'p'.repeat(300_000)}\n\n${fill('[a]', 300_300, '', MARKDOWN_BYTES)}`),
    outcome: 'line 7: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: a 300 KB image title used 50,000 times',
    key: 'posts/hostile/md-image-title-bomb.md',
    text: () => post(FRONT, `[a]: /a.png "${'t'.repeat(300_000)}"\n\n${fill('![a]', 300_300, '', MARKDOWN_BYTES)}`),
    outcome:
      'line 7: Markdown body renders to more than 4194304 characters of HTML, more than a post can hold (a link or image used many times?)',
  },
  {
    name: 'Markdown: a 500 KB line',
    key: 'posts/hostile/md-long-line.md',
    text: markdownBody('a'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: 500 KB of backslash escapes',
    key: 'posts/hostile/md-escapes.md',
    text: markdownBody('\\*'),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: backtick runs of every length',
    key: 'posts/hostile/md-backticks.md',
    text: () => post(FRONT, Array.from({ length: 1000 }, (_, length) => `e${'`'.repeat(length + 1)}`).join('')),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: unclosed links [a](<b',
    key: 'posts/hostile/md-unclosed-link-a.md',
    text: markdownBody('[a](<b'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: unclosed links [a](b',
    key: 'posts/hostile/md-unclosed-link-b.md',
    text: markdownBody('[a](b'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: link openers and emphasis closers ([ a_)',
    key: 'posts/hostile/md-link-emph.md',
    text: markdownBody('[ a_'),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: the pattern [ (](',
    key: 'posts/hostile/md-bracket-paren.md',
    text: markdownBody('[ (]('),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: brackets nested 250,000 deep',
    key: 'posts/hostile/md-nested-brackets.md',
    text: () => post(FRONT, `${'['.repeat(250_000)}a${']'.repeat(250_000)}`),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: nested strong emphasis',
    key: 'posts/hostile/md-nested-strong.md',
    text: () => post(FRONT, `${'*a **a '.repeat(35_000)}b${' a** a*'.repeat(35_000)}`),
    outcome: 'line 5: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: unclosed <!--',
    key: 'posts/hostile/md-unclosed-comment.md',
    text: () => post(FRONT, `<!--${fill('a', 0, '', MARKDOWN_BYTES)}`),
    outcome: 'published',
  },
  {
    name: 'Markdown: 500 KB of <!-- openers',
    key: 'posts/hostile/md-comments.md',
    text: markdownBody('a <!-- '),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: 500 KB of <? openers',
    key: 'posts/hostile/md-processing.md',
    text: markdownBody('a <? '),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: 500 KB of <![CDATA[ openers',
    key: 'posts/hostile/md-cdata.md',
    text: markdownBody('a <![CDATA[ '),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: 500 KB of <!X openers',
    key: 'posts/hostile/md-declarations.md',
    text: markdownBody('a <!A '),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: <div> nested 100,000 deep in an HTML block',
    key: 'posts/hostile/md-html-divs.md',
    text: markdownBody('<div>'),
    outcome: 'body nests HTML elements more than 512 deep (513 open <div> elements: a missing </div>?)',
  },
  {
    name: 'Markdown: 20,000 link reference definitions',
    key: 'posts/hostile/md-many-references.md',
    text: () =>
      post(
        FRONT,
        Array.from({ length: 20_000 }, (_, index) => `[r${index}]: /u${index}`).join('\n') +
          '\n\n' +
          fill('[r1] ', 400_000, '', MARKDOWN_BYTES),
      ),
    outcome: 'line 20006: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: legacy share links that never give an infoCode',
    key: 'posts/hostile/md-share-links.md',
    text: markdownBody('NewsShare.html?'),
    outcome:
      'the text of the Markdown body alone takes more than 380000 bytes once rendered, more than one post can hold in the table',
  },
  {
    name: 'Markdown: an excerpt_separator after a hostile body (rendered twice)',
    key: 'posts/hostile/md-excerpt.md',
    text: () => post([...FRONT, 'excerpt_separator: <!--more-->'], fill('*a ', 300, '\n<!--more-->\n', MARKDOWN_BYTES)),
    outcome: 'line 6: Markdown body has more than 60000 parts (paragraphs, table cells, links, emphasis marks…)',
  },
  {
    name: 'Markdown: a 60 KB excerpt of [ in front matter',
    key: 'posts/hostile/md-excerpt-brackets.md',
    text: () => post([...FRONT, `excerpt: "${'[*a '.repeat(15_000)}"`], 'Body.\n'),
    outcome: 'published',
  },

  // HTML bodies.
  {
    name: 'HTML: <div> nested 200,000 deep',
    key: 'posts/hostile/html-divs.html',
    text: body('<div>'),
    outcome: 'body nests HTML elements more than 512 deep (513 open <div> elements: a missing </div>?)',
  },
  {
    name: 'HTML: 100,000 <div>s, then 70,000 unmatched </span>s',
    key: 'posts/hostile/html-unmatched.html',
    text: () => post(FRONT, '<div>'.repeat(100_000) + '</span>'.repeat(70_000)),
    outcome: 'body nests HTML elements more than 512 deep (513 open <div> elements: a missing </div>?)',
  },
  {
    name: 'HTML: 500 <div>s, then 140,000 unmatched </span>s',
    key: 'posts/hostile/html-unmatched-500.html',
    text: () => post(FRONT, '<div>'.repeat(500) + fill('</span>', 2700)),
    outcome: 'published',
  },
  {
    name: 'HTML: misnested <b><i></b></i>',
    key: 'posts/hostile/html-misnested.html',
    text: body('<b><i>a</b></i>'),
    outcome: 'body has more than 30000 HTML elements',
  },
  {
    name: 'HTML: tables nested 70,000 deep',
    key: 'posts/hostile/html-tables.html',
    text: body('<table><tr><td>'),
    outcome: 'body nests HTML elements more than 512 deep (171 open <table> elements: a missing </table>?)',
  },
  {
    name: 'HTML: lists nested 100,000 deep',
    key: 'posts/hostile/html-lists.html',
    text: body('<ul><li>'),
    outcome: 'body nests HTML elements more than 512 deep (257 open <ul> elements: a missing </ul>?)',
  },
  { name: 'HTML: 1 MiB of <', key: 'posts/hostile/html-lt.html', text: body('<'), outcome: TOO_LARGE_TO_STORE },
  { name: 'HTML: 1 MiB of <a', key: 'posts/hostile/html-a-open.html', text: body('<a'), outcome: 'published' },
  {
    name: 'HTML: one tag with 1 MiB of attributes',
    key: 'posts/hostile/html-attributes.html',
    text: () => post(FRONT, `<p ${fill('a="1" ', 300)}>x</p>`),
    outcome: 'published',
  },
  {
    name: 'HTML: 80,000 relative images',
    key: 'posts/hostile/html-images.html',
    text: body('<img src="a.png">'),
    outcome: 'body has more than 30000 HTML elements',
  },
  {
    name: 'HTML: 29,000 relative images, just under the element limit',
    key: 'posts/hostile/html-images-under.html',
    text: () => post(FRONT, Array.from({ length: 29_000 }, (_, i) => `<img src="a${i}.png">`).join('')),
    outcome: TOO_LARGE_TO_STORE,
  },
  {
    name: 'HTML: a srcset of 100,000 candidates',
    key: 'posts/hostile/html-srcset.html',
    text: () => post(FRONT, `<img srcset="${fill('a.png 1x,', 300)}">`),
    outcome: 'body has more than 30000 HTML elements',
  },
  {
    name: 'HTML: 1 MiB inside an unclosed comment',
    key: 'posts/hostile/html-comment.html',
    text: () => post(FRONT, `<!--${fill('a')}`),
    outcome: 'published',
  },
  {
    name: 'HTML: 200,000 unclosed <p>',
    key: 'posts/hostile/html-paragraphs.html',
    text: body('<p>a'),
    outcome: 'body has more than 30000 HTML elements',
  },
  {
    name: 'HTML: 1 MiB of entities',
    key: 'posts/hostile/html-entities.html',
    text: body('&amp;'),
    outcome: TOO_LARGE_TO_STORE,
  },
  {
    name: 'HTML: 1 MiB of <script>',
    key: 'posts/hostile/html-scripts.html',
    text: body('<script>a</script>'),
    outcome: 'body has more than 30000 HTML elements',
  },
  {
    name: 'HTML: <p class> of 1 MiB',
    key: 'posts/hostile/html-class.html',
    text: () => post(FRONT, `<p class="${fill('a ', 300)}">x</p>`),
    outcome: TOO_LARGE_TO_STORE,
  },
];
