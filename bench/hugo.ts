// Hugo's full build of the benchmark corpus: the "publish one post" cost of a static generator
// (issue 8, item 7). A static site republishes by rebuilding everything, so one full build of N
// posts is what publishing the N+1st costs there.
//
// The site is minimal but realistic, and built to match ours wherever Hugo lets it:
//   - baseURL, languageCode zh-cn, taxonomies categories + tags, so Hugo renders a page and an RSS
//     feed per category and per tag (its embedded RSS template), plus home/section feeds and sitemap;
//   - feeds and list pages hold 20 items (rssLimit/paginate = 20, our `feedLength`). Hugo's default
//     rssLimit is unlimited, which would make every feed O(posts) and Hugo slower than it has to be;
//   - small layouts of our own (baseof/single/list/index/terms), no theme;
//   - posts are `.md` rendered by Goldmark with raw HTML allowed, as our ingest renders `.txt` posts
//     with markdown-it (html: true).
//
// Front matter: Hugo 0.111 parses the corpus' Jekyll dates (`2022-01-12 22:44:03 +0800`) as they
// are, so dates are copied unchanged. But Jekyll (and our parse-post `nameList`) split a
// space-separated `tags:`/`categories:` string into several names, while Hugo takes the whole
// string as ONE term; the copy therefore rewrites those two fields as YAML lists. Nothing else changes.
//
//   npx tsx bench/hugo.ts --n 1000 [--reps 3] [--seed 1] [--dir /dev/shm] [--keep]

import { execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpus } from './corpus';
import { benchArguments, stat } from './stats';

export interface HugoBuildResult {
  /** Wall-clock seconds of each full build, in run order. */
  seconds: number[];
  /**
   * CPU seconds (user + sys) Hugo used in each build, when the shell reported them: steadier than
   * wall time on a shared machine. Hugo uses every core, so this is above wall time on an idle box.
   */
  cpuSeconds: number[];
  /** HTML pages written by the last build (posts, list/pager pages, term pages, home). */
  pages: number;
  /** RSS feeds written by the last build (`index.xml`; sitemap not counted). */
  feeds: number;
  /** Of those feeds, one per category and one per tag. */
  categoryFeeds: number;
  tagFeeds: number;
  version: string;
}

