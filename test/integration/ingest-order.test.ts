import { type GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestChange, type ObjectChange } from '../../functions/core/ingest';
import type { PostStore } from '../../functions/core/store';
import { createIngestHandler } from '../../functions/handlers/ingest';
import type { LocalStack } from '../../infra/local/local-stack';
import { encodeEventKey } from '../../infra/local/s3-events';
import { startTestStack } from '../support/local-stack';

// Events are applied straight to the DynamoDB store on a real dynalite, in the orders
// S3 may deliver them: duplicated, late, out of order.
let stack: LocalStack;
const objects = new Map<string, string>();
const readObject = async (key: string) => {
  const text = objects.get(key);
  return text === undefined ? undefined : { bytes: new TextEncoder().encode(text) };
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
    await ingestChange(change('posts/late.md', 'created', '0055AED6DCD90282'), deps);
    objects.set('posts/late.md', post('older', 'order-c'));
    // Sequencers of different lengths compare after right-padding (S3 User Guide): …81E5 < …82.
    expect((await ingestChange(change('posts/late.md', 'created', '0055AED6DCD90281E5'), deps)).result).toBe('skipped');
    expect(await titlesIn('order-b')).toEqual(['newer']);
    expect(await titlesIn('order-c')).toEqual([]);
  });

  it('applies a newer, shorter sequencer after a longer one (18 digits, then 16)', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/shorter.md', post('first', 'order-s1'));
    expect((await ingestChange(change('posts/shorter.md', 'created', '0055AED6DCD90281E5'), deps)).result).toBe(
      'published',
    );
    objects.set('posts/shorter.md', post('second', 'order-s2'));
    expect((await ingestChange(change('posts/shorter.md', 'created', '0055AED6DCD90282'), deps)).result).toBe(
      'published',
    );
    expect(await titlesIn('order-s1')).toEqual([]);
    expect(await titlesIn('order-s2')).toEqual(['second']);
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
    objects.set(
      'posts/second.md',
      '---\ntitle: second\ndate: 2022-05-02\nid: shared-id\ncategories: order-e\n---\ny\n',
    );
    expect((await ingestChange(change('posts/first.md', 'created', '01'), deps)).result).toBe('published');
    const second = await ingestChange(change('posts/second.md', 'created', '01'), deps);
    expect(second).toMatchObject({
      result: 'rejected',
      error: 'post id "shared-id" is already published by posts/first.md',
    });
    expect(await titlesIn('order-e')).toEqual(['first']);
  });

  it('keeps the last good version published while a broken re-upload is refused', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/keep.md', post('good', 'order-f'));
    await ingestChange(change('posts/keep.md', 'created', '01'), deps);
    objects.set('posts/keep.md', '---\ndate: 2022-05-01\n---\nno title\n');
    expect(await ingestChange(change('posts/keep.md', 'created', '02'), deps)).toMatchObject({
      result: 'rejected',
      error: 'line 1: front matter has no title',
    });
    expect(await titlesIn('order-f')).toEqual(['good']);
  });

  it('counts each category once per post however often the post is re-applied', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/count.md', post('count', 'order-g'));
    for (const sequencer of ['01', '02', '03'])
      await ingestChange(change('posts/count.md', 'created', sequencer), deps);
    const names = await stack.store.listNames('category');
    expect(names.find((entry) => entry.name === 'order-g')).toEqual({ name: 'order-g', count: 1 });
  });
});

