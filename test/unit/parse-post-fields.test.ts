import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import {
  jekyllPlace,
  keyDerivedId,
  MAX_STORED_POST_BYTES,
  type ParsedPost,
  parsePost,
} from '../../functions/core/parse-post';
import type { Post } from '../../functions/core/post';
import { MAX_PATH_BYTES } from '../../functions/core/routes';

// Front-matter values at their edges, each by what the post becomes or the refusal's message:
// empty values (`field:` or `~`) read as absent, lists of names or authors holding lists or
// empty items, lengths just at and over a limit, text a reader would see trimmed.

const NOW = '2024-05-01T00:00:00.000Z';

function parse(key: string, text: string): ParsedPost {
  return parsePost(key, text, { now: NOW });
}

function post(key: string, text: string): Post {
  const parsed = parse(key, text);
  if (!parsed.published) throw new Error(`expected ${key} to publish`);
  return parsed.post;
}

function file(frontMatter: string[], body = 'Body text.\n'): string {
  return ['---', ...frontMatter, '---', body].join('\n');
}

function refusal(key: string, text: string): string {
  try {
    parse(key, text);
  } catch (error) {
    if (error instanceof PostRejected) return error.describe();
    throw error;
  }
  throw new Error(`expected ${key} to be refused`);
}

describe('parsePost: a field given no value', () => {
  it("`date:` and `last_modified_at:` empty read as absent: the date is the file name's, `updated` the time of the change", () => {
    const p = post('posts/2022-03-04-a.md', file(['title: A', 'date:', 'last_modified_at: ~']));
    expect(p.date).toBe('2022-03-04T00:00:00Z');
    expect(p.updated).toBe(NOW);
  });

  it('`categories:` and `author:` empty read as none', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories:', 'author:']));
    expect(p.categories).toEqual([]);
    expect(p).not.toHaveProperty('author');
  });

  it('text fields empty read as absent: the default permalink, the slug and id of the key, the first paragraph', () => {
    const empty = ['permalink:', 'slug: ~', 'id:', 'infoCode:', 'excerpt:', 'description: ~', 'excerpt_separator:'];
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', ...empty], 'First.\n\nSecond.\n'));
    expect([p.path, p.id, p.infoCode, p.summary]).toEqual(['/2022/01/01/a.html', 'a', undefined, '<p>First.</p>']);
  });

  it('empty items of a list of names or authors are left out', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'tags: [a, ~, b]', 'author: [Ann, ~, "", Bo]']));
    expect(p.tags).toEqual(['a', 'b']);
    expect(p.author).toBe('Ann, Bo');
  });
});

describe('parsePost: lists that hold lists or mappings', () => {
  it("refuses categories or tags listing a list or a mapping, on the field's line", () => {
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories: [[a], b]']))).toBe(
      'line 4: categories must list names, not lists or mappings',
    );
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', 'tags: [a, {b: c}]']))).toBe(
      'line 4: tags must list names, not lists or mappings',
    );
  });

  it('refuses authors listing a list or a mapping, even after a name', () => {
    const message = 'line 4: front matter field "author" must be a name, a list of names or a mapping with a name';
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: [Ann, {name: Bo}]']))).toBe(message);
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: [[Ann]]']))).toBe(message);
  });

  it('reads an author mapping whose name is a number', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'author: {name: 42}'])).author).toBe('42');
  });
});

