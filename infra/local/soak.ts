/**
 * `npm run soak`: the local stack under load while posts are uploaded, then a check that
 * nothing was lost. Starts its own stack on free ports with a temporary data directory,
 * runs CONNECTIONS keep-alive clients of mixed requests (70 % feeds, half of them with
 * If-None-Match; 20 % pages; 10 % share links) for SECONDS while POSTS posts are uploaded
 * through the S3 API, prints requests/s, p50/p99 latency and errors, and exits non-zero on
 * a 5xx, a connection error, an unexpected status or a post missing from any of its feeds.
 *
 *   npm run soak                                   # 60 s, 64 connections, 1,000 posts
 *   npm run soak -- --seconds 10 --connections 16 --posts 100
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { setLogSink } from '../../functions/adapters/logger';
import { POSTS_PREFIX } from '../../functions/config-names';
import { inParallel } from '../../functions/core/in-parallel';
import type { FeedRef } from '../../functions/core/post';
import { encodePath, feedPath } from '../../functions/core/urls';
import { type LocalStack, startLocalStack } from './local-stack';

export interface SoakOptions {
  seconds: number;
  connections: number;
  posts: number;
}

export interface SoakReport {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  /** 5xx answers and connection errors. */
  errors: number;
  /** Answers other than 200, 301 and 304 (every URL asked for exists). */
  unexpected: string[];
  postsUploaded: number;
  /** Posts uploaded while the load ran (the others were published before it started). */
  postsDuringLoad: number;
  /** Seconds from the first upload under load until every upload was ingested. */
  ingestSeconds: number;
  /** `key → feed` for each uploaded post missing from one of its feeds. */
  missing: string[];
  errorLogs: string[];
  ok: boolean;
}

const CATEGORIES = ['chengduribao', '经济', 'culture', 'sport', '天府 新闻', 'tech'];
const TAGS = ['成都日报新闻', '地铁', 'economy', 'city', '春节', 'weather', 'art', 'AI'];
/** Posts published before the load starts, so every feed and page asked for exists. */
const SEED_POSTS = CATEGORIES.length + TAGS.length;

interface SoakPost {
  key: string;
  infoCode: string;
  categories: string[];
  tags: string[];
  text: string;
}

function soakPost(index: number): SoakPost {
  const infoCode = `NW2023${String(index).padStart(10, '0')}`;
  const categories = [
    CATEGORIES[index % CATEGORIES.length],
    ...(index % 4 === 0 ? [CATEGORIES[(index + 1) % CATEGORIES.length]] : []),
  ];
  const tags = [TAGS[index % TAGS.length], TAGS[(index * 3 + 1) % TAGS.length]].filter(
    (tag, i, all) => all.indexOf(tag) === i,
  );
  const minute = new Date(Date.UTC(2023, 0, 1) + index * 60_000).toISOString().slice(0, 16).replace('T', ' ');
  const paragraphs = Array.from(
    { length: 6 },
    (_, p) => `<p>第${p + 1}段：成都日报记者报道，第 ${index} 篇稿件的正文内容，用于压力测试。</p>`,
  ).join('\n');
  const text = [
    '---',
    `title: "压力测试 ${index}: Tom & Jerry <load>"`,
    `date: ${minute}:00 +0800`,
    `categories: ${JSON.stringify(categories)}`,
    `tags: ${JSON.stringify(tags)}`,
    `infoCode: ${infoCode}`,
    '---',
    paragraphs,
    '',
    `[返回](/category/${encodeURIComponent(categories[0])}.html) <https://example.com/${index}>`,
    '',
  ].join('\n');
  return { key: `${POSTS_PREFIX}2023-01-01-soak-${index}.md`, infoCode, categories, tags, text };
}

function refsOf(post: SoakPost): FeedRef[] {
  return [
    { kind: 'site' },
    ...post.categories.map((name) => ({ kind: 'category' as const, name })),
    ...post.tags.map((name) => ({ kind: 'tag' as const, name })),
  ];
}

function describeRef(ref: FeedRef): string {
  return ref.kind === 'site' ? 'site' : `${ref.kind}:${ref.name}`;
}

