import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestChange, type ObjectChange } from '../../functions/core/ingest';
import type { LocalStack } from '../../infra/local/local-stack';
import { startTestStack } from '../support/local-stack';

// Events are applied straight to the DynamoDB store on a real dynalite, in the orders
// S3 may deliver them: duplicated, late, out of order.
let stack: LocalStack;
const objects = new Map<string, string>();
const readObject = async (key: string) => {
  const text = objects.get(key);
  return text === undefined ? undefined : new TextEncoder().encode(text);
};

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

const post = (title: string, category: string) =>
  `---\ntitle: ${title}\ndate: 2022-05-01 10:00:00 +0800\ncategories: ${category}\n---\nbody of ${title}\n`;

function change(key: string, kind: ObjectChange['kind'], sequencer: string): ObjectChange {
  return { key, kind, sequencer, eventTime: '2022-05-01T02:00:00.000Z' };
}

async function titlesIn(category: string): Promise<string[]> {
  return (await stack.store.queryFeed({ kind: 'category', name: category }, 50)).map((entry) => entry.title);
}

describe('ingest ordering against dynalite', () => {
  it('treats a duplicated event as a no-op', async () => {
    objects.set('posts/dup.md', post('dup', 'order-a'));
    const deps = { store: stack.store, readObject };
    expect((await ingestChange(change('posts/dup.md', 'created', '0A'), deps)).result).toBe('published');
    expect((await ingestChange(change('posts/dup.md', 'created', '0A'), deps)).result).toBe('skipped');
    expect(await titlesIn('order-a')).toEqual(['dup']);
  });

  it('ignores an older create that arrives after a newer one', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/late.md', post('newer', 'order-b'));
    await ingestChange(change('posts/late.md', 'created', '0200'), deps);
    objects.set('posts/late.md', post('older', 'order-c'));
    // Sequencers of different lengths compare after left-padding: 1FF < 0200.
    expect((await ingestChange(change('posts/late.md', 'created', '1FF'), deps)).result).toBe('skipped');
    expect(await titlesIn('order-b')).toEqual(['newer']);
    expect(await titlesIn('order-c')).toEqual([]);
  });

  it('keeps a tombstone so a late create cannot resurrect a deleted post', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/gone.md', post('gone', 'order-d'));
    await ingestChange(change('posts/gone.md', 'created', '10'), deps);
    await ingestChange(change('posts/gone.md', 'removed', '30'), deps);
    expect(await titlesIn('order-d')).toEqual([]);
    expect((await ingestChange(change('posts/gone.md', 'created', '20'), deps)).result).toBe('skipped');
    expect(await titlesIn('order-d')).toEqual([]);
    expect((await stack.store.getSourceState('posts/gone.md'))?.status).toBe('deleted');
  });

  it('refuses a second object that claims an id another object publishes', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/first.md', '---\ntitle: first\ndate: 2022-05-02\nid: shared-id\ncategories: order-e\n---\nx\n');
    objects.set('posts/second.md', '---\ntitle: second\ndate: 2022-05-02\nid: shared-id\ncategories: order-e\n---\ny\n');
    expect((await ingestChange(change('posts/first.md', 'created', '01'), deps)).result).toBe('published');
    const second = await ingestChange(change('posts/second.md', 'created', '01'), deps);
    expect(second).toMatchObject({ result: 'rejected', error: 'post id "shared-id" is already published by posts/first.md' });
    expect(await titlesIn('order-e')).toEqual(['first']);
  });

  it('keeps the last good version published while a broken re-upload is refused', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/keep.md', post('good', 'order-f'));
    await ingestChange(change('posts/keep.md', 'created', '01'), deps);
    objects.set('posts/keep.md', '---\ndate: 2022-05-01\n---\nno title\n');
    expect(await ingestChange(change('posts/keep.md', 'created', '02'), deps)).toMatchObject({
      result: 'rejected', error: 'line 1: front matter has no title',
    });
    expect(await titlesIn('order-f')).toEqual(['good']);
  });

  it('counts each category once per post however often the post is re-applied', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/count.md', post('count', 'order-g'));
    for (const sequencer of ['01', '02', '03']) await ingestChange(change('posts/count.md', 'created', sequencer), deps);
    const names = await stack.store.listNames('category');
    expect(names.find((entry) => entry.name === 'order-g')).toEqual({ name: 'order-g', count: 1 });
  });
});
