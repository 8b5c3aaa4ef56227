import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { HOSTILE_POSTS } from '../support/hostile-posts';
import { get, uploadPost } from '../support/local-stack';

// The local stack reads posts on a worker thread with a heap limit, as the deployed ingest does.
// With the limit lowered to 40 MB, a file the parser's own bounds let through (it needs ~85 MB)
// exceeds it: it is refused and recorded, and the site on the main thread keeps answering.

let stack: LocalStack;
beforeAll(async () => {
  setLogSink(() => {});
  stack = await startLocalStack({
    port: 0,
    s3Port: 0,
    dynamoPort: 0,
    env: { [ENV.feedVersionCacheMs]: '0' },
    onError: () => {},
    readLimits: { heapMb: 40 },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe('a file that needs more memory than ingest may use', () => {
  it('is refused and recorded, and the site answers throughout', async () => {
    await uploadPost(
      stack,
      'posts/2022-01-01-before.md',
      '---\ntitle: Before\ndate: 2022-01-01\ncategories: news\n---\nBody.\n',
    );
    const hog = HOSTILE_POSTS.find((post) => post.name === 'Markdown: a 300 KB image title used 50,000 times')!;
    const upload = uploadPost(stack, 'posts/2022-01-02-hog.md', hog.text());
    // Pages keep being served while the worker reads (and dies of) the file.
    const during = await get(stack, '/category/news.html');
    expect(during.status).toBe(200);
    await upload;

    expect((await stack.store.listFailedSources()).map((state) => [state.key, state.error])).toEqual([
      ['posts/2022-01-02-hog.md', 'file needs more than 40 MB of memory to read; nothing was published from it'],
    ]);
    await uploadPost(
      stack,
      'posts/2022-01-03-after.md',
      '---\ntitle: After\ndate: 2022-01-03\ncategories: news\n---\nBody.\n',
    );
    expect((await stack.store.queryFeed({ kind: 'category', name: 'news' }, 5)).map((entry) => entry.title)).toEqual([
      'After',
      'Before',
    ]);
  }, 60_000);
});