async function upload(stack: LocalStack, posts: SoakPost[], concurrency: number): Promise<void> {
  await inParallel(posts, concurrency, async (post) => {
    await stack.s3.send(
      new PutObjectCommand({ Bucket: stack.bucket, Key: post.key, Body: post.text, ContentType: 'text/markdown' }),
    );
  });
}

/** The URLs the load asks for: every one exists once the seed posts are published. */
interface Targets {
  feeds: string[];
  pages: string[];
  shareLinks: string[];
}

async function targetsOf(stack: LocalStack, seeds: SoakPost[]): Promise<Targets> {
  const refs: FeedRef[] = [
    { kind: 'site' },
    ...CATEGORIES.map((name) => ({ kind: 'category' as const, name })),
    ...TAGS.map((name) => ({ kind: 'tag' as const, name })),
  ];
  const feeds = refs.flatMap((ref) =>
    (['rss', 'atom', 'json'] as const).map((format) => encodePath(feedPath(ref, format))),
  );
  const entries = await stack.store.queryFeed({ kind: 'site' }, seeds.length);
  const pages = [
    '/',
    ...CATEGORIES.map((name) => `/category/${encodeURIComponent(name)}.html`),
    ...TAGS.map((name) => `/tag/${encodeURIComponent(name)}.html`),
    ...entries.map((entry) => encodePath(entry.path)),
  ];
  const shareLinks = [
    ...entries.map((entry) => `/s/${entry.shortCode}`),
    ...seeds.map((post) => `/html_News/NewsShare.html?infoCode=${post.infoCode}`),
  ];
  return { feeds, pages, shareLinks };
}

