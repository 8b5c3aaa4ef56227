import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePath } from '../../functions/core/urls';
import type { LocalStack } from '../../infra/local/local-stack';
import { atomErrors, jsonFeedErrors, rssErrors } from '../support/feed-rules';
import { parseWithFeedparser } from '../support/feedparser';
import { get, removePost, startTestStack, uploadPost } from '../support/local-stack';

// Addresses readers hold keep working: a post's former URLs answer 301 to where it is now, in one
// hop, for as long as it exists; once it is deleted, every one of them answers 410.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const KEY = 'posts/2022-06-01-moving.md';
const version = (fields: string[]) =>
  ['---', 'title: 搬家的新闻', 'date: 2022-06-01 09:00:00 +0800', ...fields, '---', 'Body.', ''].join('\n');

describe('a post that moves', () => {
  const addresses = [
    '/news/2022/06/01/moving.html',
    '/体育/2022/06/01/moving.html',
    '/体育/2022/06/01/renamed.html',
    '/special/moving-story.html',
  ];

  it('leaves a 301 at each former URL, straight to its page, and a 410 at each once deleted', async () => {
    await uploadPost(stack, KEY, version(['categories: news']));
    await uploadPost(stack, KEY, version(['categories: 体育']));
    await uploadPost(stack, KEY, version(['categories: 体育', 'slug: renamed']));
    await uploadPost(stack, KEY, version(['categories: 体育', 'permalink: /special/moving-story.html']));

    const now = addresses.at(-1)!;
    expect((await get(stack, encodePath(now))).status).toBe(200);
    for (const former of addresses.slice(0, -1)) {
      const response = await get(stack, encodePath(former));
      expect(response.status, former).toBe(301);
      expect(response.headers.get('location'), former).toBe(`${stack.url}${encodePath(now)}`);
    }

    await removePost(stack, KEY);
    for (const address of addresses) {
      const response = await get(stack, encodePath(address));
      expect(response.status, address).toBe(410);
      expect(await response.text(), address).toContain('this post was removed');
    }
  });

  it('gives up a former URL to a new post that asks for it: a redirect never shadows a live post', async () => {
    await uploadPost(
      stack,
      'posts/2022-06-02-newcomer.md',
      [
        '---',
        'title: Newcomer',
        'date: 2022-06-02',
        'permalink: /news/2022/06/01/moving.html',
        '---',
        'Here now.',
        '',
      ].join('\n'),
    );
    expect((await stack.store.listFailedSources()).map((state) => state.key)).not.toContain(
      'posts/2022-06-02-newcomer.md',
    );
    const page = await get(stack, '/news/2022/06/01/moving.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Newcomer');
  });

  it('answers 404 where nothing was ever published', async () => {
    expect((await get(stack, '/news/2022/06/01/never.html')).status).toBe(404);
  });
});

describe('a category whose last post leaves', () => {
  it('keeps valid, empty feeds (200) and a page that says it is empty; a name that never had a post stays 404', async () => {
    const key = 'posts/2022-06-03-last-in-category.md';
    await uploadPost(
      stack,
      key,
      ['---', 'title: Only one', 'date: 2022-06-03', 'categories: 体育', 'tags: [单独]', '---', 'Body.', ''].join('\n'),
    );
    await uploadPost(
      stack,
      key,
      ['---', 'title: Only one', 'date: 2022-06-03', 'categories: news', '---', 'Body.', ''].join('\n'),
    );
    for (const base of ['/category/体育', '/tag/单独']) {
      const rss = await get(stack, encodePath(`${base}.rss`));
      const atom = await get(stack, encodePath(`${base}.atom`));
      const json = await get(stack, encodePath(`${base}.json`));
      const page = await get(stack, encodePath(`${base}.html`));
      expect([rss.status, atom.status, json.status, page.status], base).toEqual([200, 200, 200, 200]);
      const [rssText, atomText, jsonText] = [await rss.text(), await atom.text(), await json.text()];
      expect(rssErrors(rssText), base).toEqual([]);
      expect(atomErrors(atomText), base).toEqual([]);
      expect(jsonFeedErrors(jsonText), base).toEqual([]);
      for (const text of [rssText, atomText]) {
        const parsed = parseWithFeedparser(text);
        expect(parsed.bozo, base).toBe(false);
        expect(parsed.entries, base).toEqual([]);
      }
      expect(JSON.parse(jsonText).items).toEqual([]);
      expect(await page.text()).toContain('No posts yet');
    }
    expect((await get(stack, encodePath('/category/从来没有.rss'))).status).toBe(404);
    expect((await get(stack, encodePath('/category/从来没有.html'))).status).toBe(404);
  });
});