/** `hugo version` output, or undefined when `hugo` is not on PATH (or does not run). */
export function hugoAvailable(): string | undefined {
  try {
    return execFileSync('hugo', ['version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  } catch {
    return undefined;
  }
}

const CONFIG = `baseURL = "https://news.example.com/"
languageCode = "zh-cn"
defaultContentLanguage = "zh-cn"
hasCJKLanguage = true
title = "成都新闻"
paginate = 20
rssLimit = 20
disableKinds = []
enableRobotsTXT = false
resourceDir = "resources"
timeout = "600s"

[taxonomies]
  category = "categories"
  tag = "tags"

[markup.goldmark.renderer]
  unsafe = true
`;

const LAYOUTS: Record<string, string> = {
  '_default/baseof.html': `<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{ block "title" . }}{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}{{ end }}</title>
{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}" title="{{ site.Title }}">{{ end }}
<link rel="canonical" href="{{ .Permalink }}">
</head>
<body>
<header class="site"><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav>{{ range site.Taxonomies.categories.ByCount }}<a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> {{ end }}</nav>
</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><a href="{{ site.Home.RelPermalink }}index.xml">RSS</a></footer>
</body>
</html>
`,
  '_default/single.html': `{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2006-01-02 15:04" }}</time>
{{ range .GetTerms "categories" }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}
{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a> {{ end }}</p>
{{ .Content }}
{{ with .PrevInSection }}<a rel="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a rel="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
</article>
{{ end }}
`,
  '_default/list.html': `{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ template "_internal/pagination.html" . }}
<ol class="posts">
{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary | plainify | truncate 120 }}</p></li>
{{ end }}</ol>
{{ template "_internal/pagination.html" . }}
{{ end }}
`,
  'index.html': `{{ define "main" }}
{{ $paginator := .Paginate site.RegularPages }}
<ol class="posts">
{{ range $paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary | plainify | truncate 120 }}</p></li>
{{ end }}</ol>
{{ template "_internal/pagination.html" . }}
{{ end }}
`,
  '_default/terms.html': `{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="terms">
{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }}) <a href="{{ .Page.RelPermalink }}index.xml">RSS</a></li>
{{ end }}</ul>
{{ end }}
`,
};

const NAME_FIELD = /^(categories|category|tags|tag):[ \t]*(.*)$/;

/**
 * The post as Hugo should read it: `.md`, with space-separated categories/tags written as YAML
 * lists (see the header comment). Dates and everything else are left unchanged.
 */
function hugoCopy(bytes: Buffer): string {
  const text = bytes.toString('utf8').replace(/\r\n?/g, '\n');
  if (!text.startsWith('---\n')) return text;
  const end = text.indexOf('\n---\n', 3);
  if (end < 0) return text;
  const lines = text
    .slice(4, end)
    .split('\n')
    .map((line) => {
      const match = NAME_FIELD.exec(line);
      if (!match) return line;
      const value = match[2].trim();
      if (value === '' || value.startsWith('[') || value.startsWith('-')) return line;
      const names = value
        .replace(/^(["'])(.*)\1$/, '$2')
        .split(/\s+/)
        .filter(Boolean);
      return `${match[1]}: [${names.map((name) => JSON.stringify(name)).join(', ')}]`;
    });
  return `---\n${lines.join('\n')}${text.slice(end)}`;
}

function contentName(key: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
  return `${base.replace(/[^A-Za-z0-9_-]/g, '_')}.md`;
}

async function writeSite(dir: string, posts: Array<{ key: string; bytes: Buffer }>): Promise<void> {
  await writeFile(join(dir, 'config.toml'), CONFIG);
  for (const [path, text] of Object.entries(LAYOUTS)) {
    await mkdir(join(dir, 'layouts', path, '..'), { recursive: true });
    await writeFile(join(dir, 'layouts', path), text);
  }
  const postsDir = join(dir, 'content', 'posts');
  await mkdir(postsDir, { recursive: true });
  await writeFile(join(postsDir, '_index.md'), '---\ntitle: "新闻"\n---\n');
  const seen = new Set<string>();
  const BATCH = 256;
  for (let at = 0; at < posts.length; at += BATCH) {
    await Promise.all(
      posts.slice(at, at + BATCH).map((post) => {
        let name = contentName(post.key);
        for (let n = 2; seen.has(name); n++) name = contentName(post.key).replace(/\.md$/, `-${n}.md`);
        seen.add(name);
        return writeFile(join(postsDir, name), hugoCopy(post.bytes));
      }),
    );
  }
}

// `times` (POSIX sh) prints the CPU time of the shell's children: Hugo's user and sys seconds.
const TIMED_HUGO = 'hugo "$@"; code=$?; times; exit $code';

function cpuOf(stdout: string): number | undefined {
  const lines = stdout.trim().split('\n');
  const found = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(lines[lines.length - 1] ?? '');
  return found ? Number(found[1]) * 60 + Number(found[2]) + Number(found[3]) * 60 + Number(found[4]) : undefined;
}

function runHugo(dir: string, destination: string): Promise<{ seconds: number; cpu?: number }> {
  return new Promise((resolve, reject) => {
    const args = ['--quiet', '--destination', destination, '--cacheDir', join(dir, 'cache')];
    const start = process.hrtime.bigint();
    const child = spawn('/bin/sh', ['-c', TIMED_HUGO, 'sh', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout = (stdout + chunk).slice(-4096);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', (error) => reject(new Error(`could not run hugo: ${error.message}`)));
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code === 0) resolve({ seconds, cpu: cpuOf(stdout) });
      else
        reject(
          new Error(
            `hugo build failed (${signal ? `signal ${signal}` : `exit ${code}`}) in ${dir}:\n${stderr.trim() || '(no stderr)'}`,
          ),
        );
    });
  });
}

/** Counts what a build wrote: HTML pages and RSS feeds, with the per-category and per-tag feeds. */
async function countOutput(
  publicDir: string,
): Promise<Pick<HugoBuildResult, 'pages' | 'feeds' | 'categoryFeeds' | 'tagFeeds'>> {
  const entries = await readdir(publicDir, { recursive: true, withFileTypes: true });
  let pages = 0,
    feeds = 0,
    categoryFeeds = 0,
    tagFeeds = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    // `parentPath` is Node ≥ 20.12; `path` is the older name of the same field.
    const parent =
      (entry as { parentPath?: string; path?: string }).parentPath ?? (entry as { path?: string }).path ?? '';
    const relative = join(parent, entry.name)
      .slice(publicDir.length + 1)
      .split(/[\\/]/);
    if (entry.name.endsWith('.html')) pages++;
    else if (entry.name === 'index.xml') {
      feeds++;
      if (relative.length === 3 && relative[0] === 'categories') categoryFeeds++;
      if (relative.length === 3 && relative[0] === 'tags') tagFeeds++;
    }
  }
  return { pages, feeds, categoryFeeds, tagFeeds };
}

/**
 * Writes a Hugo site holding `posts` into a temp dir and runs `reps` full builds, each from a clean
 * public/, resources/ and cache dir, timing each. Throws with Hugo's stderr when a build fails.
 * `options.dir` is where the temp site goes (default os.tmpdir(); e.g. /dev/shm to take the disk out
 * of the figure). `options.keep` leaves the site (and the last build's public/) there and logs where.
 */
export async function hugoBuild(
  posts: Array<{ key: string; bytes: Buffer }>,
  reps: number,
  options: { keep?: boolean; dir?: string } = {},
): Promise<HugoBuildResult> {
  const version = hugoAvailable();
  if (!version) throw new Error('hugo is not on PATH (apt-get install -y hugo)');
  const dir = await mkdtemp(join(options.dir ?? tmpdir(), 'bench-hugo-'));
  const publicDir = join(dir, 'public');
  try {
    await writeSite(dir, posts);
    const seconds: number[] = [];
    const cpuSeconds: number[] = [];
    for (let rep = 0; rep < Math.max(1, reps); rep++) {
      for (const sub of ['public', 'resources', 'cache']) await rm(join(dir, sub), { recursive: true, force: true });
      const run = await runHugo(dir, publicDir);
      seconds.push(run.seconds);
      if (run.cpu !== undefined) cpuSeconds.push(run.cpu);
    }
    return { seconds, cpuSeconds, ...(await countOutput(publicDir)), version };
  } finally {
    if (options.keep) console.error(`hugo site kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = benchArguments({
    n: { type: 'string' },
    reps: { type: 'string' },
    seed: { type: 'string' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
  });
  const n = Number(args.n ?? 1000);
  const reps = Number(args.reps ?? 3);
  const seed = Number(args.seed ?? 1);
  if (!hugoAvailable()) {
    console.log('hugo is not on PATH; skipping (apt-get install -y hugo)');
    return;
  }
  const dir = args.dir ?? '';
  const result = await hugoBuild(corpus(seed, n), reps, { keep: args.keep === true, ...(dir ? { dir } : {}) });
  const s = (value: number) => value.toFixed(2);
  const summary = (values: number[]) => {
    const { median, min, max } = stat(values);
    return `median ${s(median)} s (min ${s(min)}, max ${s(max)}); runs ${values.map(s).join(', ')} s`;
  };
  console.log(result.version);
  console.log(`hugo full build, ${n} posts (seed ${seed}), ${result.seconds.length} reps, in ${dir || tmpdir()}:`);
  console.log(`  wall: ${summary(result.seconds)}`);
  if (result.cpuSeconds.length) console.log(`  cpu (user+sys): ${summary(result.cpuSeconds)}`);
  console.log(
    `wrote ${result.pages} HTML pages, ${result.feeds} RSS feeds (${result.categoryFeeds} category, ${result.tagFeeds} tag)`,
  );
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
