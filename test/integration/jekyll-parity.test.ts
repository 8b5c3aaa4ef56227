import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IngestOutcome, ingestChange, type StoredObject } from '../../functions/core/ingest';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { reindex } from '../../functions/core/reindex';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { listFiles, postKeyOf } from '../../infra/local/sync-content';
import { MemoryPostStore } from '../support/memory-store';

/*
 * Jekyll parity: the fixture site (test/fixtures/jekyll-site: each permalink style, nested and
 * spaced category folders, names with `/`, `&`, `%`, `#`, `?` and spaces, the date forms Jekyll's
 * parser reads, and what Jekyll skips) is built by Debian's jekyll under each _config.yml variant
 * below, and ingested here through the ingest core with the same config: every post must be
 * published at the very URL, with the very categories, tags, title and date Jekyll gives it, and
 * every file Jekyll does not publish must be skipped with a reason.
 *
 * The site's page post-urls.json lists what Jekyll published (Liquid over site.posts). Jekyll runs
 * with TZ=UTC: a config without `timezone` is read in UTC here (functions/core/site-config.ts).
 */
const FIXTURE = join(__dirname, '..', 'fixtures', 'jekyll-site');
const JEKYLL = '/usr/bin/jekyll';
/** Files of the fixture that are not posts and that `npm run upload` leaves out of a site. */
const NOT_UPLOADED = new Set(['post-urls.json']);

const VARIANTS: Array<{ name: string; settings: Record<string, string> }> = [
  { name: 'no permalink or timezone (Jekyll’s date style, UTC)', settings: {} },
  { name: 'permalink: date', settings: { permalink: 'date' } },
  { name: 'permalink: pretty', settings: { permalink: 'pretty' } },
  { name: 'permalink: ordinal', settings: { permalink: 'ordinal' } },
  { name: 'permalink: weekdate', settings: { permalink: 'weekdate' } },
  { name: 'permalink: none', settings: { permalink: 'none' } },
  {
    name: 'a template with every placeholder',
    settings: {
      permalink:
        '/:categories/:year/:short_year/:month/:i_month/:short_month/:long_month/:day/:i_day/:y_day/:hour:minute:second' +
        '/:week/:w_year/:w_day/:short_day/:long_day/:slugified_categories/:slug/:name/:title:output_ext',
    },
  },
  { name: 'a template ending in /', settings: { permalink: '/blog/:year-:month-:day/:title/' } },
  { name: 'timezone: America/New_York', settings: { timezone: 'America/New_York' } },
  { name: 'timezone: Asia/Shanghai, permalink: pretty', settings: { timezone: 'Asia/Shanghai', permalink: 'pretty' } },
  {
    name: 'timezone: Asia/Kolkata (+05:30), a template with hours',
    settings: { timezone: 'Asia/Kolkata', permalink: '/:year/:month/:day/:hour/:minute/:title.html' },
  },
  {
    name: 'timezone: Pacific/Kiritimati (+14:00), ordinal',
    settings: { timezone: 'Pacific/Kiritimati', permalink: 'ordinal' },
  },
];

interface Published {
  path: string;
  url: string;
  title: string;
  categories: string[];
  tags: string[];
  date: string;
}

const jekyllMissing = existsSync(JEKYLL)
  ? undefined
  : `${JEKYLL} is not installed and test/setup/test-tools.ts could not install Debian's jekyll package`;

let work: string;
let baseConfig: Record<string, unknown>;
let files: Array<{ key: string; bytes: Uint8Array }>;
const built = new Map<string, Published[]>();

async function buildWithJekyll(name: string, config: string): Promise<Published[]> {
  const dir = await mkdtemp(join(work, 'site-'));
  await writeFile(join(dir, '_config.yml'), config);
  // --disable-disk-cache: no .jekyll-cache written into the fixture.
  await promisify(execFile)(
    JEKYLL,
    [
      'build',
      '--quiet',
      '--disable-disk-cache',
      '--source',
      FIXTURE,
      '--destination',
      join(dir, '_site'),
      '--config',
      join(dir, '_config.yml'),
    ],
    {
      env: { ...process.env, TZ: 'UTC', JEKYLL_ENV: 'production' },
      timeout: 60_000,
    },
  ).catch((error: Error & { stderr?: string }) => {
    throw new Error(`jekyll build (${name}) failed: ${error.stderr || error.message}`);
  });
  const listed = JSON.parse(await readFile(join(dir, '_site', 'post-urls.json'), 'utf8')) as Published[];
  // Jekyll percent-encodes the URL; paths here are decoded, as HTTP API hands them to the function.
  return listed.map((post) => ({ ...post, url: decodeURIComponent(post.url) }));
}

