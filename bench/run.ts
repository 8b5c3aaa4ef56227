// `npm run bench [-- --quick | --full] [--only a,b] [--n N] [--seed S] [--sizes 1000,10000] [--bulk N]`:
// measures the costs the project sets targets for, each beside a reference measured in the same run,
// and prints medians with min–max over repetitions. Writes bench/results/latest.json. Not part
// of `npm test`.
//
// Sections: a. ingest compute, b. feed GET over loopback, c. storage calls, d. Lambda bundles,
// e. bulk load (through S3) vs the BatchWriteItem floor, and publish latency at 1k, 10k (not
// with --quick) and 100k (--full) posts, f. memory and time to read one post (hostile files, the
// corpus, content/), g. Hugo's full build of the same corpus (when hugo is on PATH).

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { stat as fileStat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type AttributeValue, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, S3Event } from 'aws-lambda';
import { build } from 'esbuild';
import matter from 'gray-matter';
import { dynamoClient } from '../functions/adapters/clients';
import { DynamoPostStore } from '../functions/adapters/dynamo-store';
import { setLogSink } from '../functions/adapters/logger';
import { PARSE_DEADLINE_MS, PARSE_HEAP_MB } from '../functions/adapters/parse-worker';
import { inParallel } from '../functions/core/in-parallel';
import { parsePost } from '../functions/core/parse-post';
import { decodePostText } from '../functions/core/post-text';
import { DEFAULT_SETTINGS } from '../functions/core/settings';
import { createHttpHandler } from '../functions/handlers/http';
import { createIngestHandler } from '../functions/handlers/ingest';
import { esbuildOptions } from '../infra/constructs/bundling';
import { ensureTable } from '../infra/local/emulators';
import { createLocalApiServer } from '../infra/local/http-server';
import { INGEST_CONCURRENCY, type LocalStack, startLocalStack } from '../infra/local/local-stack';
import { corpus, corpusPost, random } from './corpus';
import { hugoAvailable, hugoBuild } from './hugo';
import { batchWriteItems, preload } from './preload';
import { benchArguments, type Stat, stat } from './stats';
import { describeCpuPerPost, mainThreadCpuMs, processCpuMs } from './thread-cpu';

// The SDK warns at every client creation on Node 20; this project supports Node 20 by design.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = resolve(__dirname, '..');
const args = benchArguments({
  quick: { type: 'boolean' },
  /** Publish latency (and Hugo's build) at 100k posts too; about 20 minutes on these machines. */
  full: { type: 'boolean' },
  only: { type: 'string' },
  sizes: { type: 'string' },
  seed: { type: 'string' },
  n: { type: 'string' },
  bulk: { type: 'string' },
});
const QUICK = args.quick === true;
const FULL = args.full === true;
const SEED = Number(args.seed ?? 1);
const N = Number(args.n ?? (QUICK ? 500 : 1000));
const REPS = QUICK ? 3 : 5;
const SECONDS = QUICK ? 3 : 10;
const CONNECTIONS = 32;
/** Posts loaded through S3 → ingest for the bulk load figure; larger sizes are preloaded. */
const BULK = Number(args.bulk ?? (QUICK ? 500 : 1000));
const FEED_CATEGORY = 'bench';
/** `--only b,c`: run only these sections (while working on one of them). */
const ONLY = args.only === undefined ? undefined : new Set(args.only.split(','));
const runs = (section: string) => !ONLY || ONLY.has(section);
const SIZES = args.sizes?.split(',').map(Number) ?? (QUICK ? [1000] : FULL ? [1000, 10000, 100000] : [1000, 10000]);

interface Row {
  section: string;
  measure: string;
  unit: string;
  ours: Stat | number | string;
  reference?: Stat | number | string;
  referenceName?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}
const rows: Row[] = [];
const notes: string[] = [];

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

// ---------- a. ingest compute ----------

type Parse = typeof parsePost;
type Decode = typeof decodePostText;

/**
 * parsePost + decodePostText as the Lambda bundle runs them: esbuild, minified, without tsx's
 * keepNames wrapping (which calls Object.defineProperty for every closure created: under tsx
 * a per-byte closure in the UTF-8 check dominates the profile).
 */
async function bundledParser(): Promise<{ parsePost: Parse; decodePostText: Decode; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-parse-'));
  const outfile = join(dir, 'parse.js');
  await build({
    stdin: {
      contents:
        "export { parsePost } from './functions/core/parse-post'; export { decodePostText } from './functions/core/post-text';",
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'bench-parse.ts',
    },
    ...esbuildOptions(),
    outfile,
  });
  const loaded = require(outfile) as { parsePost: Parse; decodePostText: Decode };
  return { ...loaded, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function ingestCompute(): Promise<void> {
  const posts = corpus(SEED, N);
  const texts = posts.map((post) => post.bytes);
  const now = '2024-01-01T00:00:00Z';
  const bundled = await bundledParser();
  const timer = (parse: Parse, decode: Decode) => () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < posts.length; i++) parse(posts[i].key, decode(texts[i], 1 << 20), { now });
    return Number(process.hrtime.bigint() - start) / 1e3 / posts.length;
  };
  const ours = timer(bundled.parsePost, bundled.decodePostText);
  const oursTsx = timer(parsePost, decodePostText);
  // gray-matter caches by content unless given options: pass {} so every call parses.
  const reference = () => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < posts.length; i++) matter(texts[i].toString('utf8'), {});
    return Number(process.hrtime.bigint() - start) / 1e3 / posts.length;
  };
  ours();
  oursTsx();
  reference(); // warm-up (JIT)
  const a: number[] = [];
  const t: number[] = [];
  const b: number[] = [];
  for (let rep = 0; rep < 5; rep++) {
    a.push(ours());
    t.push(oursTsx());
    b.push(reference());
  }
  await bundled.cleanup();
  const oursStat = stat(a);
  const refStat = stat(b);
  rows.push({
    section: 'a',
    measure: `ingest compute per post (decode+parse+validate+sanitize+render), ${N} posts, esbuild bundle as deployed`,
    unit: 'µs',
    ours: oursStat,
    reference: refStat,
    referenceName: 'gray-matter alone',
    ratio: oursStat.median / refStat.median,
    target: '≤ 1000 µs',
    met: oursStat.median <= 1000,
  });
  const tsxStat = stat(t);
  rows.push({
    section: 'a',
    measure: 'the same under tsx (npm start, tests): keepNames wrapping included',
    unit: 'µs',
    ours: tsxStat,
    reference: refStat,
    referenceName: 'gray-matter alone',
    ratio: tsxStat.median / refStat.median,
  });
}

