import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listObjects } from '../../functions/adapters/s3-objects';
import { REPO_ROOT } from '../support/local-stack';

// kill -9 of the local stack at random moments during a stream of uploads: every upload that
// was answered 200 reads back with its exact bytes after a restart on the same data, no object
// is ever torn, and whatever a crash (or an older s3rver) left damaged is set aside and
// reported at start instead of stopping it.

const TSX = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const BUCKET = 'content';

let dataDir: string;
let contentDir: string;
/** Children still running: a failed test leaves none behind. */
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'crash-data-'));
  contentDir = await mkdtemp(join(tmpdir(), 'crash-content-'));
  await mkdir(join(contentDir, 'posts'));
});
afterAll(async () => {
  for (const child of children) process.kill(-child.pid!, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
  await rm(contentDir, { recursive: true, force: true });
});

interface SetAside {
  bucket: string;
  key: string;
  reason: string;
}

interface Running {
  child: ChildProcess;
  s3: S3Client;
  setAside: SetAside[];
}

/** The local stack in a child process of its own (its own process group, so a kill reaches tsx's child too). */
async function start(): Promise<Running> {
  const child = spawn(process.execPath, [TSX, 'test/support/local-stack-child.ts', dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.split('\n')[0]);
    });
    child.on('exit', (code) => reject(new Error(`the local stack exited with ${code} at start:\n${output}${text}`)));
  });
  const { s3Endpoint, setAside } = JSON.parse(line) as { s3Endpoint: string; setAside: SetAside[] };
  const s3 = new S3Client({
    endpoint: s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // One attempt: an answered 200 is one write, a failed one is not retried behind the test's back.
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return { child, s3, setAside };
}

async function kill(running: Running): Promise<void> {
  const exited = new Promise((resolve) => running.child.on('exit', resolve));
  process.kill(-running.child.pid!, 'SIGKILL');
  await exited;
  running.s3.destroy();
}

/** What was sent for one key, in order: the bodies, and which of them were answered 200. */
type History = Array<{ body: Buffer; answered: boolean }>;

/** PUTs from 8 clients at once until stopped: each alternates a new key with a key of its own that it keeps overwriting. */
function uploadUntilStopped(s3: S3Client, round: number, histories: Map<string, History>) {
  let stopped = false;
  const clients = Array.from({ length: 8 }, async (_, client) => {
    for (let n = 0; !stopped; n++) {
      const key = n % 2 === 0 ? `crash/${round}/${client}-${n}.bin` : `crash/shared-${client}.bin`;
      // Sizes from empty to 256 KiB, so a kill lands before, in and after the writes.
      const body = randomBytes(randomInt(0, 4) === 0 ? 0 : randomInt(1, 256 * 1024));
      const history = histories.get(key) ?? [];
      histories.set(key, history);
      const attempt = { body, answered: false };
      history.push(attempt);
      try {
        const { $metadata } = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
        attempt.answered = $metadata.httpStatusCode === 200;
      } catch {
        return; // killed
      }
    }
  });
  return () => {
    stopped = true;
    return Promise.all(clients);
  };
}

async function read(s3: S3Client, key: string): Promise<Buffer | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Every answered upload reads back whole; any object there is one of the bodies sent for its key, never a torn one. */
async function checkUploads(s3: S3Client, histories: Map<string, History>): Promise<void> {
  const listed = new Map<string, number>();
  for await (const object of listObjects(s3, BUCKET, 'crash/')) listed.set(object.key, object.size);
  for (const [key, history] of histories) {
    const body = await read(s3, key);
    let lastAnswered = -1;
    for (const [index, attempt] of history.entries()) if (attempt.answered) lastAnswered = index;
    // The last answered body, or one sent after it (a write cut short may or may not have landed).
    const allowed = history.slice(Math.max(lastAnswered, 0)).map((attempt) => attempt.body.toString('hex'));
    if (lastAnswered >= 0) expect(body, `${key}: answered 200, then lost`).toBeDefined();
    if (body !== undefined) {
      expect(allowed, `${key}: ${body.length} bytes that were never sent`).toContain(body.toString('hex'));
      expect(listed.get(key), `${key} listed with its size`).toBe(body.length);
    } else {
      expect(listed.has(key), `${key} listed but not readable`).toBe(false);
    }
  }
}

describe('local S3 after kill -9', () => {
  it('keeps every upload answered 200 through kills at random moments, and starts each time', async () => {
    const histories = new Map<string, History>();
    // Anything set aside was a write cut short, never one that had been answered.
    const checkSetAside = (reports: SetAside[]) => {
      for (const report of reports) {
        expect(report.key).toMatch(/^crash\//);
        expect(histories.get(report.key)?.at(-1)?.answered, `${report.key} set aside: ${report.reason}`).not.toBe(true);
      }
    };
    for (let round = 0; round < 6; round++) {
      const running = await start();
      checkSetAside(running.setAside);
      await checkUploads(running.s3, histories);
      const stop = uploadUntilStopped(running.s3, round, histories);
      await new Promise((resolve) => setTimeout(resolve, randomInt(150, 700)));
      await kill(running);
      await stop();
    }
    const last = await start();
    try {
      checkSetAside(last.setAside);
      await checkUploads(last.s3, histories);
      const answered = [...histories.values()].flat().filter((attempt) => attempt.answered).length;
      expect(answered).toBeGreaterThan(100);
    } finally {
      await kill(last);
    }
  }, 60_000);

  it('sets aside what an interrupted write left damaged, reports each by key and reason at npm start, and serves the rest', async () => {
    // What s3rver left on disk after kill -9 before writes were made atomic, beside a good object,
    // where the start-up reconciliation lists them.
    const folder = join(dataDir, 's3', BUCKET, 'posts');
    await mkdir(folder, { recursive: true });
    const files: Record<string, string> = {
      'good.md._S3rver_object': 'good',
      'good.md._S3rver_metadata.json': '{"content-type":"text/markdown"}',
      'empty-metadata.md._S3rver_object': 'acknowledged, then its metadata was lost',
      'empty-metadata.md._S3rver_metadata.json': '',
      'garbled.md._S3rver_object': 'x',
      'garbled.md._S3rver_metadata.json': '{"content-ty',
      'no-object.md._S3rver_metadata.json': '{"content-type":"text/markdown"}',
      'no-metadata.md._S3rver_object': 'a write cut short',
      // Writes of this store, killed: before the commit (temp files only), and between the object's
      // rename, which commits, and the metadata's (its whole temp file is put in place at start).
      'cut-short.md._S3rver_object.0123456789ab.tmp': 'half an upl',
      'committed.md._S3rver_object': 'new bytes',
      'committed.md._S3rver_metadata.json': `{"content-type":"text/plain","etag":"\\"${md5('old bytes')}\\""}`,
      'committed.md._S3rver_metadata.json.abcdef012345.tmp': `{"content-type":"text/markdown","etag":"\\"${md5('new bytes')}\\""}`,
    };
    for (const [name, text] of Object.entries(files)) await writeFile(join(folder, name), text);

    const child = spawn(process.execPath, [TSX, 'infra/local/start.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', S3_PORT: '0', DYNAMODB_PORT: '0', DATA_DIR: dataDir, CONTENT_DIR: contentDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let text = '';
    child.stdout!.on('data', (chunk) => (text += chunk));
    child.stderr!.on('data', (chunk) => (text += chunk));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${text}`)), 40_000);
        child.stdout!.on('data', () => {
          if (!text.includes('Ready.')) return;
          clearTimeout(timer);
          resolve();
        });
        child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${text}`)));
      });
      for (const [key, reason] of [
        ['posts/empty-metadata.md', /metadata.*empty/],
        ['posts/garbled.md', /metadata.*not valid JSON/],
        ['posts/no-object.md', /metadata without its object/],
        ['posts/no-metadata.md', /object without metadata/],
        ['posts/cut-short.md', /cut short before it was answered/],
      ] as const) {
        const line = text.split('\n').find((candidate) => candidate.includes(`set aside ${BUCKET}/${key}:`));
        expect(line ?? `nothing reported for ${key} in:\n${text}`).toMatch(reason);
      }
      expect(text).not.toMatch(/set aside \S+\/posts\/(good|committed)\.md/);

      // Moved, not deleted: every damaged file is in s3-damaged, none is left beside the good one.
      const aside = await filesUnder(join(dataDir, 's3-damaged'));
      for (const name of Object.keys(files).filter((name) => !/^(good|committed)\./.test(name))) {
        expect(
          aside.some((path) => path.endsWith(`${BUCKET}/posts/${name}`)),
          name,
        ).toBe(true);
      }
      expect((await readdir(folder)).sort()).toEqual([
        'committed.md._S3rver_metadata.json',
        'committed.md._S3rver_object',
        'good.md._S3rver_metadata.json',
        'good.md._S3rver_object',
      ]);

      const s3Endpoint = /S3 endpoint: (http:\/\/\S+)/.exec(text)![1];
      const s3 = new S3Client({
        endpoint: s3Endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      expect((await read(s3, 'posts/good.md'))?.toString()).toBe('good');
      const committed = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'posts/committed.md' }));
      expect(await committed.Body!.transformToString()).toBe('new bytes');
      expect([committed.ContentType, committed.ETag]).toEqual(['text/markdown', `"${md5('new bytes')}"`]);
      s3.destroy();
    } finally {
      if (child.exitCode === null) child.kill('SIGINT');
      await exited;
    }
  }, 60_000);
});

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}
