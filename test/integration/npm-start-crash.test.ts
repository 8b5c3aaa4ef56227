import { type ChildProcess, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { listObjects } from '../../functions/adapters/s3-objects';
import { ENV } from '../../functions/config-names';
import { REPO_ROOT } from '../support/local-stack';

// The whole of `npm start` killed with SIGKILL (its process group: tsx, the emulators' threads,
// the ingest worker) at random moments while uploads and deletes of a few hundred posts run,
// then started again, several rounds. After the last start (its reconciliation included), every
// object in the bucket is published or refused with a reason, every answered PUT's bytes are
// what the bucket holds, no deleted post is visible, and no post shows twice: 0 lost, 0 ghosts,
// 0 duplicates.

const TSX = join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs');
const BUCKET = 'content';
const KEYS = 300;
const ROUNDS = 4;

let dataDir: string;
let contentDir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'npm-start-crash-'));
  contentDir = await mkdtemp(join(tmpdir(), 'npm-start-crash-content-'));
  await mkdir(join(contentDir, 'posts'));
});
afterAll(async () => {
  for (const child of children) process.kill(-child.pid!, 'SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
  await rm(contentDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Running {
  child: ChildProcess;
  s3: S3Client;
  dynamoEndpoint: string;
  url: string;
  output: () => string;
}

/** `npm start`'s own entry point, in a process group of its own, until it prints Ready. */
async function npmStart(): Promise<Running> {
  const [port, s3Port, dynamoPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [TSX, 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      CONTENT_DIR: contentDir,
      PORT: String(port),
      S3_PORT: String(s3Port),
      DYNAMODB_PORT: String(dynamoPort),
      [ENV.feedVersionCacheMs]: '0',
    },
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${text}`)), 90_000);
    child.stdout!.on('data', () => {
      if (!text.includes('Ready.')) return;
      clearTimeout(timer);
      resolve();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${text}`));
    });
  });
  const s3 = new S3Client({
    endpoint: `http://127.0.0.1:${s3Port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // One attempt: an answered request is one change, and a failed one is not sent again behind the test's back.
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  return {
    child,
    s3,
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    url: `http://localhost:${port}`,
    output: () => text,
  };
}

async function kill(running: Running): Promise<void> {
  const exited = new Promise((resolve) => running.child.on('exit', resolve));
  process.kill(-running.child.pid!, 'SIGKILL');
  await exited;
  running.s3.destroy();
}

const keyOf = (n: number) => `posts/crash/2022-04-${String((n % 28) + 1).padStart(2, '0')}-p${n}.md`;
/** What a key's page path is: the default permalink, with its category. */
const pathOf = (n: number) => `/c${n % 3}/2022/04/${String((n % 28) + 1).padStart(2, '0')}/p${n}.html`;

/** One change sent for a key: its body (undefined: a delete), and whether S3 answered it. */
interface Sent {
  body?: string;
  answered: boolean;
}

/** A new version of post n: valid, or (one in six) refused for want of a title. */
function version(n: number, serial: number): string {
  const title = randomInt(0, 6) === 0 ? '' : `title: "P${n} v${serial}"\n`;
  return `---\n${title}categories: c${n % 3}\ntags: [t${serial % 4}]\n---\nVersion ${serial} of post ${n}.\n`;
}

/** Uploads and deletes from 8 clients until stopped; a key is never changed by two clients at once. */
function changeUntilStopped(s3: S3Client, sent: Map<number, Sent[]>, serial: { next: number }) {
  let stopped = false;
  const busy = new Set<number>();
  const clients = Array.from({ length: 8 }, async () => {
    while (!stopped) {
      const n = randomInt(0, KEYS);
      if (busy.has(n)) continue;
      busy.add(n);
      const history = sent.get(n) ?? [];
      sent.set(n, history);
      const change: Sent = { answered: false };
      // Mostly uploads; a delete only of a key that may exist.
      if (history.length > 0 && randomInt(0, 4) === 0) {
        history.push(change);
        try {
          await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keyOf(n) }));
          change.answered = true;
        } catch {
          return; // killed
        } finally {
          busy.delete(n);
        }
      } else {
        change.body = version(n, serial.next++);
        history.push(change);
        try {
          const { $metadata } = await s3.send(
            new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(n), Body: change.body }),
          );
          change.answered = $metadata.httpStatusCode === 200;
        } catch {
          return;
        } finally {
          busy.delete(n);
        }
      }
    }
  });
  return () => {
    stopped = true;
    return Promise.all(clients);
  };
}