// ---------- b. feed GET over loopback ----------

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  /** Responses that were not what the case expects, or failed (timeouts included); with why. */
  wrong: number;
  detail: string;
  /** Busy time of this process's main thread (where both servers run) per request, µs. */
  serverMicros: number;
  /** CPU time of that thread per request, µs (Linux): unlike busy time, not waiting for a core. */
  serverCpuMicros?: number;
}

interface LoadCase {
  headers: Record<string, string>;
  status: number;
  /** Bytes a response of this case takes on the wire (head and body), least and most. */
  bytes: [number, number];
}

/** wrk (apt-get install wrk): C, multi-threaded, the server is what it measures. */
const WRK = (() => {
  // `wrk --version` prints its banner ("wrk 4.2.0 [epoll] Copyright …") and exits 1.
  const banner = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  const version = /^wrk (\S+)/.exec(`${banner.stdout ?? ''}${banner.stderr ?? ''}`);
  return version ? `wrk ${version[1]}` : undefined;
})();

/**
 * Closed-loop load on `url` from a child process, so the load generator does not share the
 * server's event loop: wrk when it is installed, else bench/loadgen.cjs (node:http clients,
 * which on these machines tops out below what a plain node:http server serves, so the floor
 * it measures is its own).
 */
async function load(url: string, c: LoadCase, seconds: number): Promise<LoadResult> {
  const before = performance.eventLoopUtilization();
  const cpuBefore = mainThreadCpuMs();
  const [command, args] = WRK
    ? [
        'wrk',
        [
          '-t',
          '2',
          '-c',
          String(CONNECTIONS),
          '-d',
          `${seconds}s`,
          '-s',
          join(ROOT, 'bench/wrk.lua'),
          ...Object.entries(c.headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
          url,
        ],
      ]
    : [
        process.execPath,
        [join(ROOT, 'bench/loadgen.cjs'), url, String(CONNECTIONS), String(seconds), JSON.stringify(c.headers)],
      ];
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  const busy = performance.eventLoopUtilization(before).active;
  const cpuAfter = mainThreadCpuMs();
  const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  if (code !== 0) throw new Error(`${command} exited with ${code}`);
  const report =
    out
      .trim()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .pop() ?? '{}';
  if (WRK) {
    const r = JSON.parse(report) as {
      requests: number;
      seconds: number;
      bytes: number;
      p50: number;
      p99: number;
      errors: number;
      badStatus: number;
    };
    // wrk does not count statuses below 400; the bytes per response tell a 200 from a 304.
    const perResponse = r.bytes / r.requests;
    const sizeWrong = perResponse < c.bytes[0] || perResponse > c.bytes[1];
    const wrong = r.errors + r.badStatus + (sizeWrong ? r.requests : 0);
    return {
      rps: r.requests / r.seconds,
      p50: r.p50,
      p99: r.p99,
      wrong,
      serverMicros: (busy * 1000) / r.requests,
      serverCpuMicros: cpu === undefined ? undefined : (cpu * 1000) / r.requests,
      detail: `${r.errors} errors, ${r.badStatus} statuses ≥ 400, ${perResponse.toFixed(0)} bytes per response (expected ${c.bytes[0]}–${c.bytes[1]})`,
    };
  }
  const r = JSON.parse(report) as {
    rps: number;
    p50: number;
    p99: number;
    codes: Record<string, number>;
    errors: number;
  };
  const total = Object.values(r.codes).reduce((a, b) => a + b, 0);
  const wrong = total - (r.codes[String(c.status)] ?? 0) + r.errors;
  return {
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    wrong,
    serverMicros: (busy * 1000) / total,
    serverCpuMicros: cpu === undefined ? undefined : (cpu * 1000) / total,
    detail: `codes ${JSON.stringify(r.codes)}, ${r.errors} errors`,
  };
}

async function putPost(s3: S3Client, bucket: string, key: string, body: Buffer): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/plain; charset=utf-8' }),
  );
}

