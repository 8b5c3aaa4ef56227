import { existsSync } from 'node:fs';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack';
import { startTestStack, uploadPost } from '../support/local-stack';
import { RED_PIXEL_PNG } from '../support/pictures';

// A post with a picture uploaded beside it, opened in Debian's Chromium (launched as
// test/browser/screenshots.test.ts does): the picture loads, and an SVG with a script runs none.

const CHROMIUM = '/usr/bin/chromium';
const PATH = '/news/2022/01/12/pictured.html';
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><script>window.parent.svgRan = true; document.title = "ran"</script><rect width="20" height="10" fill="blue"/></svg>';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\``);
  [stack, browser] = await Promise.all([
    startTestStack(),
    chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  for (const [key, body] of [
    ['posts/news/_posts/photo.png', RED_PIXEL_PNG],
    ['posts/assets/badge.svg', SVG],
  ] as const)
    await stack.s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));
  await uploadPost(
    stack,
    'posts/news/_posts/2022-01-12-pictured.md',
    ['---', 'title: 有图', '---', '![红点](photo.png)', '', '![徽章](/assets/badge.svg)', ''].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('a picture beside a post, in Chromium', () => {
  it('loads on the post page (naturalWidth > 0), as does an SVG, whose script does not run', async () => {
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(request.url()));
    const response = await page.goto(stack.url + PATH);
    expect(response?.status()).toBe(200);
    // Evaluated in the page (a string: this project's TypeScript has no DOM types).
    await page.waitForFunction('[...document.images].every((image) => image.complete)');
    const loaded = (await page.evaluate(
      `[...document.images].map((image) => ({ src: image.getAttribute('src'), width: image.naturalWidth }))`,
    )) as Array<{ src: string; width: number }>;
    expect(loaded).toEqual([
      { src: '/news/_posts/photo.png', width: 1 },
      { src: '/assets/badge.svg', width: 20 },
    ]);
    expect(failed).toEqual([]);

    // Opened on its own, the SVG is a document: its policy (sandbox, no script) keeps the script from running.
    const svg = await page.goto(`${stack.url}/assets/badge.svg`);
    expect(svg?.headers()['content-security-policy']).toContain('sandbox');
    expect(await page.title()).not.toBe('ran');
    await page.close();
  });
});
