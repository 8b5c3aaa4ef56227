import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPost } from '../../bench/corpus';
import { preload } from '../../bench/preload';
import type { LocalStack } from '../../infra/local/local-stack';
import { startTestStack } from '../support/local-stack';

// The benchmark's preload (bench/preload.ts) fills the table through the real ingest code: it
// must keep working as ingest changes, or `npm run bench` fails after minutes of other sections.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('bench preload', () => {
  it('publishes every corpus post it is given, as ingest would', async () => {
    await preload(stack, (index) => corpusPost(1, index), 0, 60);
    const site = await stack.store.queryFeed({ kind: 'site' }, 100);
    expect(site).toHaveLength(60);
    expect(await stack.store.listFailedSources()).toEqual([]);
  }, 60_000);
});
