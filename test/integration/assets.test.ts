import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { SVG_CSP } from '../../functions/core/assets';
import type { LocalStack } from '../../infra/local/local-stack';
import { syncContent } from '../../infra/local/sync-content';
import { runCli } from '../support/cli';
import { get, REPO_ROOT, startTestStack } from '../support/local-stack';
import { RED_PIXEL_PNG } from '../support/pictures';
import { rawRequest } from '../support/raw-http';

// Pictures and files beside posts on the local stack: a Jekyll site uploaded with `npm run
// upload`, its picture served (streamed from s3rver) with the allow-list's headers, ETag and 304;
// nothing executable, nothing outside posts/, a missing file reported as a warning.

const run = promisify(execFile);
let stack: LocalStack;
let site: string;

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10" fill="red"/></svg>';
const POST_PATH = '/news/2022/01/12/pictured.html';

async function cli(tool: 'upload' | 'check', args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), `infra/cli/${tool}.ts`, ...args],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          [ENV.s3Endpoint]: stack.s3Endpoint,
          [ENV.dynamoEndpoint]: stack.dynamoEndpoint,
          PORT: new URL(stack.url).port,
        },
      },
    );
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

const put = (key: string, body: string | Uint8Array, contentType?: string) =>
  stack.s3.send(
    new PutObjectCommand({
      Bucket: stack.bucket,
      Key: key,
      Body: body,
      ...(contentType ? { ContentType: contentType } : {}),
    }),
  );

let upload: { code: number; stdout: string };

beforeAll(async () => {
  stack = await startTestStack();
  site = await mkdtemp(join(tmpdir(), 'assets-site-'));
  await mkdir(join(site, 'news', '_posts'), { recursive: true });
  await mkdir(join(site, 'assets'), { recursive: true });
  await mkdir(join(site, '_layouts'), { recursive: true });
  await writeFile(join(site, '_config.yml'), 'title: Pictures\n');
  await writeFile(
    join(site, 'news', '_posts', '2022-01-12-pictured.md'),
    [
      '---',
      'title: 有图的新闻',
      'description: 一张图片放在文章旁边。',
      '---',
      '![红点](photo.png)',
      '',
      '![标志](/assets/logo.svg) ![哈希](/assets/app.3f2a9c1b.png)',
      '',
      '[报告](report.pdf)',
      '',
    ].join('\n'),
  );
  await writeFile(join(site, 'news', '_posts', 'photo.png'), RED_PIXEL_PNG);
  await writeFile(join(site, 'assets', 'logo.svg'), SVG);
  await writeFile(join(site, 'assets', 'app.3f2a9c1b.png'), RED_PIXEL_PNG);
  await writeFile(join(site, 'assets', 'site.js'), 'alert(1)');
  await writeFile(join(site, '_layouts', 'default.html'), '<html></html>');
  upload = await cli('upload', [site]);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await rm(site, { recursive: true, force: true });
});

describe('npm run upload and check carry pictures', () => {
  it('uploads the picture beside the post and the assets folder, leaves scripts and layouts out, and warns of the missing PDF', () => {
    expect(upload.stdout).toContain('new       posts/news/_posts/photo.png (served at /news/_posts/photo.png)');
    expect(upload.stdout).toContain('new       posts/assets/logo.svg (served at /assets/logo.svg)');
    expect(upload.stdout).not.toContain('site.js');
    expect(upload.stdout).toMatch(/2 files of the site outside _posts and _drafts left out/);
    expect(upload.stdout).toContain(
      'warning   ' +
        join(site, 'news/_posts/2022-01-12-pictured.md') +
        ': warning: /news/_posts/report.pdf (posts/news/_posts/report.pdf) is missing; the post is published without it',
    );
    expect(upload.stdout).toContain(`published ${stack.url}${POST_PATH}`);
    expect(upload.code).toBe(0);
  });

  it('check says the same offline, and the post is not refused', async () => {
    const checked = await cli('check', [site]);
    expect(checked.stdout).toContain('/news/_posts/report.pdf (posts/news/_posts/report.pdf) is missing');
    expect(checked.stdout).toContain(
      '1 post checked, 0 refused, 3 files served beside them, 1 missing file (warnings)',
    );
    expect(checked.code).toBe(0);
  });

  it('errors lists the missing file as a warning, not a refusal', async () => {
    const errors = await runCli(stack, 'errors');
    expect(errors.stdout).toContain(
      'warning: posts/news/_posts/2022-01-12-pictured.md: posts/news/_posts/report.pdf is missing from the bucket; the post is published without it',
    );
    expect(errors.stdout).toContain('No refused posts');
    expect(errors.code).toBe(0);
    const json = await runCli(stack, 'errors', ['--json']);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([
      {
        key: 'posts/news/_posts/2022-01-12-pictured.md',
        warning: 'missing file',
        file: 'posts/news/_posts/report.pdf',
      },
    ]);
  });

  it('ingest records no state for a picture (skipped, not refused as a post)', async () => {
    expect(await stack.store.getSourceState('posts/news/_posts/photo.png')).toBeUndefined();
    expect(await stack.store.getSourceState('posts/assets/logo.svg')).toBeUndefined();
  });
});