describe('parsePost: lengths at a limit', () => {
  it('takes a category name of 200 characters and refuses one of 201, quoting its first 20', () => {
    expect(
      post('posts/a.md', file(['title: A', 'date: 2022-01-01', `categories: ["${'x'.repeat(200)}"]`])).categories,
    ).toEqual(['x'.repeat(200)]);
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', `categories: ["${'x'.repeat(201)}"]`]))).toBe(
      `line 4: categories name "${'x'.repeat(20)}…" is longer than 200 characters`,
    );
  });

  it('takes a post of exactly the bytes one post may take in the table, and refuses one byte more', () => {
    // An HTML body of plain text is stored as written, and has no paragraph to summarize.
    const text = (length: number) => file(['title: A', 'date: 2022-01-12'], 'x'.repeat(length));
    const storedBytes = (length: number) => Buffer.byteLength(JSON.stringify(post('posts/a.html', text(length))));
    const fits = MAX_STORED_POST_BYTES - storedBytes(0);
    expect(storedBytes(fits)).toBe(MAX_STORED_POST_BYTES);
    expect(refusal('posts/a.html', text(fits + 1))).toBe(
      `post takes ${MAX_STORED_POST_BYTES + 1} bytes once rendered, over the ${MAX_STORED_POST_BYTES} bytes one post can hold in the table`,
    );
  });

  it('takes front matter of exactly 64 KiB and refuses one byte more', () => {
    // The front matter is counted from just after the opening ---: its line feed, the lines, and the
    // line feeds between them (32 bytes here besides the ys).
    const text = (ys: number) => file(['title: A', 'date: 2022-01-01', `x: "${'y'.repeat(ys)}"`]);
    expect(post('posts/a.md', text(65_536 - 32)).title).toBe('A');
    expect(refusal('posts/a.md', text(65_536 - 31))).toBe(
      'line 1: front matter (lines 2 to 4) is 65537 bytes, over the 65536 bytes it may have',
    );
  });

  it('takes an id of 200 characters', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', `id: ${'i'.repeat(200)}`])).id).toBe(
      'i'.repeat(200),
    );
  });
});

describe('parsePost: text trimmed as a reader sees it', () => {
  it('an id and an author written with spaces around them', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'id: "  story-1  "', 'author: "  Ann  "']));
    expect(p.id).toBe('story-1');
    expect(p.author).toBe('Ann');
  });
});

describe('parsePost: permalinks and summaries', () => {
  it('refuses a permalink holding a control character (a YAML escape), naming it', () => {
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', 'permalink: "/a\\tb/"']))).toBe(
      'line 4: permalink "/a\tb/" contains a control character or an unpaired surrogate',
    );
  });

  it('takes a permalink of exactly the bytes a page path may have', () => {
    const path = `/${'p'.repeat(MAX_PATH_BYTES - 2)}/`;
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', `permalink: ${path}`])).path).toBe(path);
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', `permalink: /p${path}`]))).toMatch(
      /^line 4: permalink ".*…" is 2050 bytes, over the 2048 bytes a page's path may have$/,
    );
  });

  it('publishes a file whose name has a date and no title part at the permalink it gives', () => {
    expect(post('posts/2022-01-01-.md', file(['title: A', 'permalink: /x/'])).path).toBe('/x/');
  });

  it('takes the summary from the first paragraph when no excerpt_separator is given, whatever words the body holds', () => {
    expect(
      post('posts/a.md', file(['title: A', 'date: 2022-01-01'], 'Before undefined after.\n\nSecond.\n')).summary,
    ).toBe('<p>Before undefined after.</p>');
  });
});

describe('keyDerivedId', () => {
  it('drops the leading posts/ and the last extension only', () => {
    expect(keyDerivedId('posts/2022-01-01-v1.2.md')).toBe('2022-01-01-v1.2');
    expect(keyDerivedId('archive/posts/a.md')).toBe('archive/posts/a');
    expect(keyDerivedId('posts/news/posts/a.md')).toBe('news/posts/a');
  });
});

describe('parsePost: the content hash', () => {
  // Ingest keeps a post's `updated` when the hash of what it was read from is the stored one
  // (functions/core/ingest.ts): a change to how the hash is made would date every post anew on the
  // next reindex. Golden values: SHA-256 of the key, the iframe hosts, the legacy hosts and the
  // text, each after a NUL, then the site's permalink and zone when there is a _config.yml.
  const text = file(['title: A', 'date: 2022-01-12 02:44:46 +0800']);
  const hashOf = (options: object) => {
    const parsed = parsePost('posts/a.md', text, { now: NOW, ...options });
    if (!parsed.published) throw new Error('expected a published post');
    return parsed.post.contentHash;
  };

  it('is the SHA-256 of the key and the text, NUL-separated (golden value)', () => {
    expect(hashOf({})).toBe('a620003dea496adc1d2a71fcee5cedc70c03383e7bfcef0733f2630cb9c74351');
  });

  it('covers the iframe and legacy hosts, comma-joined (golden value)', () => {
    expect(
      hashOf({
        iframeHosts: ['www.youtube.com', 'player.vimeo.com'],
        legacyHosts: ['old.example.com', 'news.example.org'],
      }),
    ).toBe('e4102e92d24ce66817bc630058c572e7fd9d58c8ee5fa73aabec870dfe7cc0ee');
  });

  it("covers the site's permalink and time zone when the site has a _config.yml (golden value)", () => {
    expect(hashOf({ site: { permalink: '/:year/:title/', timeZone: 'Asia/Shanghai' } })).toBe(
      'd86e8cf19845425ccd3d7009a149867b95c69302c1619e9012c3470f44cefe1e',
    );
  });
});

