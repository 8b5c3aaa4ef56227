import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { FeedDocuments } from '../../functions/core/feed-documents';
import type { HttpRequest } from '../../functions/core/http';
import { ingestChange } from '../../functions/core/ingest';
import type { FeedRef } from '../../functions/core/post';
import { handleRead } from '../../functions/core/read';
import { siteForRequest } from '../../functions/core/settings';
import { atomErrors, jsonFeedErrors, rssErrors } from '../support/feed-rules';
import { MemoryPostStore } from '../support/memory-store';
import { numRuns } from '../support/num-runs';

// Random front matter and bodies, ingested in-process into the in-memory store, then every
// feed the site serves read back through the real read path (handleRead → FeedDocuments).

const NASTY = [
  '<b>Tom & Jerry</b>',
  ']]>',
  '<![CDATA[x]]>',
  '\u0000',
  '\u0007',
  '\u001b[31m',
  '\uFFFE',
  '\uFFFF',
  '\uD800',
  '\u202E',
  '\u00A0',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '&amp;',
  '&#0;',
  '&#x1F600;',
  '&nbsp;',
  '&bogus;',
  '"quoted"',
  "it's",
  '{{x}}',
  '---',
  '...',
  ': colon',
  '- item',
  '# comment',
  '*bold*',
  '| a | b |',
  '> quote',
  '&',
  '<',
  '>',
  '\\',
  '%',
  '%00',
  '%C3%28',
  '成都日报新闻',
  '😀',
  'e\u0301',
  '\r\n',
  '\t',
  '   ',
  '',
  'null',
  '~',
  'true',
  '2022-01-12',
  '0x10',
  '1e999',
  '.inf',
  '!!binary AAAA',
  '*anchor',
  '&anchor x',
  '<<: *a',
  '? key',
  '@at',
  '`tick`',
  'http://x',
  '//evil.example/a',
  'javascript:alert(1)',
  'data:text/html,x',
];

const word = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
);
const phrase = fc.array(word, { minLength: 1, maxLength: 5 }).map((words) => words.join(' '));

/** A YAML scalar, as a JSON string (valid YAML), single-quoted, or raw (often invalid YAML on purpose). */
const yamlScalar = (value: fc.Arbitrary<string>) =>
  fc
    .tuple(value, fc.constantFrom('json', 'single', 'raw'))
    .map(([text, style]) =>
      style === 'json' ? JSON.stringify(text) : style === 'single' ? `'${text.replace(/'/g, "''")}'` : text,
    );
const yamlList = (value: fc.Arbitrary<string>) =>
  fc.oneof(
    fc.array(value, { maxLength: 4 }).map((items) => JSON.stringify(items)),
    fc.array(value, { maxLength: 4 }).map((items) => items.join(' ')),
    fc
      .array(value, { minLength: 1, maxLength: 3 })
      .map((items) => `\n${items.map((item) => `  - ${JSON.stringify(item)}`).join('\n')}`),
  );

const DATES = [
  '2022-01-12 02:44:46 +0800',
  '2022-01-12',
  '2023-01-01 00:30:00 +08:00',
  '2022-01-12T02:44:46Z',
  '2022-02-30',
  '2022-13-01',
  '1969-12-31',
  '9999-12-31 23:59:59 +1400',
  '2022-01-12 25:61:61',
  'yesterday',
  '',
  '2022-01-12 02:44:46 +9999',
  '0000-01-01',
];
const name = fc.oneof(
  fc.constantFrom('chengduribao', '成都日报新闻', 'news', 'a b', 'Tom & Jerry', '<b>', '%2F', '..'),
  word,
);

const frontMatter = fc
  .record(
    {
      title: yamlScalar(phrase),
      date: fc.oneof(fc.constantFrom(...DATES), yamlScalar(word)),
      categories: yamlList(name),
      tags: yamlList(name),
      author: fc.oneof(yamlScalar(phrase), fc.constant('{ name: "张三", email: "a@b" }')),
      excerpt: yamlScalar(phrase),
      permalink: fc.oneof(
        fc.constantFrom('/news/a.html', '/../x.html', '/a/%00.html', '//evil.example/x', '/x/'),
        yamlScalar(word),
      ),
      published: fc.constantFrom('true', 'false', 'no', '"false"'),
      infoCode: fc.oneof(fc.constantFrom('NW202201122244036113', 'NW2022'), yamlScalar(word)),
      id: yamlScalar(word),
      layout: fc.constant('post'),
    },
    { requiredKeys: [] },
  )
  .map((fields) =>
    Object.entries(fields)
      .map(([key, value]) => `${key}: ${value}`)
      .join('\n'),
  );

