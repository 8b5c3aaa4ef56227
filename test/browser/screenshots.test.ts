import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack';
import { publishSampleContent, startTestStack, uploadPost } from '../support/local-stack';

// The home, category and post pages, rendered by Debian's Chromium at a phone's and a desktop's
// width with the seed and the sample content, as a reader sees them: headings use display
// names, every list entry has a lede, nothing scrolls sideways, tables, quotes and the post
// navigation are styled. The screenshots go to .scratch/screenshots (gitignored) to be looked at.

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), '.scratch', 'screenshots');
const SEED_TITLE = '金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章';
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1280, height: 800 },
];
const TABLE_POST_PATH = '/chengduribao/2022/01/21/table-and-quote.html';

let stack: LocalStack;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (as npm test does as root)`,
    );
  }
  [stack, browser] = await Promise.all([
    startTestStack({ DISPLAY_NAMES: 'chengduribao=成都日报,weather=天气,news=英文新闻' }),
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
  await publishSampleContent(stack);
  await uploadPost(
    stack,
    'posts/2022-01-21-table-and-quote.md',
    [
      '---',
      'title: 一月主要指标',
      'date: 2022-01-21 09:00:00 +0800',
      'categories: chengduribao',
      '---',
      '金牛区一月主要经济指标如下。',
      '',
      '| 指标 | 数值 | 同比 |',
      '| --- | --- | --- |',
      '| 地区生产总值 | 1,234 亿元 | +6.5% |',
      '| 固定资产投资 | 567 亿元 | +10.2% |',
      '',
      '> 稳字当头、稳中求进。',
      '',
    ].join('\n'),
  );
  await stack.idle();
  await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function open(viewport: (typeof VIEWPORTS)[number], path: string): Promise<Page> {
  const page = await browser.newPage({ viewport, javaScriptEnabled: false });
  const response = await page.goto(stack.url + path);
  expect(response?.status(), path).toBe(200);
  return page;
}

/** Looks at the page as rendered: no sideways scrolling, the stylesheet applied; keeps a screenshot. */
async function shoot(page: Page, viewport: (typeof VIEWPORTS)[number], name: string): Promise<void> {
  const layout = (await page.evaluate(`({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    bodyMaxWidth: getComputedStyle(document.body).maxWidth,
  })`)) as { scrollWidth: number; clientWidth: number; bodyMaxWidth: string };
  expect(layout.clientWidth, name).toBe(viewport.width);
  expect(layout.scrollWidth, `${name} scrolls sideways at ${viewport.width} px`).toBeLessThanOrEqual(viewport.width);
  expect(layout.bodyMaxWidth, `${name}: the inline stylesheet did not apply`).toBe('736px');
  const png = await page.screenshot({ path: join(SHOTS, `${name}-${viewport.name}.png`), fullPage: true });
  // A PNG as wide as the viewport (bytes 16–19 of the IHDR chunk).
  expect(png.readUInt32BE(16), name).toBe(viewport.width);
}

/** Every entry of a listing: its headline and the text of its lede. */
async function entries(page: Page): Promise<Array<{ headline: string; lede: string }>> {
  return (await page.evaluate(`[...document.querySelectorAll('ol.posts > li')].map((li) => ({
    headline: li.querySelector('a.headline')?.textContent ?? '',
    lede: li.querySelector('p.lede')?.textContent?.trim() ?? '',
  }))`)) as Array<{ headline: string; lede: string }>;
}

describe.each(VIEWPORTS)('pages at $width px ($name)', (viewport) => {
  it('home: every entry has a headline and a lede; categories read by their display names', async () => {
    const page = await open(viewport, '/');
    const listed = await entries(page);
    expect(listed.length).toBeGreaterThanOrEqual(6);
    for (const entry of listed) expect(entry.lede, entry.headline).not.toBe('');
    expect(listed.map((entry) => entry.headline)).toContain(SEED_TITLE);
    const names = await page.locator('main').getByRole('link').allTextContents();
    expect(names).toContain('成都日报');
    expect(names).not.toContain('chengduribao');
    await shoot(page, viewport, 'home');
    await page.close();
  });

  it('category: the heading is the display name, every entry has a lede', async () => {
    const page = await open(viewport, '/category/chengduribao.html');
    expect(await page.locator('h1').textContent()).toBe('成都日报');
    const listed = await entries(page);
    expect(listed.map((entry) => entry.headline)).toEqual(expect.arrayContaining([SEED_TITLE, '一月主要指标']));
    for (const entry of listed) expect(entry.lede, entry.headline).not.toBe('');
    await shoot(page, viewport, 'category');
    await page.close();
  });

  it('post: breadcrumb and navigation by display name, body readable', async () => {
    const page = await open(viewport, SEED_PATH);
    expect(await page.locator('h1').textContent()).toBe(SEED_TITLE);
    expect(await page.locator('nav.crumbs').textContent()).toContain('成都日报');
    expect(await page.locator('nav.siblings').textContent()).toContain('Next in 成都日报');
    await shoot(page, viewport, 'post');
    await page.close();
  });

  it('post with a table and a quote: both styled, the table scrolls inside itself rather than the page', async () => {
    const page = await open(viewport, TABLE_POST_PATH);
    const style = (await page.evaluate(`({
      cellBorder: getComputedStyle(document.querySelector('main td')).borderTopStyle,
      quoteBorder: getComputedStyle(document.querySelector('main blockquote')).borderLeftStyle,
    })`)) as { cellBorder: string; quoteBorder: string };
    expect(style).toEqual({ cellBorder: 'solid', quoteBorder: 'solid' });
    await shoot(page, viewport, 'post-table');
    await page.close();
  });
});