async function feedGet(stack: LocalStack): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const post = corpusPost(SEED, 1_000_000 + i, { category: FEED_CATEGORY });
    await putPost(stack.s3, stack.bucket, post.key, post.bytes);
  }
  await stack.idle();
  const path = `/category/${FEED_CATEGORY}.rss`;
  // The document (self links, hence its ETag) depends on the Host the request names: fetch it
  // from the very URL the load generator will use.
  const oursUrl = stack.url.replace('localhost', '127.0.0.1') + path;
  // Uncompressed, as the load generator asks (its validator is the uncompressed body's).
  const identity = { headers: { 'accept-encoding': 'identity' } };
  let response = await fetch(oursUrl, identity);
  for (let tries = 0; (await response.clone().text()).split('<item>').length - 1 < 20 && tries < 50; tries++) {
    await new Promise((r) => setTimeout(r, 100));
    await stack.idle();
    response = await fetch(oursUrl, identity);
  }
  const body = Buffer.from(await response.arrayBuffer());
  const etag = response.headers.get('etag') ?? '';
  const items = body.toString('utf8').split('<item>').length - 1;
  if (response.status !== 200 || !etag || items !== 20)
    throw new Error(`feed not ready: ${response.status} ${items} items, etag ${etag}`);
  notes.push(
    `feed: ${path}, ${items} items with full content, ${body.length} bytes; the local API server (API Gateway's stand-in) keeps the UTF-8 bytes of the last large bodies it sent, as the floor keeps its bytes`,
  );

  // The same document compressed, as the handler sends it to a client accepting brotli (fetch
  // would decode it: read the bytes off the wire).
  const brotli = await new Promise<{ body: Buffer; headers: Record<string, string> }>((resolve, reject) => {
    const outgoing = httpRequest(oursUrl, { headers: { 'accept-encoding': 'br' } }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const picked: Record<string, string> = {};
        for (const name of ['content-type', 'etag', 'last-modified', 'cache-control', 'content-encoding', 'vary']) {
          const value = incoming.headers[name];
          if (typeof value === 'string') picked[name] = value;
        }
        resolve({ body: Buffer.concat(chunks), headers: picked });
      });
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
  if (brotli.headers['content-encoding'] !== 'br') throw new Error('the feed was not sent compressed with brotli');
  notes.push(
    `the same feed in brotli: ${brotli.body.length} bytes (${((100 * brotli.body.length) / body.length).toFixed(1)} % of it)`,
  );
  const wantsBrotli = (acceptEncoding: string | undefined) => /\bbr\b/.test(acceptEncoding ?? '');

  // The floor: a plain node:http server with the same bytes and validators, from memory.
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'etag', 'last-modified', 'cache-control']) {
    const value = response.headers.get(name);
    if (value) headers[name] = value;
  }
  const floor = createServer((req, res) => {
    if (wantsBrotli(req.headers['accept-encoding'])) {
      res.writeHead(200, { ...brotli.headers, 'content-length': brotli.body.length });
      res.end(brotli.body);
    } else if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
    } else {
      res.writeHead(200, { ...headers, 'content-length': body.length });
      res.end(body);
    }
  });
  floor.keepAliveTimeout = 60_000;
  floor.listen(0, '127.0.0.1');
  await once(floor, 'listening');
  const floorUrl = `http://127.0.0.1:${(floor.address() as AddressInfo).port}${path}`;

  // The ceiling for any handler on the local stack: the same API Gateway stand-in in front of a
  // handler that answers from memory (the same headers and body string), with no work of its own.
  const bodyText = body.toString('utf8');
  const brotliBase64 = brotli.body.toString('base64');
  const standIn = createLocalApiServer(
    async (event) =>
      wantsBrotli(event.headers['accept-encoding'])
        ? { statusCode: 200, headers: brotli.headers, body: brotliBase64, isBase64Encoded: true }
        : event.headers['if-none-match'] === etag
          ? { statusCode: 304, headers, body: '' }
          : { statusCode: 200, headers, body: bodyText },
    (error) => log(`stand-in: ${String(error)}`),
  );
  standIn.keepAliveTimeout = 60_000;
  standIn.listen(0, '127.0.0.1');
  await once(standIn, 'listening');
  const standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}${path}`;

  // A response's head is well under 2 KB: a full GET carries the body too, a 304 only the head.
  const cases: Array<LoadCase & { name: string; share: number }> = [
    { name: 'warm full GET', headers: {}, status: 200, bytes: [body.length, body.length + 2048], share: 0.5 },
    { name: 'conditional GET → 304', headers: { 'if-none-match': etag }, status: 304, bytes: [0, 2048], share: 0.7 },
    // Compressed once per version, then served from the instance's cache of compressed bodies;
    // the floor sends the same pre-compressed bytes.
    {
      name: 'warm full GET, brotli',
      headers: { 'accept-encoding': 'br' },
      status: 200,
      bytes: [brotli.body.length, brotli.body.length + 2048],
      share: 0.5,
    },
  ];
  try {
    for (const c of cases) {
      await load(oursUrl, c, 1); // warm-up
      await load(floorUrl, c, 1);
      await load(standInUrl, c, 1);
      const ours: LoadResult[] = [];
      const floors: LoadResult[] = [];
      const ceilings: LoadResult[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        ours.push(await load(oursUrl, c, SECONDS));
        floors.push(await load(floorUrl, c, SECONDS));
        ceilings.push(await load(standInUrl, c, SECONDS));
      }
      let invalid = false;
      for (const [who, results] of [
        ['ours', ours],
        ['floor', floors],
        ['stand-in ceiling', ceilings],
      ] as const) {
        const wrong = results.reduce((sum, r) => sum + r.wrong, 0);
        if (wrong) {
          invalid = true;
          notes.push(
            `${c.name} (${who}): ${wrong} responses not ${c.status} or failed — ${results.map((r) => r.detail).join('; ')}`,
          );
        }
      }
      const rps = stat(ours.map((r) => r.rps));
      const floorRps = stat(floors.map((r) => r.rps));
      const ratio = rps.median / floorRps.median;
      rows.push({
        section: 'b',
        measure: `${c.name}: req/s at ${CONNECTIONS} connections${invalid ? ' — INVALID, wrong statuses (see notes)' : ''}`,
        unit: 'req/s',
        ours: rps,
        reference: floorRps,
        referenceName: 'node:http from memory',
        ratio,
        target: `≥ ${c.share * 100} % of floor`,
        met: WRK ? !invalid && ratio >= c.share : undefined,
      });
      const ceilingRps = stat(ceilings.map((r) => r.rps));
      rows.push({
        section: 'b',
        measure: `${c.name}: beside the local API Gateway stand-in with a handler answering from memory (the most any handler gets here; ${(ceilingRps.median / floorRps.median).toFixed(2)} of the floor)`,
        unit: 'req/s',
        ours: rps,
        reference: ceilingRps,
        referenceName: 'stand-in + no-op handler',
        ratio: rps.median / ceilingRps.median,
      });
      const p50 = stat(ours.map((r) => r.p50));
      rows.push({
        section: 'b',
        measure: `${c.name}: p50 latency`,
        unit: 'ms',
        ours: p50,
        reference: stat(floors.map((r) => r.p50)),
        referenceName: 'node:http from memory',
      });
      const p99 = stat(ours.map((r) => r.p99));
      rows.push({
        section: 'b',
        measure: `${c.name}: p99 latency`,
        unit: 'ms',
        ours: p99,
        reference: stat(floors.map((r) => r.p99)),
        referenceName: 'node:http from memory',
        target: '< 20 ms',
        met: WRK ? !invalid && p99.median < 20 : undefined,
      });
      const micros = stat(ours.map((r) => r.serverMicros));
      const floorMicros = stat(floors.map((r) => r.serverMicros));
      rows.push({
        section: 'b',
        measure: `${c.name}: server thread busy per request (local API stand-in + handler; socket writes included)`,
        unit: 'µs',
        ours: micros,
        reference: floorMicros,
        referenceName: 'node:http from memory',
        ratio: micros.median / floorMicros.median,
      });
      const cpuOf = (results: LoadResult[]) =>
        results.every((r) => r.serverCpuMicros !== undefined)
          ? stat(results.map((r) => r.serverCpuMicros!))
          : undefined;
      const [cpu, floorCpu] = [cpuOf(ours), cpuOf(floors)];
      if (cpu && floorCpu)
        rows.push({
          section: 'b',
          measure: `${c.name}: server thread CPU per request (the same, without time spent waiting for a core)`,
          unit: 'µs',
          ours: cpu,
          reference: floorCpu,
          referenceName: 'node:http from memory',
          ratio: cpu.median / floorCpu.median,
        });
    }
    // What the storage emulator alone answers: GetItem of one small item, 32 in flight, from this
    // process — the read a hit or a 304 makes when the feed's version must be read again.
    const getItem = new GetItemCommand({
      TableName: stack.tableName,
      Key: { pk: { S: 'bench#probe' }, sk: { S: '~META' } },
    });
    const rates: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      let count = 0;
      const until = Date.now() + SECONDS * 1000;
      const start = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (Date.now() < until) {
            await stack.dynamo.send(getItem);
            count++;
          }
        }),
      );
      rates.push(count / (Number(process.hrtime.bigint() - start) / 1e9));
    }
    rows.push({
      section: 'b',
      measure: `dynalite GetItem alone, ${CONNECTIONS} in flight (the read a poll makes when the version must be read again)`,
      unit: 'calls/s',
      ours: stat(rates),
    });
  } finally {
    for (const server of [floor, standIn]) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
}

// ---------- c. storage calls ----------

function httpEvent(path: string, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  const [, kind, file] = /^\/(category|tag)\/(.+)$/.exec(path) ?? [];
  return {
    version: '2.0',
    routeKey: kind ? `GET /${kind}/{file}` : `GET ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'news.example.com', ...headers },
    ...(file ? { pathParameters: { file } } : {}),
    isBase64Encoded: false,
    requestContext: { domainName: 'news.example.com', http: { method: 'GET', path } },
  } as unknown as APIGatewayProxyEventV2;
}