describe('transient failures against dynalite', () => {
  /**
   * The stack's store, failing once at the `nth` call of `method` as a throttled request does
   * (`before`: nothing written) or as a timed-out one may (`after`: written, answer lost).
   */
  function failingOnce(method: keyof PostStore, nth: number, when: 'before' | 'after'): PostStore {
    let calls = 0;
    return new Proxy(stack.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        if (property !== method) return value.bind(target);
        return async (...args: unknown[]) => {
          const failing = ++calls === nth;
          const error = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
          if (failing && when === 'before') throw error;
          const result = await value.apply(target, args);
          if (failing) throw error;
          return result;
        };
      },
    });
  }

  /** S3 as the handler sees it, reading `objects`. */
  const bucket = {
    send: async (command: GetObjectCommand) => {
      const text = objects.get(command.input.Key!);
      if (text === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
      return { Body: { transformToByteArray: async () => new TextEncoder().encode(text) }, ETag: '"etag"' };
    },
  } as unknown as S3Client;

  function s3Event(key: string, kind: 'ObjectCreated:Put' | 'ObjectRemoved:Delete', sequencer: string): S3Event {
    return {
      Records: [
        {
          eventName: kind,
          eventTime: '2022-05-01T02:00:00.000Z',
          s3: { object: { key: encodeEventKey(key), sequencer, size: 0 } },
        },
      ],
    } as unknown as S3Event;
  }

  /** Delivers an event as Lambda does: once, and again if the first attempt threw. */
  async function deliver(event: S3Event, store: PostStore): Promise<boolean> {
    const handler = createIngestHandler({ store, s3: bucket, bucket: 'content' });
    const threw = await handler(event).then(
      () => false,
      () => true,
    );
    if (threw) await handler(event);
    return threw;
  }

  const failurePoints: Array<[keyof PostStore, number]> = [
    ['getSourceState', 1],
    ['putPost', 1],
    ['claimShareLink', 1],
    ['putFeedEntry', 2],
    ['getPostWriter', 1],
    ['deletePost', 1],
    ['deleteFeedEntry', 1],
    ['markShareLinkGone', 1],
    ['commitSourceState', 1],
  ];
  for (const when of ['before', 'after'] as const) {
    for (const [method, nth] of failurePoints) {
      it(`throws when ${method} fails ${when} writing, and the retry of the same event leaves the right state`, async () => {
        const key = `posts/transient ${method} ${when}.md`;
        const category = `transient-${method}-${when}`;
        objects.set(key, post('first', `${category}-a`));
        await deliver(s3Event(key, 'ObjectCreated:Put', '01'), stack.store);

        // A move to another category: new rows written, the old ones withdrawn, the state committed.
        objects.set(key, post('second', `${category}-b`));
        let threw = await deliver(s3Event(key, 'ObjectCreated:Put', '02'), failingOnce(method, nth, when));
        expect(await titlesIn(`${category}-a`)).toEqual([]);
        expect(await titlesIn(`${category}-b`)).toEqual(['second']);

        objects.delete(key);
        threw = (await deliver(s3Event(key, 'ObjectRemoved:Delete', '03'), failingOnce(method, nth, when))) || threw;
        expect(await titlesIn(`${category}-b`)).toEqual([]);
        expect((await stack.store.getSourceState(key))?.status).toBe('deleted');
        const names = (await stack.store.listNames('category')).map((entry) => entry.name);
        expect(names.filter((name) => name.startsWith(category))).toEqual([]);
        expect(threw, 'the failure was reached').toBe(true);
      });
    }
  }

  it('removes a post that a re-upload marks published: false, and its share link answers gone', async () => {
    const deps = { store: stack.store, readObject };
    objects.set('posts/unpublish.md', post('visible', 'order-h'));
    const published = await ingestChange(change('posts/unpublish.md', 'created', '01'), deps);
    expect(published.result).toBe('published');
    const code = (await stack.store.getPost((published as { postId: string }).postId))!.shortCode;
    objects.set('posts/unpublish.md', post('visible', 'order-h').replace('---\nbody', 'published: false\n---\nbody'));
    const outcome = await ingestChange(change('posts/unpublish.md', 'created', '02'), deps);
    expect(outcome).toMatchObject({
      result: 'unpublished',
      feeds: [{ kind: 'site' }, { kind: 'category', name: 'order-h' }],
    });
    expect(await titlesIn('order-h')).toEqual([]);
    expect((await stack.store.getShareLink(code))?.gone).toBe(true);
  });
});
