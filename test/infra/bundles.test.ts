import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePost } from '../../functions/core/parse-post';
import { decodePostText } from '../../functions/core/post-text';
import { esbuildOptions, REPO_ROOT } from '../../infra/constructs/bundling';
import { BAD_POSTS, CASE_MAX_POST_BYTES, GBK_POST, postFile, VALID_POSTS } from '../support/post-cases';

// The Lambda bundles as deployed (infra/constructs/bundling.ts: the options PublishingFunction
// and the benchmark use): issue 8's size bound, and proof that the aliases (postcss stubbed,
// one js-yaml) and the shared `entities` copy leave ingest loading and parsing as from source.

/** Our code and the packages it uses, the AWS SDK aside. */
const MAX_OWN_CODE_BYTES = 400 * 1024;
/** As deployed, the AWS SDK bundled (infra/constructs/bundling.ts). */
const MAX_BUNDLE_BYTES = 1024 * 1024;
const HANDLERS = ['ingest', 'http'] as const;
const run = promisify(execFile);
const NOW = '2024-05-01T00:00:00.000Z';

let dir: string;
let bundled: { parsePost: typeof parsePost; decodePostText: typeof decodePostText };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundles-'));
  await Promise.all([
    ...HANDLERS.map((name) =>
      build({
        ...esbuildOptions(),
        entryPoints: [join(REPO_ROOT, 'functions/handlers', `${name}.ts`)],
        outfile: join(dir, `${name}.js`),
      }),
    ),
    ...HANDLERS.map((name) =>
      build({
        ...esbuildOptions(),
        external: ['@aws-sdk/*'],
        entryPoints: [join(REPO_ROOT, 'functions/handlers', `${name}.ts`)],
        outfile: join(dir, `${name}-own.js`),
      }),
    ),
    build({
      ...esbuildOptions(),
      stdin: {
        contents:
          "export { parsePost } from './functions/core/parse-post'; export { decodePostText } from './functions/core/post-text';",
        resolveDir: REPO_ROOT,
        loader: 'ts',
        sourcefile: 'parse-bundle.ts',
      },
      outfile: join(dir, 'parse.js'),
    }),
  ]);
  bundled = createRequire(__filename)(join(dir, 'parse.js'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What decoding and parsing a file yields, comparable across the source and the bundle. */
function outcome(parser: typeof bundled, key: string, body: string | Uint8Array): unknown {
  try {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    return parser.parsePost(key, parser.decodePostText(bytes, CASE_MAX_POST_BYTES), { now: NOW });
  } catch (error) {
    const describe = (error as { describe?: () => string }).describe;
    if (typeof describe !== 'function') throw error;
    return { refused: describe.call(error) };
  }
}

function bundledPost(key: string, body: string | Uint8Array) {
  const parsed = outcome(bundled, key, body) as ReturnType<typeof parsePost>;
  if (!parsed || !('published' in parsed) || !parsed.published)
    throw new Error(`not published: ${JSON.stringify(parsed)}`);
  return parsed.post;
}

describe('Lambda bundles (infra/constructs/bundling.ts)', () => {
  it.each(HANDLERS)('the %s bundle is at most 1 MB with the AWS SDK, 400 KB without', async (name) => {
    expect((await stat(join(dir, `${name}.js`))).size).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
    expect((await stat(join(dir, `${name}-own.js`))).size).toBeLessThanOrEqual(MAX_OWN_CODE_BYTES);
  });

  it.each(HANDLERS)(
    'the %s bundle loads in a fresh Node process with nothing else to require, and exports its handler',
    async (name) => {
      const script = `const m = require(${JSON.stringify(join(dir, `${name}.js`))}); process.stdout.write(typeof m.handler);`;
      // No node_modules within reach: the bundle carries the AWS SDK it was tested with.
      const { stdout } = await run(process.execPath, ['-e', script], {
        cwd: tmpdir(),
        env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' },
      });
      expect(stdout).toBe('function');
    },
  );

  it('leaves the S3 client out of the http bundle: the read function never loads what it never calls', async () => {
    const source = await readFile(join(dir, 'http.js'), 'utf8');
    expect(source).toContain('DynamoDBClient');
    expect(source).not.toMatch(/S3Client|GetObjectCommand/);
  });

  it('bundled, parses Markdown and HTML with entities (markdown-it and htmlparser2 share entities@8 and entities@4)', () => {
    const markdown = bundledPost(
      'posts/2022-01-12-entities.md',
      postFile(
        ['title: Fish & chips', 'date: 2022-01-12 02:44:46 +0800'],
        'Fish &amp; chips &copy; 2022 &#x4e2d;文 &lt;b&gt;\n',
      ),
    );
    expect(markdown.title).toBe('Fish & chips');
    expect(markdown.html).toBe('<p>Fish &amp; chips © 2022 中文 &lt;b&gt;</p>');

    const html = bundledPost(
      'posts/2022-01-12-entities.html',
      postFile(
        ['title: HTML', 'date: 2022-01-12 02:44:46 +0800'],
        '<p title="&copy; &#x4e2d;" style="color: red">A &amp; B &copy; &#x4e2d;<a href="https://example.com/?a=1&amp;b=2">x</a></p>\n',
      ),
    );
    // style is never allowed: dropped without calling postcss (which is stubbed out of the bundle).
    expect(html.html).toBe('<p title="© 中">A &amp; B © 中<a href="https://example.com/?a=1&amp;b=2">x</a></p>');
  });

  it('bundled, reads GBK and GB18030 Chinese posts', () => {
    const gbk = bundledPost('posts/2022-01-20-gbk.html', GBK_POST);
    expect(gbk.title).toBe('成都日报：春节假期出行指南');
    expect(gbk.html).toBe('<p>春运期间，成都东站每日开行列车。</p>');

    const fourByte = iconv.encode(
      postFile(['title: 𠮷野家 €', 'date: 2022-01-20 08:00:00 +0800'], '<p>𠮷野家的牛肉饭。</p>\n'),
      'gb18030',
    );
    const post = bundledPost('posts/2022-01-20-gb18030.html', fourByte);
    expect(post.title).toBe('𠮷野家 €');
    expect(post.html).toBe('<p>𠮷野家的牛肉饭。</p>');
  });

  it('bundled, accepts and refuses the post cases exactly as the source does (front-matter YAML errors included)', () => {
    const cases = [...VALID_POSTS, ...BAD_POSTS.filter((bad) => !/renders too large/.test(bad.name))];
    cases.push({
      name: 'bad YAML',
      key: 'posts/bad/yaml.md',
      body: postFile(['title: [unclosed', 'date: 2022-01-12']),
      error: '',
    });
    for (const { key, body } of cases) {
      expect(outcome(bundled, key, body), key).toEqual(outcome({ parsePost, decodePostText }, key, body));
    }
    expect(outcome(bundled, 'posts/bad/yaml.md', postFile(['title: [unclosed', 'date: 2022-01-12']))).toMatchObject({
      refused: expect.stringMatching(/^line \d+, column \d+: front matter is not valid YAML: /),
    });
  });
});