async function storageCalls(stack: LocalStack): Promise<void> {
  const calls: string[] = [];
  const counted = dynamoClient(stack.functionEnv);
  counted.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countStorageCalls' },
  );
  const store = new DynamoPostStore(counted, stack.tableName);
  const summary = () => {
    const counts = new Map<string, number>();
    for (const call of calls)
      counts.set(call.replace(/Command$/, ''), (counts.get(call.replace(/Command$/, '')) ?? 0) + 1);
    return [...counts].map(([name, count]) => `${count} ${name}`).join(' + ') || 'none';
  };
  try {
    // Each poll's own read, without the reuse of a version read a moment ago (within
    // FEED_VERSION_CACHE_MS of a read, a hit or a 304 makes none).
    const handler = createHttpHandler({ store, settings: { ...DEFAULT_SETTINGS, feedVersionCacheMs: 0 } });
    notes.push(
      `storage calls per feed GET counted with FEED_VERSION_CACHE_MS=0; with the default (${DEFAULT_SETTINGS.feedVersionCacheMs} ms) a hit or 304 within that time of the last version read makes no call`,
    );
    const path = `/category/${FEED_CATEGORY}.rss`;
    calls.length = 0;
    const miss = await handler(httpEvent(path));
    const missCalls = [summary(), calls.length] as const;
    calls.length = 0;
    const hit = await handler(httpEvent(path));
    const hitCalls = [summary(), calls.length] as const;
    calls.length = 0;
    const etag = String(miss.headers?.etag ?? '');
    const notModified = await handler(httpEvent(path, { 'if-none-match': etag }));
    const nmCalls = [summary(), calls.length] as const;
    for (const [name, [text, count], status, expected] of [
      ['feed GET, miss', missCalls, miss.statusCode, 200],
      ['feed GET, hit', hitCalls, hit.statusCode, 200],
      ['feed GET, 304', nmCalls, notModified.statusCode, 304],
    ] as const) {
      rows.push({
        section: 'c',
        measure: `${name} (status ${status}${status === expected ? '' : ` ≠ ${expected}`})`,
        unit: 'calls',
        ours: `${count}: ${text}`,
        target: '≤ 1 storage read',
        met: count <= 1 && status === expected,
      });
    }

    // One new post in 1 category + 2 tags, through the ingest handler; S3 is served from memory
    // so every counted call is the ingest's own (the GetObject is counted separately).
    let index = 2_000_000;
    let post = corpusPost(SEED, index, { category: FEED_CATEGORY });
    while (post.tags.length !== 2) post = corpusPost(SEED, ++index, { category: FEED_CATEGORY });
    let s3Reads = 0;
    const s3 = {
      send: async () => {
        s3Reads++;
        return { Body: { transformToByteArray: async () => new Uint8Array(post.bytes) }, ETag: '"bench"' };
      },
    } as unknown as S3Client;
    const ingest = createIngestHandler({ store, s3, bucket: stack.bucket });
    calls.length = 0;
    const [outcome] = await ingest({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          eventTime: '2024-05-01T00:00:00.000Z',
          s3: { object: { key: post.key, sequencer: '0FFFFFFFFFFFFFFFFF' } },
        },
      ],
    } as unknown as S3Event);
    const feeds = (outcome as { feeds?: unknown[] }).feeds?.length ?? 0;
    rows.push({
      section: 'c',
      measure: `upload of 1 new post (1 category + 2 tags), result ${outcome.result}, ${feeds} feeds touched`,
      unit: 'calls',
      ours: `${calls.length} DynamoDB (${summary()}) + ${s3Reads} S3 GetObject`,
      target: 'touches only its feeds (site + 1 category + 2 tags = 4)',
      met: outcome.result === 'published' && feeds <= 4,
    });
  } finally {
    counted.destroy();
  }
}