describe('a picture beside a post', () => {
  it('is where the post page points, with its bytes, type, cache and ETag; 304 when unchanged', async () => {
    const page = await (await get(stack, POST_PATH)).text();
    expect(page).toContain('<img src="/news/_posts/photo.png" alt="红点" />');
    const response = await get(stack, '/news/_posts/photo.png');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(RED_PIXEL_PNG);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('public, max-age=600');
    expect(response.headers.get('content-length')).toBe(String(RED_PIXEL_PNG.length));
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await get(stack, '/news/_posts/photo.png', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(await again.text()).toBe('');
    const changed = await get(stack, '/news/_posts/photo.png', { headers: { 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);
  });

  it('answers HEAD with the length and no body, and a byte range with 206', async () => {
    const head = await rawRequest(Number(new URL(stack.url).port), 'HEAD', '/news/_posts/photo.png', [
      ['Host', 'localhost'],
    ]);
    expect(head.status).toBe(200);
    expect(new Map(head.headers).get('content-length')).toBe(String(RED_PIXEL_PNG.length));
    expect(head.body).toBe('');
    const range = await get(stack, '/news/_posts/photo.png', { headers: { range: 'bytes=0-7' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 0-7/${RED_PIXEL_PNG.length}`);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(RED_PIXEL_PNG.subarray(0, 8));
  });

  it('a content-hashed name is cached for a year', async () => {
    const response = await get(stack, '/assets/app.3f2a9c1b.png');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('an SVG is an image that runs no script: its type, nosniff and a sandboxing policy', async () => {
    const response = await get(stack, '/assets/logo.svg');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(response.headers.get('content-security-policy')).toBe(SVG_CSP);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('takes its type from the allow-list, never from the upload', async () => {
    await put('posts/assets/sneaky.png', '<script>alert(1)</script>', 'text/html');
    const response = await get(stack, '/assets/sneaky.png');
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('a missing file is 404', async () => {
    const response = await get(stack, '/news/_posts/report.pdf');
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  });
});

describe('nothing executable, nothing outside the site', () => {
  it('serves no .html or .js put beside the posts as a file: their paths are pages, and there are none', async () => {
    await put('posts/assets/evil.html', '<script>alert(document.cookie)</script>', 'text/html');
    await put('posts/assets/evil.js', 'alert(document.cookie)', 'application/javascript');
    await stack.idle();
    for (const path of ['/assets/evil.html', '/assets/evil.js']) {
      const response = await get(stack, path);
      expect(response.status, path).toBe(404);
      const body = await response.text();
      expect(body, path).not.toContain('alert(document.cookie)');
      expect(response.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(response.headers.get('content-security-policy'), path).toContain("default-src 'none'");
    }
  });

  it('refuses traversal, encoded slashes and backslashes, dot and underscore folders with 404', async () => {
    await put('secret.png', RED_PIXEL_PNG);
    await put('posts/_drafts/draft.png', RED_PIXEL_PNG);
    await put('posts/.git/x.png', RED_PIXEL_PNG);
    const port = Number(new URL(stack.url).port);
    for (const target of [
      '/../secret.png',
      '/news/../../secret.png',
      '/%2e%2e/secret.png',
      '/assets/..%2F..%2Fsecret.png',
      '/assets/%2E%2E%2F%2E%2E%2Fsecret.png',
      '/assets/%252e%252e%252fsecret.png',
      '/assets%5C..%5C..%5Csecret.png',
      '/assets\\..\\..\\secret.png',
      '/_drafts/draft.png',
      '/.git/x.png',
      '//secret.png',
      '/assets/%00.png',
    ]) {
      const response = await rawRequest(port, 'GET', target, [['Host', 'localhost']]);
      expect([400, 404], target).toContain(response.status);
      expect(response.body, target).not.toContain('PNG');
    }
  });
});

describe("npm start's content sync", () => {
  it('carries a picture beside a sample post, and a hostile (spaced, Chinese) name is served at its encoded path', async () => {
    const content = await mkdtemp(join(tmpdir(), 'assets-content-'));
    try {
      await mkdir(join(content, 'posts', '成都'), { recursive: true });
      await writeFile(join(content, 'posts', '成都', '图 1 (a).png'), RED_PIXEL_PNG);
      await writeFile(
        join(content, 'posts', '成都', '2022-03-01-synced.md'),
        '---\ntitle: 同步\ndate: 2022-03-01\n---\n![图](<图 1 (a).png>)\n',
      );
      const summary = await syncContent({
        s3: stack.s3,
        bucket: stack.bucket,
        contentDir: content,
        manifestFile: join(content, 'manifest.json'),
      });
      await stack.idle();
      expect(summary.uploaded).toContain('posts/成都/图 1 (a).png');
      const page = await (await get(stack, '/2022/03/01/synced.html')).text();
      const src = /<img src="([^"]+)"/.exec(page)?.[1];
      expect(src).toBe(`/${encodeURIComponent('成都')}/${encodeURIComponent('图 1 (a).png')}`);
      const response = await get(stack, src!);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(RED_PIXEL_PNG);
    } finally {
      await rm(content, { recursive: true, force: true });
    }
  });
});

describe('streaming', () => {
  it('serves a large file whole, as a stream', async () => {
    const big = Buffer.alloc(24 * 1024 * 1024, 7);
    big.write('not the same all through', 12_345_678);
    await put('posts/assets/big.mp4', big);
    const response = await get(stack, '/assets/big.mp4');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
    }
    expect(size).toBe(big.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
  }, 60_000);
});
