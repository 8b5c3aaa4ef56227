import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, publishSampleContent, startTestStack } from '../support/local-stack';

// DISPLAY_NAMES: a newsroom's categories read as it names them (成都日报), while URLs keep the slug.

const SEED_PATH = '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html';
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ [ENV.displayNames]: 'chengduribao=成都日报,成都日报新闻=本地新闻' });
  await publishSampleContent(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function text(path: string): Promise<string> {
  const response = await get(stack, path);
  expect(response.status, path).toBe(200);
  return response.text();
}

describe('DISPLAY_NAMES', () => {
  it('names categories and tags in headings, navigation, feed titles and OPML; URLs keep the name', async () => {
    const category = `${stack.url}/category/chengduribao.html`;
    expect(await text('/')).toContain(`<a href="${category}">成都日报</a>`);
    const list = await text('/category/chengduribao.html');
    expect(list).toContain('<h1>成都日报</h1>');
    expect(list).toContain('<title>成都日报 · ');
    const post = await text(SEED_PATH);
    expect(post).toContain(`<a href="${category}">返回成都日报</a>`);
    expect(post).toContain(`>#本地新闻</a>`);
    expect(await text('/category/chengduribao.rss')).toMatch(/<channel>\s*<title>[^<]* · 成都日报<\/title>/);
    expect(JSON.parse(await text('/category/chengduribao.json')).title).toMatch(/ · 成都日报$/);
    const opml = await text('/feeds.opml');
    expect(opml).toContain(`text="成都日报" title="成都日报" xmlUrl="${stack.url}/category/chengduribao.rss"`);
    expect(opml).toContain('text="#本地新闻"');
    // Names without a display name read as themselves.
    expect(opml).toContain('text="weather"');
  });
});