describe('parsePost: line endings and byte order marks', () => {
  const lines = ['title: A', 'date: 2022-01-12', 'tags: [a, b]'];

  it('reads a file with lone carriage returns (old Mac line endings) as one with line feeds', () => {
    const lf = file(lines, 'One.\n\nTwo.\n');
    expect(post('posts/a.md', lf.replace(/\n/g, '\r'))).toEqual(post('posts/a.md', lf));
  });

  it('drops a byte order mark only at the start: one inside the text is a character of it', () => {
    expect(post('posts/a.md', file(lines, 'Zero\uFEFFwidth.\n')).html).toBe('<p>Zero\uFEFFwidth.</p>');
    expect(post('posts/a.md', `\uFEFF${file(lines, 'Zero\uFEFFwidth.\n')}`).html).toBe('<p>Zero\uFEFFwidth.</p>');
  });
});

describe('parsePost: where a file sits in a Jekyll site', () => {
  it('publishes a file of _posts whose name holds ~ before its end (Jekyll skips only names ending in ~)', () => {
    const parsed = parse('posts/_posts/2022-01-12-a~b.md', file(['title: A']));
    expect(parsed.published).toBe(true);
    expect(parse('posts/_posts/2022-01-12-a.md~', file(['title: A'])).published).toBe(false);
  });

  it('looks at the folders only: a file named _drafts or _posts is not in one', () => {
    expect(jekyllPlace('posts/_drafts')).toEqual({ kind: 'loose' });
    expect(jekyllPlace('posts/news/_posts')).toEqual({ kind: 'loose' });
    expect(jekyllPlace('posts/_drafts/a.md')).toEqual({ kind: 'draft' });
  });

  it('takes no category from an empty folder name (a doubled slash in the key)', () => {
    expect(jekyllPlace('posts/news//_posts/2022-01-12-a.md')).toEqual({ kind: 'post', folderCategories: ['news'] });
    expect(post('posts/news//_posts/2022-01-12-a.md', file(['title: A'])).categories).toEqual(['news']);
  });
});

describe('parsePost: where the identity and the share code come from', () => {
  const link = '<http://x.example/html_News/NewsShare.html?infoCode=NW9>\n';

  it('marks an id and an infoCode taken from a legacy link in the body as found there', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01'], link));
    expect([p.id, p.idFromBody, p.infoCode, p.infoCodeFromBody]).toEqual(['NW9', true, 'NW9', true]);
  });

  it('takes an explicit id as not from the body, and the infoCode found there as found there', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'id: story-42'], link));
    expect([p.id, p.idFromBody, p.infoCode, p.infoCodeFromBody]).toEqual(['story-42', undefined, 'NW9', true]);
  });

  it('takes nothing from a link in the body of a post whose front matter gives its infoCode', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'infoCode: NW1'], link));
    expect([p.id, p.idFromBody, p.infoCode, p.infoCodeFromBody]).toEqual(['NW1', undefined, 'NW1', undefined]);
  });

  it('takes the id as identity and the infoCode as share code when front matter gives both', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'id: story-42', 'infoCode: NW1'], link));
    expect([p.id, p.idFromBody, p.infoCode, p.infoCodeFromBody]).toEqual(['story-42', undefined, 'NW1', undefined]);
  });

  it('gives a post that names none its key as identity and no share code of its own', () => {
    const p = post('posts/news/a.md', file(['title: A', 'date: 2022-01-01']));
    expect([p.id, p.idFromBody, p.infoCode, p.infoCodeFromBody]).toEqual(['news/a', undefined, undefined, undefined]);
  });
});

