import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/local-stack';
import { publishSampleContent, startTestStack } from '../support/local-stack';

/** Debian's Chromium, which npm test installs when missing (test/setup/test-tools.ts); Playwright's own browser downloads do not work here. */
const CHROMIUM = '/usr/bin/chromium';
const SEED_TITLE = '金牛 走好新时代赶考之路 谱写天府成都北城新中心建设新篇章';
const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
const PHONE = { width: 360, height: 740 };

let stack: LocalStack;
let browser: Browser;
let page: Page;
const policyViolations: string[] = [];

beforeAll(async () => {
  // A missing browser fails the suite: skipping would let CI pass without ever running it.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get install -y chromium\` (as npm test does when it runs as root) to run the browser test`,
    );
  }
  [stack, browser] = await Promise.all([
    startTestStack(),
    chromium.launch({
      executablePath: CHROMIUM,
      // Playwright adds --headless, --no-sandbox and a fresh profile; these keep Chromium off the (closed) network.
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
  page = await browser.newPage({ viewport: PHONE, javaScriptEnabled: false });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) policyViolations.push(message.text());
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** What a phone reader would notice: sideways scrolling, or the stylesheet not applied. */
async function expectReadableOnPhone(what: string): Promise<void> {
  // A string, so this Node-only project needs no DOM typings; it runs in the page.
  const layout = (await page.evaluate(`({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
    bodyMaxWidth: getComputedStyle(document.body).maxWidth,
  })`)) as { scrollWidth: number; clientWidth: number; bodyMaxWidth: string };
  expect(layout.clientWidth, what).toBe(PHONE.width);
  expect(layout.scrollWidth, `${what} scrolls sideways at ${PHONE.width} px`).toBeLessThanOrEqual(PHONE.width);
  // The inline stylesheet ran under the page's CSP (its hash matched).
  expect(layout.bodyMaxWidth, what).not.toBe('none');
}

describe('a reader on a phone, without JavaScript', () => {
  it('goes from home to a category to a post, copies its share link, and the link brings them back to the post', async () => {
    await page.goto(`${stack.url}/`);
    expect(await page.locator('h1').textContent()).toBe('新闻 News');
    await expectReadableOnPhone('home page');

    await page.locator('main .names').getByRole('link', { name: 'chengduribao', exact: true }).click();
    await page.waitForURL(`${stack.url}/category/chengduribao.html`);
    expect(await page.locator('h1').textContent()).toBe('chengduribao');
    await expectReadableOnPhone('category page');

    await page.locator('ol.posts').getByRole('link', { name: SEED_TITLE }).click();
    await page.waitForURL(stack.url + SEED_PATH);
    expect(await page.locator('h1').textContent()).toBe(SEED_TITLE);
    await expectReadableOnPhone('post page with long Chinese paragraphs and a long URL');

    const shareLink = await page.getByRole('textbox', { name: /Share link/ }).inputValue();
    expect(shareLink).toMatch(new RegExp(`^${stack.url}/s/[0-9A-Za-z]{7}$`));
    expect(await page.getByRole('link', { name: shareLink }).getAttribute('href')).toBe(shareLink);

    await page.goto('about:blank');
    const landing = await page.goto(shareLink);
    expect(landing?.request().redirectedFrom()?.url()).toBe(shareLink);
    expect(page.url()).toBe(stack.url + SEED_PATH);
    expect(await page.locator('h1').textContent()).toBe(SEED_TITLE);
  });

  it('lands on the post from the legacy link too', async () => {
    await page.goto(`${stack.url}/html_News/NewsShare.html?infoCode=NW202201122244036113&from=groupmessage`);
    expect(page.url()).toBe(stack.url + SEED_PATH);
  });

  it('reads a tag page and a 404 page without sideways scrolling', async () => {
    await page.goto(`${stack.url}${SEED_PATH}`);
    await page.locator('article .names').getByRole('link', { name: '#成都日报新闻' }).click();
    await page.waitForURL(/\/tag\//);
    await expectReadableOnPhone('tag page');
    const missing = await page.goto(`${stack.url}/s/${'x'.repeat(60)}`);
    expect(missing?.status()).toBe(404);
    await expectReadableOnPhone('404 page');
  });

  it('met no Content Security Policy violation on any page', () => {
    expect(policyViolations).toEqual([]);
  });
});