/** The same files ingested through the ingest core, with the same _config.yml at SITE_CONFIG_KEY. */
async function ingestHere(config: string): Promise<{
  store: MemoryPostStore;
  objects: Map<string, StoredObject>;
  outcomes: IngestOutcome[];
  published: Published[];
}> {
  const store = new MemoryPostStore();
  const objects = new Map<string, StoredObject>();
  let sequence = 0;
  const put = (key: string, bytes: Uint8Array) => objects.set(key, { bytes, etag: `etag-${++sequence}` });
  put(SITE_CONFIG_KEY, new TextEncoder().encode(config));
  for (const file of files) put(file.key, file.bytes);
  const readObject = async (key: string) => objects.get(key);
  const outcomes: IngestOutcome[] = [];
  for (const file of files) {
    outcomes.push(
      await ingestChange(
        {
          key: file.key,
          kind: 'created',
          sequencer: (++sequence).toString(16).padStart(16, '0'),
          eventTime: '2024-05-01T00:00:00.000Z',
        },
        { store, readObject },
      ),
    );
  }
  return { store, objects, outcomes, published: await publishedPosts(store) };
}

async function publishedPosts(store: MemoryPostStore): Promise<Published[]> {
  const states = (await store.listSources()).states.filter((state) => state.status === 'published');
  const posts = await Promise.all(states.map((state) => store.getPost(state.postId!)));
  return posts.map((post) => ({
    path: post!.sourceKey.slice('posts/'.length),
    url: post!.path,
    title: post!.title,
    categories: post!.categories,
    tags: post!.tags,
    date: post!.date.replace(/Z$/, '+00:00'),
  }));
}

const byPath = (posts: Published[]) => [...posts].sort((a, b) => a.path.localeCompare(b.path));
const configOf = (settings: Record<string, string>) => yaml.dump({ ...baseConfig, ...settings });

describe.skipIf(jekyllMissing !== undefined)(
  'Jekyll parity: the fixture site is published at the URLs Debian’s jekyll gives it',
  () => {
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'jekyll-parity-'));
      baseConfig = yaml.load(await readFile(join(FIXTURE, '_config.yml'), 'utf8')) as Record<string, unknown>;
      // As `npm run upload -- SITE-FOLDER` maps them: posts/ + the path in the site.
      const paths = (await listFiles(FIXTURE)).filter(
        (path) => !NOT_UPLOADED.has(relative(FIXTURE, path)) && relative(FIXTURE, path) !== '_config.yml',
      );
      files = await Promise.all(
        paths.map(async (path) => ({ key: postKeyOf(FIXTURE, path), bytes: new Uint8Array(await readFile(path)) })),
      );
      // Every variant built at once: each build is a separate Ruby process of about half a second.
      await Promise.all(
        VARIANTS.map(async (variant) =>
          built.set(variant.name, await buildWithJekyll(variant.name, configOf(variant.settings))),
        ),
      );
    }, 120_000);
    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    for (const variant of VARIANTS) {
      it(`${variant.name}: every post at Jekyll’s URL, with its categories, tags, title and date`, async () => {
        const jekyll = built.get(variant.name)!;
        expect(jekyll.length).toBeGreaterThan(20);
        const here = await ingestHere(configOf(variant.settings));
        expect(byPath(here.published)).toEqual(byPath(jekyll));
      });
    }

    it('skips, each with a reason, exactly the files Jekyll does not publish (drafts, undated, published: false)', async () => {
      const jekyll = new Set(built.get(VARIANTS[0].name)!.map((post) => `posts/${post.path}`));
      const { outcomes, store } = await ingestHere(configOf({}));
      const notPublished = outcomes.filter((outcome) => outcome.result !== 'published');
      expect(notPublished.map((outcome) => outcome.key).sort()).toEqual(
        files
          .map((file) => file.key)
          .filter((key) => !jekyll.has(key))
          .sort(),
      );
      for (const outcome of notPublished) {
        expect(outcome, outcome.key).toMatchObject({ result: 'unpublished', reason: expect.any(String) });
      }
      expect(await store.listFailedSources()).toEqual([]);
    });

    it('re-publishes every post at its new URL when the permalink style changes, with a 301 from the old one', async () => {
      const before = await ingestHere(configOf({}));
      before.objects.set(SITE_CONFIG_KEY, {
        bytes: new TextEncoder().encode(configOf({ permalink: 'pretty' })),
        etag: 'etag-config-2',
      });
      await reindex({
        store: before.store,
        readObject: async (key) => before.objects.get(key),
        listObjects: async function* () {
          for (const [key, object] of before.objects) yield { key, etag: object.etag! };
        },
        settings: DEFAULT_INGEST_SETTINGS,
        force: true,
      });
      const after = await publishedPosts(before.store);
      expect(byPath(after)).toEqual(byPath(built.get('permalink: pretty')!));
      for (const old of before.published) {
        const moved = after.find((post) => post.path === old.path)!;
        // A post's own permalink does not follow the site's.
        if (moved.url === old.url) continue;
        expect(await before.store.findPage(old.url), old.url).toEqual({ movedTo: moved.url });
      }
    });
  },
);

if (jekyllMissing !== undefined) {
  describe('Jekyll parity', () => {
    it.skip(`skipped: ${jekyllMissing}`, () => {});
  });
}
