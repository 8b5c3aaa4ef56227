import { afterAll, describe, expect, it } from 'vitest';
import { budgetedReader } from '../../functions/adapters/parse-worker';
import { PostRejected } from '../../functions/core/errors';
import { readPostInProcess } from '../../functions/core/ingest';
import { HOSTILE_POSTS } from '../support/hostile-posts';

// Posts are read on a worker thread with a heap limit and a deadline. The limits are set low
// here so that files the parser's own bounds let through (they need 60–90 MB) exceed them.

const OPTIONS = { now: '2022-01-01T00:00:00.000Z', maxPostBytes: 1 << 20 };
const bytes = (text: string) => new TextEncoder().encode(text);
const hostile = (name: string) => bytes(HOSTILE_POSTS.find((post) => post.name === name)!.text());
const good = (n: number) => bytes(`---\ntitle: Post ${n}\ndate: 2022-01-0${n}\ncategories: news\n---\nBody ${n}.\n`);
const MEMORY_HOG = hostile('Markdown: a 300 KB image title used 50,000 times');

const reader = budgetedReader({ heapMb: 40, deadlineMs: 5_000 });
afterAll(() => reader.close());

async function outcome(read: Promise<unknown>): Promise<unknown> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof PostRejected) return { refused: error.describe() };
    throw error;
  }
}

describe('reading posts within a budget (functions/adapters/parse-worker.ts)', () => {
  it('reads a post exactly as reading it in this process does, refusals included', async () => {
    for (const text of [good(1), bytes('---\ntitle: [unclosed\n---\nx\n'), bytes('')]) {
      expect(await outcome(reader.readPost('posts/a.md', text, OPTIONS))).toEqual(
        await outcome(readPostInProcess('posts/a.md', text, OPTIONS)),
      );
    }
  });

  it('refuses a file that needs more memory than the worker has, and reads the next one on a fresh worker', async () => {
    expect(await outcome(reader.readPost('posts/hog.md', MEMORY_HOG, OPTIONS))).toEqual({
      refused: 'file needs more than 40 MB of memory to read; nothing was published from it',
    });
    expect(await outcome(reader.readPost('posts/after.md', good(2), OPTIONS))).toMatchObject({
      published: true,
      post: { title: 'Post 2' },
    });
  });

  it('refuses only the file that exhausts the worker, not those read beside it', async () => {
    const reads = [good(1), good(2), MEMORY_HOG, good(3), good(4)].map((text, index) =>
      outcome(reader.readPost(`posts/${index}.md`, text, OPTIONS)),
    );
    const outcomes = await Promise.all(reads);
    expect(outcomes.map((result) => ('refused' in (result as object) ? 'refused' : 'published'))).toEqual([
      'published',
      'published',
      'refused',
      'published',
      'published',
    ]);
  }, 30_000);

  it('refuses a file that takes longer than the deadline', async () => {
    // 30 ms: the file below takes hundreds (40,000 addresses linkified, then refused by the parser's
    // own bound), a small post a few once the worker is warm.
    const slow = budgetedReader({ deadlineMs: 30 });
    try {
      for (let n = 1; n <= 3; n++) await outcome(slow.readPost('posts/warm.md', good(n), OPTIONS));
      expect(
        await outcome(slow.readPost('posts/slow.md', hostile('Markdown: 40,000 e-mail addresses (linkify)'), OPTIONS)),
      ).toEqual({
        refused: 'file takes more than 0.03 s to read; nothing was published from it',
      });
    } finally {
      await slow.close();
    }
  }, 30_000);
});
