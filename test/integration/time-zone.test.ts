import { afterEach, describe, expect, it } from 'vitest';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack, uploadPost } from '../support/local-stack';

// Dates people read on pages are in the site's time zone: TIME_ZONE, else the `timezone` of the
// site's _config.yml, else each post's own offset. Feeds keep the post's own offset.

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

const POST = '---\ntitle: 夜班新闻\ndate: 2022-01-11 18:44:00 +0000\ncategories: night\n---\n正文。\n';
const PATH = '/night/2022/01/11/night-news.html';

async function publish(env: Record<string, string>, config?: string): Promise<LocalStack> {
  stack = await startTestStack(env);
  if (config !== undefined) await uploadPost(stack, SITE_CONFIG_KEY, config);
  await uploadPost(stack, 'posts/2022-01-11-night-news.md', POST);
  await stack.idle();
  return stack;
}

async function text(path: string): Promise<string> {
  const response = await get(stack!, path);
  expect(response.status, path).toBe(200);
  return response.text();
}

describe('the time zone of dates on pages', () => {
  it("shows the post's own offset when the site names no zone", async () => {
    await publish({});
    expect(await text(PATH)).toContain('<time datetime="2022-01-11T18:44:00Z">2022-01-11 18:44 UTC</time>');
  });

  it('shows TIME_ZONE on the post page and in listings, keeping the instant in datetime and feeds', async () => {
    await publish({ TIME_ZONE: 'Asia/Shanghai' });
    const shown = '<time datetime="2022-01-11T18:44:00Z">2022-01-12 02:44 +08:00</time>';
    expect(await text(PATH)).toContain(shown);
    expect(await text('/category/night.html')).toContain(shown);
    expect(await text('/')).toContain(shown);
    expect(await text('/category/night.atom')).toContain('2022-01-11T18:44:00Z');
  });

  it("takes the zone of the site's _config.yml, and TIME_ZONE wins over it", async () => {
    await publish({}, 'timezone: America/New_York\n');
    expect(await text(PATH)).toContain('>2022-01-11 13:44 -05:00</time>');
    await stack!.stop();
    await publish({ TIME_ZONE: 'Asia/Tokyo' }, 'timezone: America/New_York\n');
    expect(await text(PATH)).toContain('>2022-01-12 03:44 +09:00</time>');
  });
});
