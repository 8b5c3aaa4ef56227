import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePath } from '../../functions/core/urls';
import type { LocalStack } from '../../infra/local/local-stack';
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
const version = (fields: string[]) => ['---', 'title: 搬家的新闻', 'date: 2022-06-01 09:00:00 +0800', ...fields, '---', 'Body.', ''].join('\n');

describe('a post that moves', () => {
  const addresses = ['/news/2022/06/01/moving.html', '/体育/2022/06/01/moving.html', '/体育/2022/06/01/renamed.html', '/special/moving-story.html'];

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
    await uploadPost(stack, 'posts/2022-06-02-newcomer.md', ['---', 'title: Newcomer', 'date: 2022-06-02', 'permalink: /news/2022/06/01/moving.html', '---', 'Here now.', ''].join('\n'));
    expect((await stack.store.listFailedSources()).map((state) => state.key)).not.toContain('posts/2022-06-02-newcomer.md');
    const page = await get(stack, '/news/2022/06/01/moving.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Newcomer');
  });

  it('answers 404 where nothing was ever published', async () => {
    expect((await get(stack, '/news/2022/06/01/never.html')).status).toBe(404);
  });
});
