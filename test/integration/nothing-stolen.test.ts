import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePath, feedKey } from '../../functions/core/urls';
import type { LocalStack } from '../../infra/local/local-stack';
import { get, startTestStack, uploadPost } from '../support/local-stack';

// A careless or hostile publisher, on the real local stack: no post takes another's page, id
// or legacy link, and the one that asks is refused with the holder's name.

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const post = (fields: string[], body = 'Body.') => ['---', ...fields, '---', body, ''].join('\n');

async function failure(key: string): Promise<string | undefined> {
  return (await stack.store.listFailedSources()).find((state) => state.key === key)?.error;
}

describe("a post that asks for another post's page", () => {
  it('is refused, naming the holder; the holder keeps its page, its share link and its one feed entry', async () => {
    await uploadPost(
      stack,
      'posts/2022-01-12-jinniu.md',
      post([
        'title: 金牛 走好新时代赶考之路',
        'date: 2022-01-12 02:44:46 +0800',
        'categories: news',
        'permalink: /news/jinniu-2022-goals.html',
      ]),
    );
    await uploadPost(
      stack,
      'posts/2022-01-13-hijack.md',
      post(
        [
          'title: Hijacker',
          'date: 2022-01-13 09:00:00 +0800',
          'categories: news',
          'permalink: /news/jinniu-2022-goals.html',
        ],
        'Not the story.',
      ),
    );

    expect(await failure('posts/2022-01-13-hijack.md')).toBe(
      'page path /news/jinniu-2022-goals.html is already published by posts/2022-01-12-jinniu.md',
    );
    const page = await get(stack, '/news/jinniu-2022-goals.html');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('金牛 走好新时代赶考之路');
    expect(html).not.toContain('Not the story');
    const entries = await stack.store.queryFeed({ kind: 'category', name: 'news' }, 20);
    expect(entries.map((entry) => [entry.title, entry.path])).toEqual([
      ['金牛 走好新时代赶考之路', '/news/jinniu-2022-goals.html'],
    ]);
    const share = await get(stack, `/s/${entries[0].shortCode}`);
    expect(share.headers.get('location')).toBe(`${stack.url}${encodePath('/news/jinniu-2022-goals.html')}`);
  });

  it('gets the page once the holder moves elsewhere, and its refusal clears when uploaded again', async () => {
    await uploadPost(
      stack,
      'posts/2022-01-12-jinniu.md',
      post([
        'title: 金牛 走好新时代赶考之路',
        'date: 2022-01-12 02:44:46 +0800',
        'categories: news',
        'permalink: /news/jinniu.html',
      ]),
    );
    await uploadPost(
      stack,
      'posts/2022-01-13-hijack.md',
      post([
        'title: Now its own',
        'date: 2022-01-13 09:00:00 +0800',
        'categories: news',
        'permalink: /news/jinniu-2022-goals.html',
      ]),
    );
    expect(await failure('posts/2022-01-13-hijack.md')).toBeUndefined();
    expect(await (await get(stack, '/news/jinniu-2022-goals.html')).text()).toContain('Now its own');
    expect(await (await get(stack, '/news/jinniu.html')).text()).toContain('金牛');
  });
});

describe('identities', () => {
  it('a code found only in a link in the body gives way to the post that declares it', async () => {
    // A round-up links to a story not yet published; without an infoCode of its own it takes the code it found.
    const roundUp = 'posts/2022-02-01-round-up.md';
    await uploadPost(
      stack,
      roundUp,
      post(
        ['title: Round-up', 'date: 2022-02-01 08:00:00 +0800', 'categories: digest'],
        "Read [tomorrow's story](http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NWFUTURE0001).",
      ),
    );
    expect((await stack.store.getSourceState(roundUp))?.postId).toBe('NWFUTURE0001');

    const story = 'posts/2022-02-02-the-story.md';
    await uploadPost(
      stack,
      story,
      post(['title: The story', 'date: 2022-02-02 08:00:00 +0800', 'categories: news', 'infoCode: NWFUTURE0001']),
    );
    await stack.idle();

    expect(await failure(story)).toBeUndefined();
    expect((await stack.store.getSourceState(story))?.postId).toBe('NWFUTURE0001');
    // The legacy link and the feed id are the story's.
    const legacy = await get(stack, '/html_News/NewsShare.html?infoCode=NWFUTURE0001');
    expect(legacy.status).toBe(301);
    expect(legacy.headers.get('location')).toBe(`${stack.url}/news/2022/02/02/the-story.html`);
    expect((await stack.store.getPost('NWFUTURE0001'))?.sourceKey).toBe(story);
    // The round-up is still published, under the id its own key gives it, with one entry per feed.
    expect(await stack.store.getSourceState(roundUp)).toMatchObject({
      status: 'published',
      postId: '2022-02-01-round-up',
    });
    expect((await get(stack, '/digest/2022/02/01/round-up.html')).status).toBe(200);
    const site = await stack.store.queryFeed({ kind: 'site' }, 50);
    expect(site.filter((entry) => entry.id === 'NWFUTURE0001').map((entry) => entry.title)).toEqual(['The story']);
    expect(site.filter((entry) => entry.title === 'Round-up').map((entry) => entry.id)).toEqual([
      '2022-02-01-round-up',
    ]);
    const digest = await stack.store.queryFeed({ kind: 'category', name: 'digest' }, 5);
    expect(digest.map((entry) => entry.id)).toEqual(['2022-02-01-round-up']);
    expect(feedKey({ kind: 'category', name: 'digest' })).toBe('category#digest');
  });

  it('a second post that declares a code another post declares is refused, naming the holder', async () => {
    await uploadPost(
      stack,
      'posts/2022-03-01-first.md',
      post(['title: First', 'date: 2022-03-01', 'infoCode: NW202203010001']),
    );
    await uploadPost(
      stack,
      'posts/2022-03-02-second.md',
      post(['title: Second', 'date: 2022-03-02', 'infoCode: NW202203010001']),
    );
    expect(await failure('posts/2022-03-02-second.md')).toBe(
      'post id "NW202203010001" is already published by posts/2022-03-01-first.md',
    );
    await uploadPost(
      stack,
      'posts/2022-03-03-third.md',
      post(['title: Third', 'date: 2022-03-03', 'id: third-story', 'infoCode: NW202203010001']),
    );
    expect(await failure('posts/2022-03-03-third.md')).toBe(
      'infoCode "NW202203010001" is already published by posts/2022-03-01-first.md',
    );
    expect((await get(stack, '/html_News/NewsShare.html?infoCode=NW202203010001')).headers.get('location')).toBe(
      `${stack.url}/2022/03/01/first.html`,
    );
    expect((await get(stack, '/2022/03/03/third.html')).status).toBe(404);
  });
});