async function read(s3: S3Client, key: string): Promise<string | undefined> {
  try {
    return await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

describe('npm start killed with SIGKILL while posts are uploaded and deleted', () => {
  it(`loses nothing, shows no deleted post and no post twice, over ${ROUNDS} kills`, async () => {
    const sent = new Map<number, Sent[]>();
    const serial = { next: 1 };
    for (let round = 0; round < ROUNDS; round++) {
      const running = await npmStart();
      const stop = changeUntilStopped(running.s3, sent, serial);
      await new Promise((resolve) => setTimeout(resolve, randomInt(1500, 4000)));
      await kill(running);
      await stop();
    }

    const running = await npmStart();
    const dynamo = dynamoClient({ [ENV.dynamoEndpoint]: running.dynamoEndpoint });
    try {
      const store = new DynamoPostStore(dynamo, 'posts');
      const failures = new Map((await store.listFailedSources()).map((state) => [state.key, state.error]));
      const listed = new Set<string>();
      for await (const object of listObjects(running.s3, BUCKET, 'posts/')) listed.add(object.key);
      const site = await store.queryFeed({ kind: 'site' }, 1000);
      const problems: string[] = [];
      const seen = new Map<string, number>();
      for (const entry of site) seen.set(entry.id, (seen.get(entry.id) ?? 0) + 1);
      for (const [id, count] of seen)
        if (count > 1) problems.push(`${id}: ${count} entries in the site feed (duplicate)`);

      let published = 0;
      let refused = 0;
      for (const [n, history] of sent) {
        const key = keyOf(n);
        const body = await read(running.s3, key);
        // The last answered change, or one sent after it (a request cut short by the kill may or may not have landed).
        const lastAnswered = history.map((change) => change.answered).lastIndexOf(true);
        const allowed = history.slice(Math.max(lastAnswered, 0)).map((change) => change.body);
        if (lastAnswered === -1) allowed.push(undefined);
        if (!allowed.includes(body))
          problems.push(
            `${key}: the bucket holds ${body === undefined ? 'nothing' : JSON.stringify(body)}, not what was answered (lost)`,
          );
        if ((body !== undefined) !== listed.has(key)) problems.push(`${key}: listed and readable disagree`);

        const id = key.slice('posts/'.length, -'.md'.length);
        const entries = seen.get(id) ?? 0;
        const post = await store.findPostByPath(pathOf(n));
        if (body === undefined) {
          if (entries > 0 || post)
            problems.push(`${key}: deleted, yet ${entries} feed entries and ${post ? 'a page' : 'no page'} (ghost)`);
          continue;
        }
        if (body.includes('title:')) {
          const title = /title: "(.*)"/.exec(body)![1];
          if (post?.title !== title || entries !== 1)
            problems.push(`${key}: holds "${title}", but the page shows ${post?.title} with ${entries} feed entries`);
          if (failures.has(key)) problems.push(`${key}: published, yet listed as refused`);
          published++;
        } else {
          if (!failures.get(key)?.includes('no title'))
            problems.push(`${key}: refused content, yet not listed as refused with its reason (${failures.get(key)})`);
          refused++;
        }
      }
      for (const entry of site) {
        const n = Number(/p(\d+)$/.exec(entry.id)?.[1]);
        if (!sent.has(n)) problems.push(`${entry.id}: in the site feed, never uploaded (ghost)`);
      }
      // The page a reader opens agrees with the table.
      const sample = [...sent.keys()].find((n) => site.some((entry) => entry.id.endsWith(`p${n}`)));
      if (sample !== undefined) expect((await fetch(`${running.url}${pathOf(sample)}`)).status).toBe(200);

      const answered = [...sent.values()].flat().filter((change) => change.answered).length;
      console.log(
        `npm start crash test: ${answered} changes answered of ${[...sent.values()].flat().length} sent to ${sent.size} keys; ${published} published, ${refused} refused, ${listed.size} objects`,
      );
      expect(problems).toEqual([]);
      // The kills landed in a real load: hundreds of changes, some cut short.
      expect(answered).toBeGreaterThan(200);
      expect(published + refused, 'objects checked').toBe(listed.size);
      expect(published).toBeGreaterThan(0);
    } finally {
      dynamo.destroy();
      await kill(running);
    }
  }, 300_000);
});