/** Front matter that should publish: quoted values, a real date, names without path characters. Random text inside. */
const tameName = fc
  .oneof(
    fc.constantFrom('chengduribao', '成都日报新闻', 'news', 'Tom & Jerry', '<b>', 'a&b<c>"d\'', '😀'),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  )
  .filter((n) => n.trim() !== '' && !/[/\\?#%\s\u0000-\u001f\u007f-\u009f]/.test(n));
const tameFrontMatter = fc
  .record(
    {
      title: phrase.filter((t) => t.trim() !== '').map((t) => JSON.stringify(t)),
      date: fc.constantFrom(
        '2022-01-12 02:44:46 +0800',
        '2022-01-12',
        '2023-01-01 00:30:00 +08:00',
        '2022-01-12T02:44:46Z',
        '2021-06-30 23:59:59 -0930',
      ),
      categories: fc.array(tameName, { maxLength: 3 }).map((names) => JSON.stringify(names)),
      tags: fc.array(tameName, { maxLength: 3 }).map((names) => JSON.stringify(names)),
      author: phrase.map((t) => JSON.stringify(t)),
      excerpt: phrase.map((t) => JSON.stringify(t)),
      infoCode: fc.constantFrom('NW202201122244036113', 'NW2022011322', 'abc_DEF-1'),
      extra: fc.dictionary(fc.constantFrom('foo', 'bar', 'baz'), phrase).map((d) => JSON.stringify(d)),
    },
    { requiredKeys: ['title', 'date'] },
  )
  .map((fields) =>
    Object.entries(fields)
      .map(([key, value]) => `${key}: ${value}`)
      .join('\n'),
  );

const bodyPart = fc.oneof(
  phrase,
  fc.constantFrom(
    '<p>段落 <a href="img.png">rel</a> <a href="/category/chengduribao.html">cat</a></p>',
    '[返回](//finews.zning.xyz/)',
    '<http://a.example/x>',
    '![img](pic.png "t")',
    '<iframe src="https://www.youtube.com/embed/x"></iframe>',
    '<style>p{}</style>',
    '<object data=x></object>',
    '[x](javascript:alert(1))',
    '<a href="data:text/html,x">d</a>',
    '<img srcset="a.png 1x, b.png 2x">',
    '```\n<b>code</b>\n```',
    '<!-- comment -->',
    '<div',
    '</p></div></body>',
    '\u0000\u0001\u000b',
    '<svg onload=alert(1)>',
    '&#x3C;script&#x3E;',
    '<!--more-->',
    'http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202201122244036113',
    '| a | b |\n| - | - |\n| 1 | 2 |',
  ),
);
const body = fc.array(bodyPart, { maxLength: 8 }).map((parts) => parts.join('\n'));

const upload = fc.record({
  frontMatter: fc.oneof({ weight: 1, arbitrary: frontMatter }, { weight: 2, arbitrary: tameFrontMatter }),
  body,
  extension: fc.constantFrom('md', 'html', 'markdown', 'txt'),
  day: fc.integer({ min: 1, max: 28 }),
  framing: fc.constantFrom('normal', 'normal', 'normal', 'crlf', 'bom', 'none', 'unterminated'),
});

function fileText({ frontMatter: fields, body: text, framing }: Upload): string {
  if (framing === 'none') return text;
  if (framing === 'unterminated') return `---\n${fields}\n${text}`;
  const file = `---\n${fields}\n---\n${text}\n`;
  return framing === 'crlf' ? file.replace(/\n/g, '\r\n') : framing === 'bom' ? `\uFEFF${file}` : file;
}
type Upload = { frontMatter: string; body: string; extension: string; day: number; framing: string };

const SITE = siteForRequest(settingsFromEnv({}), { host: 'localhost' });

function feedRequest(ref: FeedRef, format: string): HttpRequest {
  if (ref.kind === 'site') {
    return {
      method: 'GET',
      path: `/feed.${format}`,
      view: 'siteFeed',
      pathParameters: {},
      query: {},
      headers: { host: 'localhost' },
    };
  }
  const file = `${ref.name}.${format}`;
  return {
    method: 'GET',
    path: `/${ref.kind}/${file}`,
    view: ref.kind,
    pathParameters: { file },
    query: {},
    headers: { host: 'localhost' },
  };
}

const CHECKS = { rss: rssErrors, atom: atomErrors, json: jsonFeedErrors } as const;

describe('ingest and feeds over random front matter and bodies', () => {
  it('never throws, and every feed the site then serves is valid RSS, Atom and JSON Feed', {
    timeout: 120_000,
  }, async () => {
    const results = new Map<string, number>();
    const runs = numRuns(300);
    await fc.assert(
      fc.asyncProperty(fc.array(upload, { minLength: 1, maxLength: 4 }), async (uploads) => {
        const logged: string[] = [];
        const log = {
          error: (message: string, fields: Record<string, unknown>) =>
            logged.push(`${message} ${JSON.stringify(fields)}`),
        };
        const store = new MemoryPostStore();
        const files = new Map<string, Uint8Array>();
        const readObject = async (key: string) => {
          const bytes = files.get(key);
          return bytes && { bytes };
        };
        for (const [index, item] of uploads.entries()) {
          const key = `posts/2022-01-${String(item.day).padStart(2, '0')}-post-${index}.${item.extension}`;
          files.set(key, new TextEncoder().encode(fileText(item)));
          const sequencer = (index + 1).toString(16).padStart(16, '0');
          const outcome = await ingestChange(
            { key, kind: 'created', sequencer, eventTime: '2024-01-01T00:00:00.000Z' },
            // A clock past every date the generator writes (year 9999 included): each post is
            // published now rather than scheduled, so that its date reaches the feeds checked below.
            { store, readObject, now: () => 8.64e15 },
          );
          expect(['published', 'unpublished', 'rejected', 'skipped']).toContain(outcome.result);
          results.set(outcome.result, (results.get(outcome.result) ?? 0) + 1);
        }

        const feeds = new FeedDocuments(store);
        const refs: FeedRef[] = [
          { kind: 'site' },
          ...(await store.listNames('category')).map(({ name: n }) => ({ kind: 'category' as const, name: n })),
          ...(await store.listNames('tag')).map(({ name: n }) => ({ kind: 'tag' as const, name: n })),
        ];
        for (const ref of refs) {
          for (const format of ['rss', 'atom', 'json'] as const) {
            const response = await handleRead(feedRequest(ref, format), { store, feeds, site: SITE, log });
            expect(response.status, `${JSON.stringify(ref)} ${format}`).toBe(200);
            // The rules' script/`on…=`/`javascript:` heuristic also matches such words written as
            // text (escaped, harmless); the sanitizer has its own tests. Everything else must hold.
            const errors = CHECKS[format](response.body).filter(
              (error) => !/potentially dangerous content/.test(error),
            );
            expect(errors, `${JSON.stringify(ref)} ${format}`).toEqual([]);
          }
        }
        expect(logged).toEqual([]);
      }),
      { numRuns: runs },
    );
    // Not a vacuous property: many random posts are published (and many refused).
    expect(results.get('published') ?? 0).toBeGreaterThan(runs / 3);
    expect(results.get('rejected') ?? 0).toBeGreaterThan(runs / 6);
  });
});

describe('characters made by YAML escapes', () => {
  it('are removed like those in the text: a lone surrogate or control character cannot break a feed or a URL', async () => {
    const store = new MemoryPostStore();
    const file = '---\ntitle: "\\ud800 Title \\x07"\ndate: 2022-01-12\ncategories: ["\\udc00cat\\u0085"]\n---\nBody.\n';
    const readObject = async (key: string) =>
      key === 'posts/a.md' ? { bytes: new TextEncoder().encode(file) } : undefined;
    const outcome = await ingestChange(
      { key: 'posts/a.md', kind: 'created', sequencer: '01', eventTime: '2024-01-01T00:00:00.000Z' },
      { store, readObject },
    );
    expect(outcome.result).toBe('published');
    expect((await store.listNames('category')).map(({ name: n }) => n)).toEqual(['cat']);
    const log = {
      error: (message: string) => {
        throw new Error(message);
      },
    };
    const feeds = new FeedDocuments(store);
    for (const ref of [{ kind: 'site' }, { kind: 'category', name: 'cat' }] as FeedRef[]) {
      const response = await handleRead(feedRequest(ref, 'atom'), { store, feeds, site: SITE, log });
      expect(response.status).toBe(200);
      expect(atomErrors(response.body)).toEqual([]);
      expect(response.body).toContain('<title type="text">Title</title>');
    }
  });
});
