import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_DIR, REPO_ROOT } from '../support/local-stack';

// `npm start` itself, as a user runs it: a separate process on free ports, stopped with Ctrl-C.
interface Running {
  child: ChildProcess;
  output: () => string;
  site: string;
  s3Endpoint: string;
}

let dataDir: string;
let contentDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'npm-start-data-'));
  contentDir = await mkdtemp(join(tmpdir(), 'npm-start-content-'));
  await cp(CONTENT_DIR, contentDir, { recursive: true });
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(contentDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/local/start.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      S3_PORT: '0',
      DYNAMODB_PORT: '0',
      DATA_DIR: dataDir,
      CONTENT_DIR: contentDir,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not get ready:\n${text}`)), 60_000);
    const check = () => {
      if (text.includes('Ready.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${text}`)));
  });
  const site = /Site:\s+(http:\/\/\S+)\//.exec(text)![1];
  const s3Endpoint = /S3 endpoint: (http:\/\/\S+)/.exec(text)![1];
  return { child, output: () => text, site, s3Endpoint };
}

async function stop(running: Running): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => running.child.on('exit', resolve));
  running.child.kill('SIGINT');
  return exited;
}

describe('npm start', () => {
  it('publishes content/, prints the URLs worth opening, serves them, and stops cleanly on Ctrl-C', async () => {
    const running = await start();
    try {
      const output = running.output();
      expect(output).toMatch(/7 uploaded, 0 unchanged, 0 deleted/);
      expect(output).toContain(`${running.site}/category/chengduribao.rss`);
      expect(output).toContain(`Subscribe:   ${running.site}/feeds.opml`);
      const tag = /^Tag (\S+) \(\d+\): /m.exec(output)?.[1];
      expect(output).toContain(`${running.site}/tag/${encodeURIComponent(tag!)}.atom`);
      expect(output).toContain(`${running.site}/html_News/NewsShare.html?infoCode=NW202201122244036113`);
      expect(output).toMatch(/bucket: content/);

      const feed = await fetch(`${running.site}/category/chengduribao.rss`);
      expect(feed.status).toBe(200);
      expect(await feed.text()).toContain('金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章');

      // Any S3 client can publish through the printed endpoint.
      const s3 = new S3Client({
        endpoint: running.s3Endpoint,
        region: 'us-east-1',
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      await s3.send(
        new PutObjectCommand({
          Bucket: 'content',
          Key: 'posts/2022-06-01-from-a-client.md',
          Body: '---\ntitle: From another client\ncategories: clients\n---\nHello.\n',
        }),
      );
      s3.destroy();
      let status = 0;
      for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
        status = (await fetch(`${running.site}/category/clients.json`)).status;
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
    } finally {
      expect(await stop(running)).toBe(0);
    }
    expect(running.output()).toContain('Stopped.');
  }, 120_000);

  it('keeps its data across restarts, skips unchanged files and removes posts whose files were deleted', async () => {
    await rm(join(contentDir, 'posts/2022-01-15-weather-notice.md'));
    // SITE_URL set now: the addresses printed still open here, and say what they stand for.
    const running = await start({ SITE_URL: 'https://news.example.com' });
    try {
      expect(running.output()).toMatch(/0 uploaded, 6 unchanged, 1 deleted/);
      expect(running.output()).toMatch(
        /^Site: +http:\/\/localhost:\d+\/\n +stands for https:\/\/news\.example\.com\/ \(SITE_URL\)/m,
      );
      expect(running.output()).not.toMatch(/^(?!.*stands for).*https:\/\/news\.example\.com/m);
      // The category's feed stays for its subscribers, without the deleted post.
      const weather = await fetch(`${running.site}/category/weather.rss`);
      expect(weather.status).toBe(200);
      expect(await weather.text()).not.toContain('<item>');
      // The post uploaded by another client did not come from content/: it stays.
      expect((await fetch(`${running.site}/category/clients.json`)).status).toBe(200);
      expect((await fetch(`${running.site}/category/chengduribao.atom`)).status).toBe(200);
    } finally {
      expect(await stop(running)).toBe(0);
    }
  }, 120_000);
});