describe('parsePost: what the key and the file name give', () => {
  it("drops the title part's trailing dots, as Jekyll does, in the title it makes and the URL", () => {
    const p = post('posts/_posts/2022-01-12-v1.2...md', file([]));
    expect([p.title, p.path]).toEqual(['V1.2', '/2022/01/12/v1.2.html']);
  });

  it('reads the folders above _posts as categories normalized like any name, leaving out blank ones', () => {
    expect(post('posts/ＮＥＷＳ  日报/_posts/2022-01-12-a.md', file(['title: A'])).categories).toEqual(['NEWS 日报']);
    expect(post('posts/ /_posts/2022-01-12-a.md', file(['title: A'])).categories).toEqual([]);
  });

  it('gives :name the file name without its last extension', () => {
    expect(post('posts/2022-01-12-a.b.md', file(['title: A', 'permalink: /:name/'])).path).toBe('/2022-01-12-a-b/');
  });

  it('resolves a relative file reference in the body against the file’s place in the site, without posts/', () => {
    expect(post('posts/news/_posts/2022-01-12-a.md', file(['title: A'], '![p](photo.jpg)\n')).html).toBe(
      '<p><img src="/news/_posts/photo.jpg" alt="p" /></p>',
    );
  });
});

describe('parsePost: tag and tags', () => {
  it('reads `tags` when `tag` is given empty, as Jekyll does', () => {
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-12', 'tag:', 'tags: x y'])).tags).toEqual(['x', 'y']);
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-12', 'tag: x y', 'tags: z'])).tags).toEqual(['x y']);
  });
});

describe('parsePost: the line that closes front matter', () => {
  it('is --- alone, with spaces or tabs after it', () => {
    expect(post('posts/a.md', ['---', 'title: A', 'date: 2022-01-01', '--- \t', 'Body.'].join('\n')).html).toBe(
      '<p>Body.</p>',
    );
  });

  it('is not a line ending in ---', () => {
    const p = post('posts/a.md', ['---', 'title: A', 'date: 2022-01-01', 'x: y ---', '---', 'Body.'].join('\n'));
    expect([p.extra, p.html]).toEqual([{ x: 'y ---' }, '<p>Body.</p>']);
  });

  it('is not a line of --- followed by other text', () => {
    expect(refusal('posts/a.md', ['---', 'title: A', 'date: 2022-01-01', '---x', 'Body.'].join('\n'))).toBe(
      'line 1: front matter is not closed: no --- line after the one on line 1',
    );
  });
});

describe('parsePost: the options it renders the body with', () => {
  const text = file(
    ['title: A', 'date: 2022-01-01'],
    '<iframe src="https://www.youtube.com/embed/x"></iframe>\n\n[n](http://old.example.com/category/news.html)\n',
  );

  it('keeps iframes of IFRAME_HOSTS and makes links to LEGACY_HOSTS this site’s own', () => {
    const parsed = parsePost('posts/a.md', text, {
      now: NOW,
      iframeHosts: ['www.youtube.com'],
      legacyHosts: ['old.example.com'],
    });
    expect(parsed.published && parsed.post.html).toBe(
      '<iframe src="https://www.youtube.com/embed/x"></iframe>\n<p><a href="/category/news.html">n</a></p>',
    );
  });

  it('removes every iframe and keeps every link as written without them', () => {
    expect(post('posts/a.md', text).html).toBe('<p><a href="http://old.example.com/category/news.html">n</a></p>');
  });
});

describe('parsePost: a file name without a date', () => {
  it('takes the slug from the whole name but its last extension', () => {
    expect(post('posts/a.b.md', file(['title: A', 'date: 2022-01-01'])).path).toBe('/2022/01/01/a.b.html');
  });
});