// ---------- e. bulk load and publish latency ----------

async function scanAll(stack: LocalStack): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await stack.dynamo.send(new ScanCommand({ TableName: stack.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/**
 * The storage emulator's own round trip at this size: strongly consistent GetItems of random
 * existing keys' states, one at a time (what a publish's sequential steps wait on).
 */
async function storageRoundTrip(stack: LocalStack, size: number): Promise<Stat> {
  const pick = random(SEED + size);
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const key = corpusPost(SEED, Math.floor(pick() * size)).key;
    const start = process.hrtime.bigint();
    const state = await stack.store.getSourceState(key);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (!state) throw new Error(`no state for ${key} at ${size} posts`);
  }
  const roundTrip = stat(times);
  rows.push({
    section: 'e',
    measure: `storage round trip with ${size} corpus posts loaded: GetItem of a random key's state, one at a time (300)`,
    unit: 'ms',
    ours: roundTrip,
  });
  return roundTrip;
}

async function publishLatency(stack: LocalStack, category: string, size: number, base: number): Promise<Stat> {
  const latencies: number[] = [];
  for (let rep = 0; rep < REPS * 2; rep++) {
    const post = corpusPost(SEED, base + rep, { category });
    // Newest post of its category, so it must appear on the feed's first page.
    const text = post.bytes
      .toString('utf8')
      .replace(/^date: .*$/m, `date: 2023-06-01 12:${String(rep).padStart(2, '0')}:00 +0800`);
    const code = /infoCode=([A-Za-z0-9]+)/.exec(text)![1];
    const start = process.hrtime.bigint();
    await putPost(stack.s3, stack.bucket, post.key, Buffer.from(text));
    for (;;) {
      const body = await (await fetch(`${stack.url}/category/${category}.json`)).text();
      if (body.includes(code)) break;
      if (Number(process.hrtime.bigint() - start) > 30e9)
        throw new Error(`post ${post.key} not in its feed after 30 s`);
      await new Promise((r) => setTimeout(r, 2));
    }
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    await stack.idle();
  }
  const latency = stat(latencies);
  rows.push({
    section: 'e',
    measure: `publish latency with ${size} corpus posts loaded: PutObject → visible in /category/${category}.json`,
    unit: 'ms',
    ours: latency,
    target: size === 10_000 ? '≤ 300 ms' : undefined,
    met: size === 10_000 ? latency.median <= 300 : undefined,
  });
  return latency;
}

async function bulkLoadAndPublish(stack: LocalStack): Promise<void> {
  const category = corpusPost(SEED, 0).category;
  const latencies: Array<[number, Stat, Stat]> = [];
  const hugo = hugoAvailable();
  if (!hugo) notes.push('Hugo comparison skipped: `hugo` is not on PATH (apt-get install hugo)');
  else
    notes.push(
      'at each size Hugo builds before our publish latency is measured: the storage engine is then done compacting the rows just preloaded',
    );
  let loaded = 0;
  for (const size of SIZES) {
    if (loaded === 0) {
      loaded = Math.min(size, BULK);
      await bulkLoad(stack, loaded);
    }
    if (loaded < size) {
      log(`preloading posts ${loaded}→${size} (real ingest into memory, rows copied with BatchWriteItem)`);
      const started = Date.now();
      await preload(
        stack,
        (index) => corpusPost(SEED, index),
        loaded,
        size,
        (done) => {
          if (done % 10_000 === 0) log(`  ${loaded + done} posts`);
        },
      );
      notes.push(
        `posts ${loaded}→${size} preloaded in ${((Date.now() - started) / 1000).toFixed(0)} s: ingested in memory by the real ingest code, rows copied with BatchWriteItem (bench/preload.ts)`,
      );
    }
    loaded = size;
    const hugoBuildSeconds = hugo ? await hugoFullBuild(size) : undefined;
    const roundTrip = await storageRoundTrip(stack, size);
    const latency = await publishLatency(stack, category, size, 3_000_000 + size);
    latencies.push([size, latency, roundTrip]);
    if (hugoBuildSeconds) {
      const ratio = (hugoBuildSeconds.median * 1000) / latency.median;
      rows.push({
        section: 'g',
        measure: `Hugo's full build of the same ${size} posts vs our publish latency at ${size}`,
        unit: 's',
        ours: latency.median / 1000,
        reference: hugoBuildSeconds,
        referenceName: 'hugo full build',
        ratio,
        target: size === 100_000 ? 'Hugo ÷ ours ≥ 1000' : undefined,
        met: size === 100_000 ? ratio >= 1000 : undefined,
      });
    }
  }
  const first = latencies[0];
  for (const [size, latency, roundTrip] of latencies.slice(1)) {
    const ratio = latency.median / first[1].median;
    rows.push({
      section: 'e',
      measure: `publish latency(${size}) / latency(${first[0]}), beside the storage round trip's (${size}) / (${first[0]})`,
      unit: '',
      ours: ratio.toFixed(2),
      reference: (roundTrip.median / first[2].median).toFixed(2),
      referenceName: 'dynalite GetItem',
      target: size === 10_000 ? '≤ 1.3' : undefined,
      met: size === 10_000 ? ratio <= 1.3 : undefined,
    });
  }
}

const CORES = availableParallelism();

/** Starts counting CPU time; `perPost(n)` gives it per post since then (bench/thread-cpu.ts). */
function cpuMeter(stack: LocalStack) {
  const before = processCpuMs(stack.emulatorThreadIds);
  return { perPost: (posts: number) => describeCpuPerPost(before, processCpuMs(stack.emulatorThreadIds), posts) };
}

/**
 * The first `size` corpus posts through S3 → ingest, beside the storage floors for the same
 * work: the items it wrote, with raw BatchWriteItem (the issue's reference), and the objects it
 * put and read, with raw PutObject + GetObject on s3rver (work the DynamoDB floor leaves out).
 */
async function bulkLoad(stack: LocalStack, size: number): Promise<void> {
  const before = (await scanAll(stack)).length;
  const posts = Array.from({ length: size }, (_, i) => corpusPost(SEED, i));
  const loadMeter = cpuMeter(stack);
  const started = process.hrtime.bigint();
  await inParallel(posts, 8, (post) => putPost(stack.s3, stack.bucket, post.key, post.bytes));
  await stack.idle();
  const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const loadCpu = loadMeter.perPost(posts.length);
  const items = await scanAll(stack);
  const written = items.length - before;

  // The DynamoDB floor: the same items (rows of this table, sizes and all, as many as the load
  // wrote), written with raw BatchWriteItem into another table of the same schema on the same dynalite.
  const floorTable = `bench-floor-${size}`;
  await ensureTable(stack.dynamo, floorTable);
  const dynamoMeter = cpuMeter(stack);
  const floorStart = process.hrtime.bigint();
  await batchWriteItems(stack.dynamo, floorTable, items.slice(0, written));
  const floorSeconds = Number(process.hrtime.bigint() - floorStart) / 1e9;
  const dynamoFloorCpu = dynamoMeter.perPost(posts.length);

  // The S3 floor: the same objects put and read back (what the client and ingest do), in a
  // bucket of its own, outside posts/ so that no ingest runs. s3rver still sends their events,
  // which the ingest handler drops at once: a little of this floor's time is that, not S3.
  const floorBucket = `bench-floor-${size}`;
  await stack.s3.send(new CreateBucketCommand({ Bucket: floorBucket }));
  const s3Meter = cpuMeter(stack);
  const s3Start = process.hrtime.bigint();
  await inParallel(posts, 8, async (post) => {
    await putPost(stack.s3, floorBucket, `floor/${post.key}`, post.bytes);
    const read = await stack.s3.send(new GetObjectCommand({ Bucket: floorBucket, Key: `floor/${post.key}` }));
    await read.Body!.transformToByteArray();
  });
  const s3Seconds = Number(process.hrtime.bigint() - s3Start) / 1e9;
  const s3FloorCpu = s3Meter.perPost(posts.length);

  const rate = posts.length / loadSeconds;
  const floorRate = posts.length / floorSeconds;
  const bothRate = posts.length / (floorSeconds + s3Seconds);
  rows.push(
    {
      section: 'e',
      measure: `bulk load of ${posts.length} posts via S3 → ingest (8 uploads in flight, ${INGEST_CONCURRENCY} events ingested at once; ${written} items written), 1 run`,
      unit: 'posts/s',
      ours: rate,
      reference: floorRate,
      referenceName: `raw BatchWriteItem of ${written} items`,
      ratio: rate / floorRate,
      target: '≥ 60 % of floor',
      met: rate / floorRate >= 0.6,
    },
    {
      section: 'e',
      measure:
        'the same bulk load beside the floor of all its storage work: raw PutObject + GetObject of the posts on s3rver, then the raw BatchWriteItem',
      unit: 'posts/s',
      ours: rate,
      reference: bothRate,
      referenceName: `S3 ${(posts.length / s3Seconds).toFixed(0)} posts/s + DynamoDB ${floorRate.toFixed(0)} posts/s`,
      ratio: rate / bothRate,
    },
    {
      // What bounds the rate: at best every core works on the load all the time.
      section: 'e',
      measure: `CPU time per post of the whole local stack (this process), by thread: main (SDK clients, ingest, HTTP), the emulators, others (V8's GC and compiler; libuv's pool, where the emulators' file I/O runs; threads that ended); and the most posts/s ${CORES} cores allow at that cost`,
      unit: '',
      ours: `${loadCpu.text} → at most ${((CORES * 1000) / loadCpu.total).toFixed(0)} posts/s`,
      reference: `DynamoDB floor ${dynamoFloorCpu.text}; S3 floor ${s3FloorCpu.text}; 60 % of the BatchWriteItem floor is ${(0.6 * floorRate).toFixed(0)} posts/s`,
    },
  );
}

/** Hugo's full build of the same `size` corpus posts: what publishing one post costs a static generator. */
async function hugoFullBuild(size: number): Promise<Stat> {
  const reps = size >= 100_000 ? 2 : QUICK ? 2 : 3;
  log(`Hugo full build of ${size} posts × ${reps}`);
  const build = await hugoBuild(
    Array.from({ length: size }, (_, i) => corpusPost(SEED, i)),
    reps,
  );
  const cpu = build.cpuSeconds.length ? stat(build.cpuSeconds) : undefined;
  notes.push(
    `Hugo (${build.version.split(' ')[1] ?? build.version}) at ${size} posts: ${build.pages} pages, ${build.feeds} feeds (${build.categoryFeeds} category, ${build.tagFeeds} tag)${cpu ? `; CPU time per build ${cpu.median.toFixed(2)} s (${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}), steadier than wall time on a busy machine` : ''}`,
  );
  return stat(build.seconds);
}

// ---------- d. Lambda bundles ----------

async function bundles(): Promise<void> {
  // As deployed (infra/constructs/bundling.ts: the AWS SDK bundled), and the same code with the
  // SDK left to node_modules, as a Lambda runtime's own copy would be loaded: what bundling costs.
  const dir = await mkdtemp(join(tmpdir(), 'bench-bundles-'));
  const nodePath = join(ROOT, 'node_modules');
  const loadTime = (file: string) => {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
    const result = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, NODE_PATH: nodePath, AWS_REGION: 'us-east-1' },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`loading ${file} failed: ${result.stderr}`);
    return Number(result.stdout);
  };
  try {
    for (const name of ['ingest', 'http']) {
      const outfile = join(dir, `${name}.js`);
      const ownCode = join(dir, `${name}-sdk-external.js`);
      const entryPoints = [join(ROOT, 'functions/handlers', `${name}.ts`)];
      const { metafile } = await build({ ...esbuildOptions(), entryPoints, outfile, metafile: true });
      await build({ ...esbuildOptions(), entryPoints, outfile: ownCode, external: ['@aws-sdk/*'] });
      // Where the bytes come from, by package (or our own code), largest first.
      const byPackage = new Map<string, number>();
      for (const [input, { bytesInOutput }] of Object.entries(
        metafile.outputs[Object.keys(metafile.outputs).find((o) => o.endsWith('.js'))!].inputs,
      )) {
        const owner = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'our code';
        byPackage.set(owner, (byPackage.get(owner) ?? 0) + bytesInOutput);
      }
      const top = [...byPackage]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 5)
        .map(([owner, bytes]) => `${owner} ${(bytes / 1024).toFixed(0)} KB`);
      notes.push(`${name} bundle, largest parts: ${top.join(', ')}`);
      const size = (await fileStat(outfile)).size;
      const ownSize = (await fileStat(ownCode)).size;
      rows.push(
        {
          section: 'd',
          measure: `${name} bundle size as deployed, AWS SDK included (infra/constructs/bundling.ts)`,
          unit: 'KB',
          ours: size / 1024,
        },
        {
          section: 'd',
          measure: `${name} bundle size without the AWS SDK (our code and its other packages)`,
          unit: 'KB',
          ours: ownSize / 1024,
          target: '≤ 400 KB',
          met: ownSize <= 400 * 1024,
        },
      );
      // Alternated, so that both see the same machine.
      const deployed: number[] = [];
      const external: number[] = [];
      for (let i = 0; i < 9; i++) {
        deployed.push(loadTime(outfile));
        external.push(loadTime(ownCode));
      }
      const load = stat(deployed);
      const reference = stat(external);
      rows.push({
        section: 'd',
        measure: `${name} module load in a fresh node process, as deployed (9 runs)`,
        unit: 'ms',
        ours: load,
        reference,
        referenceName: 'the same code loading the AWS SDK from node_modules',
        ratio: load.median / reference.median,
        target: '≤ 150 ms',
        met: load.median <= 150,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------- f. the budget of reading one post ----------

/**
 * bench/ingest-budget.ts reads each hostile post, corpus post and content/ post in a fresh child
 * process (so the peak memory is that file's alone); its maxima per group become rows here.
 */
async function ingestBudget(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-budget-'));
  try {
    const json = join(dir, 'budget.json');
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/tsx/dist/cli.mjs'),
        join(ROOT, 'bench/ingest-budget.ts'),
        '--n',
        String(QUICK ? 50 : 200),
        '--seed',
        String(SEED),
        '--json',
        json,
      ],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (result.status !== 0 && result.status !== 1) throw new Error(`bench/ingest-budget.ts failed: ${result.stderr}`);
    type Group = {
      files: number;
      over: number;
      maxExtraMb: number;
      maxExtraMbFile: string;
      maxMs: number;
      maxMsFile: string;
      maxCpuMs: number;
      maxCpuMsFile: string;
    };
    const summary = JSON.parse(await readFile(json, 'utf8')) as Record<string, Group | number> & { baselineMb: number };
    for (const group of ['hostile', 'corpus', 'content'] as const) {
      const g = summary[group] as Group | undefined;
      if (!g) continue;
      rows.push(
        {
          section: 'f',
          measure: `reading one post, ${group} (${g.files} files, each in a fresh process): most memory beyond the loaded modules (${g.maxExtraMbFile})`,
          unit: 'MB',
          ours: g.maxExtraMb,
          target: '≤ 128 MB',
          met: g.maxExtraMb <= 128,
        },
        {
          section: 'f',
          measure: `reading one post, ${group}: longest (${g.maxMsFile}); CPU ${g.maxCpuMs.toFixed(0)} ms at most (${g.maxCpuMsFile})`,
          unit: 'ms',
          ours: g.maxMs,
          target: '≤ 1 s',
          met: g.maxMs <= 1000,
        },
      );
    }
    notes.push(
      `section f: the child that only loads the parser peaks at ${summary.baselineMb.toFixed(1)} MB; ingest reads posts on a worker with a ${PARSE_HEAP_MB} MB heap and a ${PARSE_DEADLINE_MS / 1000} s deadline (functions/adapters/parse-worker.ts), beyond which a file is refused`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------- output ----------

function format(value: Stat | number | string | undefined, unit: string): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const digits = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (typeof value === 'number') return `${digits(value)} ${unit}`;
  return `${digits(value.median)} ${unit} (${digits(value.min)}–${digits(value.max)})`;
}

function table(): string {
  const lines = [
    '| # | Measure | Ours: median (min–max) | Reference: median (min–max) | Ratio | Target | Met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows) {
    const reference =
      row.reference === undefined
        ? ''
        : `${format(row.reference, row.unit)}${row.referenceName ? ` — ${row.referenceName}` : ''}`;
    lines.push(
      `| ${row.section} | ${row.measure} | ${format(row.ours, row.unit)} | ${reference} | ${row.ratio === undefined ? '' : row.ratio.toFixed(2)} | ${row.target ?? ''} | ${row.met === undefined ? '' : row.met ? 'yes' : '**no**'} |`,
    );
  }
  return lines.join('\n');
}

const NOT_BUILT = [
  ...(QUICK ? ['publish latency at 10k and latency(10k)/latency(1k): only without --quick'] : []),
  ...(FULL ? [] : ["publish latency and Hugo's build at 100k posts: only with --full (about 20 minutes)"]),
];

async function main(): Promise<void> {
  const started = Date.now();
  setLogSink(() => {});
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, ${process.platform}`;
  log(`machine: ${machine}; ${QUICK ? '--quick' : 'full'}; seed ${SEED}; n ${N}`);

  if (runs('a')) {
    log('a. ingest compute');
    await ingestCompute();
  }
  if (runs('d')) {
    log('d. bundles');
    await bundles();
  }
  if (runs('f')) {
    log('f. memory and time to read each post (bench/ingest-budget.ts)');
    await ingestBudget();
  }
  log('starting local stack');
  // 100k posts (~800k items with their bodies) would not fit dynalite's in-memory store in the
  // heap: --full keeps the table on disk, as `npm start` does.
  const dataDir = FULL ? await mkdtemp(join(tmpdir(), 'bench-data-')) : undefined;
  if (dataDir)
    notes.push(
      '--full: dynalite keeps its table on disk (LevelDB), as npm start does; the other runs keep it in memory',
    );
  const stack = await startLocalStack({ port: 0, s3Port: 0, dynamoPort: 0, dataDir, onError: () => {} });
  try {
    if (runs('b')) {
      log('b. feed GET over loopback');
      await feedGet(stack);
    }
    if (runs('c')) {
      log('c. storage calls');
      await storageCalls(stack);
    }
    if (runs('e')) {
      log(`e. bulk load to ${SIZES.join(', ')} posts and publish latency`);
      await bulkLoadAndPublish(stack);
    }
  } finally {
    await stack.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }
  rows.sort((x, y) => x.section.localeCompare(y.section));

  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\nBenchmark (${QUICK ? '--quick' : FULL ? '--full' : 'default'}, seed ${SEED}, ${REPS} × ${SECONDS} s per load run, ${seconds.toFixed(0)} s total)`,
  );
  console.log(`Machine: ${machine}. Figures are noisy: compare ratios, not absolute times.\n`);
  console.log(table());
  console.log('');
  for (const note of notes) console.log(`- ${note}`);
  console.log(
    `- Load generator: ${WRK ? `${WRK} (2 threads, ${CONNECTIONS} keep-alive connections)` : `bench/loadgen.cjs (${CONNECTIONS} keep-alive node:http connections; wrk is not installed: the floor it measures is this client's own limit, so section b's targets are not judged — apt-get install wrk)`}, closed loop, in a separate process; ours = the local stack (handlers on the bench process's main thread, s3rver and dynalite on worker threads), floor = node:http in the bench process; 127.0.0.1.`,
  );
  if (NOT_BUILT.length) console.log('- Not measured in this run:');
  for (const item of NOT_BUILT) console.log(`  - ${item}`);

  await mkdir(join(ROOT, 'bench/results'), { recursive: true });
  await writeFile(
    join(ROOT, 'bench/results/latest.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine,
        quick: QUICK,
        full: FULL,
        seed: SEED,
        n: N,
        reps: REPS,
        seconds: SECONDS,
        connections: CONNECTIONS,
        rows,
        notes,
        notBuilt: NOT_BUILT,
      },
      null,
      2,
    )}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
