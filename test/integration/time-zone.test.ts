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

  it('reads dates written without an offset in TIME_ZONE, date-only ones at its midnight', async () => {
    stack = await startTestStack({ TIME_ZONE: 'Asia/Shanghai' });
    await uploadPost(
      stack,
      'posts/2022-01-12-local.md',
      '---\ntitle: 本地时间\ndate: 2022-01-12 02:44\ncategories: night\n---\n正文。\n',
    );
    await uploadPost(
      stack,
      'posts/2022-02-01-day.md',
      '---\ntitle: 只有日期\ndate: 2022-02-01\ncategories: night\n---\n正文。\n',
    );
    await stack.idle();
    const listing = await text('/category/night.html');
    expect(listing).toContain('<time datetime="2022-01-12T02:44:00+08:00">2022-01-12 02:44 +08:00</time>');
    expect(listing).toContain('<time datetime="2022-02-01T00:00:00+08:00">2022-02-01 00:00 +08:00</time>');
    expect(await text('/category/night.atom')).toContain('<published>2022-01-12T02:44:00+08:00</published>');
  });

  it("takes the zone of the site's _config.yml, and TIME_ZONE wins over it", async () => {
    await publish({}, 'timezone: America/New_York\n');
    expect(await text(PATH)).toContain('>2022-01-11 13:44 -05:00</time>');
    await stack!.stop();
    await publish({ TIME_ZONE: 'Asia/Tokyo' }, 'timezone: America/New_York\n');
    // A Jekyll site's posts are also read in that zone, as Jekyll would: its calendar day names the page.
    expect(await text('/night/2022/01/12/night-news.html')).toContain('>2022-01-12 03:44 +09:00</time>');
  });
});