function request(agent: Agent, url: string, headers: Record<string, string>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const sent = get(url, { agent, headers }, (response) => {
      response.on('data', () => {});
      response.on('end', () => resolve(response));
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.setTimeout(30_000, () => sent.destroy(new Error('timed out')));
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function readAllIds(stack: LocalStack, ref: FeedRef): Promise<Set<string>> {
  const ids = new Set<string>();
  let before: string | undefined;
  do {
    const page = await stack.store.readFeed(ref, 200, before);
    for (const entry of page.entries) ids.add(entry.id);
    before = page.older;
  } while (before);
  return ids;
}

export async function runSoak(options: SoakOptions, progress: (line: string) => void = () => {}): Promise<SoakReport> {
  const errorLogs: string[] = [];
  setLogSink((level, message, fields) => {
    if (level === 'error') errorLogs.push(`${message} ${JSON.stringify(fields)}`.slice(0, 500));
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'publishing-soak-'));
  const stack = await startLocalStack({
    dataDir,
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    onError: (error) => errorLogs.push(String(error)),
  });
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  try {
    const posts = Array.from({ length: options.posts }, (_, index) => soakPost(index));
    const seeds = posts.slice(0, Math.min(SEED_POSTS, posts.length));
    progress(`local stack on ${stack.url}; publishing ${seeds.length} seed posts`);
    await upload(stack, seeds, 4);
    await stack.idle();
    const targets = await targetsOf(stack, seeds);

    const statuses = new Map<string, number>();
    const unexpected: string[] = [];
    const latencies: number[] = [];
    const etags = new Map<string, string>();
    let errors = 0;
    let connectionErrors = 0;
    const count = (status: string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

    const uploadStarted = Date.now();
    const uploading = upload(stack, posts.slice(seeds.length), 4).then(() => stack.idle());
    let ingestSeconds = 0;
    void uploading.then(
      () => {
        ingestSeconds = (Date.now() - uploadStarted) / 1000;
      },
      () => {},
    );
    progress(
      `${options.connections} connections for ${options.seconds} s while ${posts.length - seeds.length} more posts are uploaded`,
    );

    const loadStarted = Date.now();
    const deadline = loadStarted + options.seconds * 1000;
    const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
    await Promise.all(
      Array.from({ length: options.connections }, async () => {
        while (Date.now() < deadline) {
          const roll = Math.random();
          const path = roll < 0.7 ? pick(targets.feeds) : roll < 0.9 ? pick(targets.pages) : pick(targets.shareLinks);
          const headers: Record<string, string> = {};
          const etag = etags.get(path);
          if (roll < 0.7 && etag && Math.random() < 0.5) headers['if-none-match'] = etag;
          const started = performance.now();
          try {
            const response = await request(agent, stack.url + path, headers);
            latencies.push(performance.now() - started);
            const status = response.statusCode ?? 0;
            count(String(status));
            if (status >= 500) errors++;
            if (![200, 301, 304].includes(status) && unexpected.length < 20) unexpected.push(`${status} ${path}`);
            const tag = response.headers.etag;
            if (status === 200 && typeof tag === 'string') etags.set(path, tag);
          } catch (error) {
            errors++;
            connectionErrors++;
            count(`connection error: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          }
        }
      }),
    );
    const elapsed = (Date.now() - loadStarted) / 1000;
    progress(`load done in ${elapsed.toFixed(1)} s; waiting for ingest to finish`);
    await uploading;

    const missing: string[] = [];
    const idsByFeed = new Map<string, Set<string>>();
    for (const post of posts) {
      for (const ref of refsOf(post)) {
        const name = describeRef(ref);
        if (!idsByFeed.has(name)) idsByFeed.set(name, await readAllIds(stack, ref));
        if (!idsByFeed.get(name)!.has(post.infoCode)) missing.push(`${post.key} → ${name}`);
      }
    }
    const failed = await stack.store.listFailedSources();
    for (const state of failed) missing.push(`${state.key} refused: ${state.error}`);

    latencies.sort((a, b) => a - b);
    const report: SoakReport = {
      requests: latencies.length + connectionErrors,
      requestsPerSecond: latencies.length / elapsed,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      statuses: Object.fromEntries(statuses),
      errors,
      unexpected,
      postsUploaded: posts.length,
      postsDuringLoad: posts.length - seeds.length,
      ingestSeconds,
      missing,
      errorLogs,
      ok: false,
    };
    report.ok = errors === 0 && unexpected.length === 0 && missing.length === 0 && errorLogs.length === 0;
    return report;
  } finally {
    agent.destroy();
    await stack.stop();
    await rm(dataDir, { recursive: true, force: true });
    setLogSink(() => {});
  }
}

export function describeReport(report: SoakReport, options: SoakOptions): string {
  return [
    `soak: ${options.seconds} s, ${options.connections} connections, ${report.postsUploaded} posts uploaded`,
    `  requests:    ${report.requests} (${report.requestsPerSecond.toFixed(0)} req/s)`,
    `  latency:     p50 ${report.p50Ms.toFixed(1)} ms, p99 ${report.p99Ms.toFixed(1)} ms`,
    `  statuses:    ${Object.entries(report.statuses)
      .map(([status, n]) => `${status}: ${n}`)
      .join(', ')}`,
    `  errors:      ${report.errors} (5xx and connection errors)`,
    `  ingest:      ${report.postsDuringLoad} posts uploaded under load, all ingested ${report.ingestSeconds.toFixed(1)} s after the first of them`,
    `  missing:     ${report.missing.length} (post → feed pairs not found)`,
    ...report.unexpected.map((line) => `  unexpected:  ${line}`),
    ...report.missing.slice(0, 10).map((line) => `  missing:     ${line}`),
    ...report.errorLogs.slice(0, 5).map((line) => `  error log:   ${line}`),
    report.ok ? 'soak: OK' : 'soak: FAILED',
  ].join('\n');
}

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive whole number, not "${args[index + 1]}"`);
    process.exit(2);
  }
  return value;
}

if (require.main === module) {
  // The SDK warns on Node 20 at every start; it is not something a user of this command can act on.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const args = process.argv.slice(2);
  const options = {
    seconds: option(args, 'seconds', 60),
    connections: option(args, 'connections', 64),
    posts: option(args, 'posts', 1000),
  };
  runSoak(options, (line) => console.log(line)).then(
    (report) => {
      console.log(describeReport(report, options));
      process.exit(report.ok ? 0 : 1);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
