// `npx tsx bench/ingest-budget.ts [--n 200] [--seed 1] [--only name] [--all]`: what decoding
// and parsing one post costs, for every hostile post (test/support/hostile-posts.ts), the
// benchmark corpus and content/posts/. Each file is parsed in a fresh child process, so the
// peak memory measured is that file's alone: peak RSS (process.resourceUsage().maxRSS) less
// that of a child that only loads the modules, and the wall time of decodePostText +
// parsePost (and its CPU time, which other work on the machine disturbs less). The children
// run the parser as bundled for Lambda (infra/constructs/bundling.ts).
//
// Prints a table (hostile and content files one per row, the corpus as one row of its
// maxima; --all prints every corpus file) and the maxima; exits 1 when any file takes more
// than 128 MB of extra memory or 1 s, or crashes. A child is stopped at a 1 GB heap or 20 s.

import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { DEFAULT_INGEST_SETTINGS } from '../functions/core/ingest-settings';
import { esbuildOptions, REPO_ROOT } from '../infra/constructs/bundling';
import { HOSTILE_POSTS } from '../test/support/hostile-posts';
import { corpus } from './corpus';
import { benchArguments } from './stats';

const MAX_EXTRA_MB = 128;
const MAX_MS = 1000;
const CHILD_HEAP_MB = 1024;
const CHILD_TIMEOUT_MS = 20_000;
const MAX_POST_BYTES = DEFAULT_INGEST_SETTINGS.maxPostBytes;

const args = benchArguments({
  n: { type: 'string' },
  seed: { type: 'string' },
  only: { type: 'string' },
  all: { type: 'boolean' },
  json: { type: 'string' },
});
const N = Number(args.n ?? 200);
const SEED = Number(args.seed ?? 1);

interface Sample {
  group: 'hostile' | 'corpus' | 'content';
  name: string;
  key: string;
  bytes: Buffer;
}

interface Measured {
  outcome: string;
  extraMb: number;
  ms: number;
  cpuMs: number;
  over: boolean;
}

// The child: loads the bundle, reads the file, then decodes and parses it once. Plain
// JavaScript, so children start without a TypeScript loader.
const CHILD = `
const { readFileSync } = require('node:fs');
const { performance } = require('node:perf_hooks');
const [bundle, file, key, maxBytes] = process.argv.slice(2);
const { parsePost, decodePostText } = require(bundle);
const report = (result) => process.stdout.write(JSON.stringify({ ...result, maxRssKb: process.resourceUsage().maxRSS }));
if (file === '--baseline') return report({ outcome: 'baseline', ms: 0, cpuMs: 0 });
const bytes = readFileSync(file);
const cpu = process.cpuUsage();
const start = performance.now();
let outcome;
try {
  const parsed = parsePost(key, decodePostText(bytes, Number(maxBytes)), { now: '2024-05-01T00:00:00.000Z' });
  outcome = parsed.published ? 'published' : 'unpublished';
} catch (error) {
  if (typeof error.describe !== 'function') throw error;
  outcome = 'refused: ' + error.describe();
}
const ms = performance.now() - start;
const used = process.cpuUsage(cpu);
report({ outcome, ms, cpuMs: (used.user + used.system) / 1000 });
`;