describe('parsePost: front matter copied, cleaned and counted', () => {
  it('keeps a timestamp only as a top-level date: one in a list under date is the text written', () => {
    expect(refusal('posts/a.md', file(['title: A', 'date: [2022-01-12 02:44:46]']))).toBe(
      'line 3: date must be a date such as 2022-01-12 02:44:46 +0800, not ["2022-01-12 02:44:46"]',
    );
  });

  it('removes characters XML forbids from keys too, at the top and nested', () => {
    const p = post('posts/a.md', file(['title: A', 'date: 2022-01-01', 'x: {"a\\x07": 1}', '"t\\x07": 2']));
    expect(p.extra).toEqual({ x: { a: 1 }, t: 2 });
  });

  it('takes 10,000 values and refuses 10,001', () => {
    // title, date and x are three; the list's items the rest.
    const text = (items: number) => file(['title: A', 'date: 2022-01-01', `x: [${Array(items).fill(1).join(',')}]`]);
    expect(post('posts/a.md', text(9_997)).extra.x).toHaveLength(9_997);
    expect(refusal('posts/a.md', text(9_998))).toBe(
      'line 4: front matter has more than 10000 values (list items and fields, aliases expanded)',
    );
  });

  it('counts 380,000 characters of keys and text, aliases expanded, as within its limit, and refuses one more', () => {
    // Keys and text: title A date 2022-01-01 (20), a and b (2), 379 times the 1,000 ys, c and the zs.
    const text = (zs: number) =>
      file([
        'title: A',
        'date: 2022-01-01',
        `a: &a "${'y'.repeat(1000)}"`,
        `b: [${Array(378).fill('*a').join(', ')}]`,
        `c: "${'z'.repeat(zs)}"`,
      ]);
    // Within the front-matter limit, the post is then refused only as too large for the table.
    expect(refusal('posts/a.md', text(977))).toMatch(/^post takes \d+ bytes once rendered/);
    expect(refusal('posts/a.md', text(978))).toBe(
      'line 6: front matter holds more than 380000 characters once its aliases are expanded, more than a post can hold',
    );
  });
});

describe('parsePost: where a YAML error is reported', () => {
  it('at js-yaml’s place when that is before the end: an open bracket further down is not the cause', () => {
    expect(refusal('posts/a.md', file(['title: A', 'a: [x: y: z]', 'b: 1', 'c: x [ y']))).toBe(
      'line 3, column 9: front matter is not valid YAML: missed comma between flow collection entries',
    );
  });
});

describe('parsePost: extra', () => {
  it('keeps none of the fields it reads, and every other one', () => {
    const fields = [
      'layout: post',
      'title: A',
      'date: 2022-01-01',
      'categories: a',
      'category: b',
      'tags: c',
      'tag: d',
      'published: true',
      'permalink: /a/',
      'excerpt: E',
      'description: D',
      'excerpt_separator: <!--more-->',
      'author: Ann',
      'id: story-1',
      'infoCode: NW1',
      'slug: s',
      'last_modified_at: 2022-01-02',
      'mood: calm',
    ];
    expect(post('posts/a.md', file(fields)).extra).toEqual({ mood: 'calm' });
  });
});

describe('parsePost: front matter that is not a mapping, and timestamps of a site', () => {
  it('refuses front matter that is a single text or number', () => {
    expect(refusal('posts/a.md', file(['just text']))).toBe('line 2: front matter is not a YAML mapping of fields');
    expect(refusal('posts/a.md', file(['42']))).toBe('line 2: front matter is not a YAML mapping of fields');
  });

  it('reads an unquoted last_modified_at with a time as UTC, as Psych does, like date', () => {
    const site = { permalink: '/:title/', timeZone: 'Asia/Shanghai' };
    const parsed = parsePost(
      'posts/a.md',
      file(['title: A', 'date: 2022-01-12 02:44:46', 'last_modified_at: 2022-01-13 02:44:46']),
      { now: NOW, site },
    );
    if (!parsed.published) throw new Error('expected a published post');
    expect([parsed.post.date, parsed.post.updated]).toEqual(['2022-01-12T10:44:46+08:00', '2022-01-13T02:44:46.000Z']);
  });
});

