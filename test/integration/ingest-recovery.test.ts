import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Client } from '../../functions/adapters/s3-client';
import { ENV } from '../../functions/config-names';
import { CONTENT_DIR, REPO_ROOT } from '../support/local-stack';

// `npm start` after a crash: events that were never delivered (the process was killed, or
// objects changed while it was down) and table writes that were lost are caught up at start-up.
const SEED_KEY = 'posts/000_7402dedd91baa3ec.txt';
const SEED_ID = 'NW202201122244036113';
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';

let dataDir: string;
let contentDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'recovery-data-'));
  contentDir = await mkdtemp(join(tmpdir(), 'recovery-content-'));
  await cp(CONTENT_DIR, contentDir, { recursive: true });
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(contentDir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
  site: string;
  s3Endpoint: string;
}

async function start(): Promise<Running> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: '0', S3_PORT: '0', DYNAMODB_PORT: '0', DATA_DIR: dataDir, CONTENT_DIR: contentDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: tsx runs the script in a child process, and a crash kills both.
    detached: true,
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${text}`)), 60_000);
    child.stdout!.on('data', () => {
      if (text.includes('Ready.')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${text}`)));
  });
  return {
    child,
    output: () => text,
    site: /Site:\s+(http:\/\/\S+)\//.exec(text)![1],
    s3Endpoint: /S3 endpoint: (http:\/\/\S+)/.exec(text)![1],
  };
}

async function offlineChanges(plan: object): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'),
      'test/support/offline-changes.ts',
      dataDir,
      JSON.stringify(plan),
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let errors = '';
  child.stderr!.on('data', (chunk) => (errors += chunk));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`offline changes failed:\n${errors}`);
}

function localS3(endpoint: string) {
  return s3Client({ [ENV.s3Endpoint]: endpoint });
}

const post = (title: string, category: string) =>
  `---\ntitle: ${title}\ndate: 2022-03-01 09:00 +0800\ncategories: ${category}\n---\n${title}.\n`;

async function titles(site: string, path: string): Promise<string[] | number> {
  const response = await fetch(site + path);
  if (response.status !== 200) return response.status;
  const feed = (await response.json()) as { items: Array<{ title: string }> };
  return feed.items.map((item) => item.title);
}

describe('npm start after a crash', () => {
  it('catches the table up with the bucket: lost uploads, changes, deletes and table writes', async () => {
    // A first run, with two posts uploaded by another client; then the process is killed.
    const first = await start();
    const s3 = localS3(first.s3Endpoint);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'content',
        Key: 'posts/2022-03-01-changed.md',
        Body: post('Before the crash', 'changed'),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'content',
        Key: 'posts/2022-03-01-removed.md',
        Body: post('Removed while down', 'removed'),
      }),
    );
    // Killed once both are ingested (committed, not only visible): a crash in the middle of an
    // ingest is another case, and the uploads here are meant to be complete.
    const ingested = (key: string) => first.output().includes(`published posts/${key}`);
    for (
      let attempt = 0;
      attempt < 300 && !(ingested('2022-03-01-changed.md') && ingested('2022-03-01-removed.md'));
      attempt++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await titles(first.site, '/category/removed.json')).toEqual(['Removed while down']);
    s3.destroy();
    const exited = new Promise((resolve) => first.child.on('exit', resolve));
    process.kill(-first.child.pid!, 'SIGKILL');
    await exited;

    // While it is down: the bucket changes with nobody listening, and some table writes are lost.
    await offlineChanges({
      put: {
        'posts/2022-03-01-added.md': post('Added while down', 'added'),
        'posts/2022-03-01-changed.md': post('After the crash', 'changed'),
      },
      delete: ['posts/2022-03-01-removed.md'],
      deleteItems: [
        [`SOURCE#${SEED_KEY}`, 'STATE'],
        [`POST#${SEED_ID}`, 'POST'],
      ],
    });

    const second = await start();
    try {
      expect(second.output()).toMatch(/0 uploaded, 7 unchanged, 0 deleted/);
      expect(second.output()).toMatch(
        /Reconciled the table with the bucket: 9 objects: 3 published, 1 deleted, 6 unchanged, 0 failed/,
      );
      expect(await titles(second.site, '/category/added.json')).toEqual(['Added while down']);
      expect(await titles(second.site, '/category/changed.json')).toEqual(['After the crash']);
      // Its only post deleted, the category's feed stays, empty, for the readers subscribed to it.
      expect(await titles(second.site, '/category/removed.json')).toEqual([]);
      expect((await fetch(second.site + SEED_PATH)).status).toBe(200);
      const legacy = await fetch(`${second.site}/html_News/NewsShare.html?infoCode=${SEED_ID}`, { redirect: 'manual' });
      expect(legacy.headers.get('location')).toBe(second.site + SEED_PATH);
    } finally {
      const stopped = new Promise<number | null>((resolve) => second.child.on('exit', resolve));
      second.child.kill('SIGINT');
      expect(await stopped).toBe(0);
    }
  }, 120_000);
});