function runChild(
  dir: string,
  file: string,
  key = '',
): Promise<{ outcome: string; ms: number; cpuMs: number; maxRssKb: number }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${CHILD_HEAP_MB}`,
        join(dir, 'child.js'),
        join(dir, 'parse.js'),
        file,
        key,
        String(MAX_POST_BYTES),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const started = Date.now();
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0 && stdout) return done(JSON.parse(stdout));
      const why =
        signal === 'SIGKILL'
          ? `killed after ${CHILD_TIMEOUT_MS / 1000} s`
          : /heap out of memory|Allocation failed/.test(stderr)
            ? `out of memory (${CHILD_HEAP_MB} MB heap)`
            : `crashed: ${
                stderr
                  .trim()
                  .split('\n')
                  .filter((line) => /Error/.test(line))[0] ?? `exit ${code}`
              }`;
      done({ outcome: why, ms: Date.now() - started, cpuMs: Number.NaN, maxRssKb: Number.POSITIVE_INFINITY });
    });
  });
}

async function samples(): Promise<Sample[]> {
  const list: Sample[] = HOSTILE_POSTS.map((post) => ({
    group: 'hostile',
    name: post.name,
    key: post.key,
    bytes: Buffer.from(post.text(), 'utf8'),
  }));
  for (const post of corpus(SEED, N)) list.push({ group: 'corpus', name: post.key, key: post.key, bytes: post.bytes });
  const contentDir = resolve(REPO_ROOT, 'content/posts');
  for (const name of (await readdir(contentDir)).sort()) {
    list.push({
      group: 'content',
      name: `content/posts/${name}`,
      key: `posts/${name}`,
      bytes: await readFile(join(contentDir, name)),
    });
  }
  return args.only
    ? list.filter((sample) => sample.name.includes(args.only!) || sample.key.includes(args.only!))
    : list;
}

function row(cells: string[], widths: number[]): string {
  return cells
    .map((cell, index) =>
      index === 0 || index === cells.length - 1 ? cell.padEnd(widths[index]) : cell.padStart(widths[index]),
    )
    .join('  ')
    .trimEnd();
}

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-budget-'));
  try {
    await build({
      ...esbuildOptions(),
      sourcemap: false,
      stdin: {
        contents:
          "export { parsePost } from './functions/core/parse-post'; export { decodePostText } from './functions/core/post-text';",
        resolveDir: REPO_ROOT,
        loader: 'ts',
        sourcefile: 'ingest-budget-bundle.ts',
      },
      outfile: join(dir, 'parse.js'),
    });
    await writeFile(join(dir, 'child.js'), CHILD);

    const baselines: number[] = [];
    for (let i = 0; i < 3; i++) baselines.push((await runChild(dir, '--baseline')).maxRssKb);
    const baselineKb = baselines.sort((a, b) => a - b)[1];

    const list = await samples();
    const results: Array<Sample & Measured> = [];
    for (const [index, sample] of list.entries()) {
      const file = join(dir, `post-${index}`);
      await writeFile(file, sample.bytes);
      const measured = await runChild(dir, file, sample.key);
      await rm(file);
      const extraMb = Math.max(0, (measured.maxRssKb - baselineKb) / 1024);
      const over =
        extraMb > MAX_EXTRA_MB || measured.ms > MAX_MS || !/^(published|unpublished|refused)/.test(measured.outcome);
      results.push({ ...sample, outcome: measured.outcome, extraMb, ms: measured.ms, cpuMs: measured.cpuMs, over });
      if (process.stderr.isTTY) process.stderr.write(`\r${index + 1}/${list.length}`);
    }
    if (process.stderr.isTTY) process.stderr.write('\r');

    const widths = [62, 9, 9, 7, 7, 0];
    const lines = [row(['file', 'bytes', 'extra MB', 'ms', 'cpu ms', 'outcome'], widths)];
    const show = (
      name: string,
      r: { bytes: number; extraMb: number; ms: number; cpuMs: number; outcome: string; over: boolean },
    ) =>
      lines.push(
        row(
          [
            (r.over ? '! ' : '  ') + name.slice(0, widths[0] - 2),
            String(r.bytes),
            r.extraMb.toFixed(1),
            r.ms.toFixed(0),
            r.cpuMs.toFixed(0),
            r.outcome.slice(0, 110),
          ],
          widths,
        ),
      );
    for (const r of results) {
      if (r.group !== 'corpus' || args.all) show(r.name, { ...r, bytes: r.bytes.length });
    }
    const corpusResults = results.filter((r) => r.group === 'corpus');
    if (corpusResults.length > 0 && !args.all) {
      const published = corpusResults.filter((r) => r.outcome === 'published').length;
      show(`corpus: ${corpusResults.length} posts (seed ${SEED}), maxima`, {
        bytes: Math.max(...corpusResults.map((r) => r.bytes.length)),
        extraMb: Math.max(...corpusResults.map((r) => r.extraMb)),
        ms: Math.max(...corpusResults.map((r) => r.ms)),
        cpuMs: Math.max(...corpusResults.map((r) => r.cpuMs)),
        outcome: `${published} published, ${corpusResults.length - published} not`,
        over: corpusResults.some((r) => r.over),
      });
    }
    console.log(lines.join('\n'));
    const load = loadavg()
      .map((value) => value.toFixed(1))
      .join(' ');
    console.log(
      `\nbaseline (modules loaded, nothing parsed): ${(baselineKb / 1024).toFixed(1)} MB peak RSS; node ${process.version}; ${availableParallelism()} CPUs, load average ${load}`,
    );
    const summary: Record<string, unknown> = {
      baselineMb: baselineKb / 1024,
      budget: { extraMb: MAX_EXTRA_MB, ms: MAX_MS },
    };
    for (const group of ['hostile', 'corpus', 'content'] as const) {
      const of = results.filter((r) => r.group === group);
      if (of.length === 0) continue;
      const maxMb = of.reduce((a, b) => (b.extraMb > a.extraMb ? b : a));
      const maxMs = of.reduce((a, b) => (b.ms > a.ms ? b : a));
      const maxCpu = of.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a));
      summary[group] = {
        files: of.length,
        over: of.filter((r) => r.over).length,
        maxExtraMb: maxMb.extraMb,
        maxExtraMbFile: maxMb.name,
        maxMs: maxMs.ms,
        maxMsFile: maxMs.name,
        maxCpuMs: maxCpu.cpuMs,
        maxCpuMsFile: maxCpu.name,
      };
      console.log(
        `${group.padEnd(8)} ${String(of.length).padStart(4)} files: max extra ${maxMb.extraMb.toFixed(1)} MB (${maxMb.name}), ` +
          `max ${maxMs.ms.toFixed(0)} ms (${maxMs.name}), max ${maxCpu.cpuMs.toFixed(0)} ms CPU (${maxCpu.name})`,
      );
    }
    // For `npm run bench` (section f), which runs this script and tabulates the maxima.
    if (args.json) await writeFile(args.json, JSON.stringify(summary, null, 2));
    const over = results.filter((r) => r.over);
    if (over.length > 0) {
      console.log(
        `\n${over.length} file${over.length === 1 ? '' : 's'} over the budget of ${MAX_EXTRA_MB} MB and ${MAX_MS} ms (marked !)`,
      );
      return 1;
    }
    console.log(`\nevery file refused or published within ${MAX_EXTRA_MB} MB and ${MAX_MS} ms`);
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