describe('parsePost: nesting through aliases', () => {
  it('counts mappings as deep as lists: a chain of 17 mappings through aliases is refused on its line', () => {
    const chain = ['a0: &a0 {k: x}', ...Array.from({ length: 16 }, (_, i) => `a${i + 1}: &a${i + 1} {k: *a${i}}`)];
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', ...chain]))).toBe(
      'line 20: front matter nests lists and mappings more than 16 deep',
    );
    expect(post('posts/a.md', file(['title: A', 'date: 2022-01-01', ...chain.slice(0, 16)])).extra.a15).toBeDefined();
  });
});

describe('parsePost: the line of a field', () => {
  it('is where the field is written, not a later line inside a quoted text that looks like it', () => {
    expect(refusal('posts/a.md', file(['title: A', 'date: nonsense', 'excerpt: "x', 'date: y"']))).toBe(
      'line 3: date "nonsense" is not a date Jekyll understands (expected e.g. 2022-01-12 02:44:46 +0800)',
    );
  });
});

describe('parsePost: the opening of an unclosed flow collection', () => {
  it('is found past comments and quoted brackets', () => {
    // The [ after # is in a comment, the ] in quotes is text: the list opened in column 4 is unclosed.
    expect(refusal('posts/a.md', file(['title: A', 'a: [x, "q]", y # a comment [', 'b: 1']))).toBe(
      'line 3, column 4: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    );
    // A # after other text starts no comment: the [ after it opens the list left open.
    expect(refusal('posts/a.md', file(['title: A', 'a: [x, y# z, [w', 'b: 1']))).toBe(
      'line 3, column 14: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    );
    // A list closed on the line and a quoted text closed on it leave the outer list open.
    expect(refusal('posts/a.md', file(['title: A', 'a: [x, [y], "z]"', 'b: 1']))).toBe(
      'line 3, column 4: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    );
    expect(refusal('posts/a.md', file(['title: A', "a: [x, 'q]', y", 'b: 1']))).toBe(
      'line 3, column 4: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    );
    // After a quoted text closes, brackets count again.
    expect(refusal('posts/a.md', file(['title: A', 'a: ["z", [w', 'b: 1']))).toBe(
      'line 3, column 10: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    );
    // A line that is a comment is skipped whole.
    expect(refusal('posts/a.md', file(['title: A', 'a: [x, {b: c}', '# [', 'b: 1']))).toBe(
      'line 3, column 4: front matter is not valid YAML: missed comma between flow collection entries (opened here, never closed)',
    );
  });
});

describe('parsePost: the line of a field, as written', () => {
  const dateRefused = (line: number) =>
    `line ${line}: date "nonsense" is not a date Jekyll understands (expected e.g. 2022-01-12 02:44:46 +0800)`;

  it('is a top-level one: an indented key of the same name in a mapping above is not it', () => {
    expect(refusal('posts/a.md', file(['title: A', 'x:', '  date: 1', 'date: nonsense']))).toBe(dateRefused(5));
  });

  it('may be quoted', () => {
    expect(refusal('posts/a.md', file(['title: A', '"date": nonsense']))).toBe(dateRefused(3));
    expect(refusal('posts/a.md', file(['title: A', "'date': nonsense"]))).toBe(dateRefused(3));
  });

  it('may end at the colon, its value on the lines below', () => {
    expect(refusal('posts/a.md', file(['title: A', 'date: 2022-01-01', 'categories:', '  - [x]']))).toBe(
      'line 4: categories must list names, not lists or mappings',
    );
  });
});

describe('parsePost: a YAML error that is not about an opening', () => {
  it('is reported where js-yaml finds it, whatever brackets the lines above hold', () => {
    expect(refusal('posts/a.md', file(['title: A', 'c: x [ y', 'bad: : x']))).toBe(
      'line 4, column 6: front matter is not valid YAML: bad indentation of a mapping entry',
    );
  });
});

describe('parsePost: the opening of an unclosed quoted text', () => {
  it("is found past a doubled '' inside single quotes", () => {
    expect(refusal('posts/a.md', file(['title: A', "a: 'it''s", 'b: 1']))).toBe(
      'line 3, column 4: front matter is not valid YAML: unexpected end of the stream within a single quoted scalar (opened here, never closed)',
    );
  });
});
