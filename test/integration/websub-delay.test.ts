import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../functions/adapters/logger';
import { ENV } from '../../functions/config-names';
import { type LocalStack, startLocalStack } from '../../infra/local/local-stack';
import { uploadPost } from '../support/local-stack';
import { freePort, startHub } from '../support/websub-hub';

// With an edge window (EDGE_MAX_AGE_SECONDS), a hub is told of a change only once no shared cache
// can still hold the bytes from before it: the announcement waits in the queue (locally a timer
// that delivers SQS's event to the handler), and the hub, fetching at once, gets the new feed.

const EDGE_SECONDS = 1;
let hub: Awaited<ReturnType<typeof startHub>>['hub'];
const pings: string[] = [];
const fetched: Array<{ at: number; topic: string; body: string }> = [];
let stack: LocalStack;
let site: string;

beforeAll(async () => {
  let hubUrl: string;
  ({ hub, hubUrl } = await startHub(pings, async (topic) => {
    fetched.push({ at: Date.now(), topic, body: await (await fetch(topic)).text() });
  }));
  const port = await freePort();
  site = `http://localhost:${port}`;
  if (!process.env.LOG) setLogSink(() => {});
  stack = await startLocalStack({
    port,
    s3Port: 0,
    dynamoPort: 0,
    onError: () => {},
    env: { [ENV.siteUrl]: site, [ENV.websubHub]: hubUrl, [ENV.edgeMaxAgeSeconds]: String(EDGE_SECONDS) },
  });
});

afterAll(async () => {
  await stack?.stop();
  if (hub?.listening) hub.close();
});

async function until(condition: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('WebSub behind an edge window', () => {
  it('pings after the window, once per topic for a batch, and the hub fetches the new feed', async () => {
    const committed = Date.now();
    await uploadPost(
      stack,
      'posts/late-ping.md',
      '---\ntitle: 迟到的通知\ndate: 2023-09-01 08:00 +0800\ncategories: delay\n---\n正文。\n',
    );
    // Applied, and visible at the origin, but not yet announced.
    expect(await (await fetch(`${site}/category/delay.rss`)).text()).toContain('迟到的通知');
    expect(pings).toEqual([]);
    const feed = `${site}/category/delay.rss`;
    await until(() => fetched.some((entry) => entry.topic === feed), 10_000);
    const got = fetched.find((entry) => entry.topic === feed);
    expect(got, 'the hub was pinged and fetched the feed').toBeDefined();
    expect(got!.at - committed).toBeGreaterThanOrEqual((EDGE_SECONDS + 1) * 1000);
    expect(got!.body).toContain('迟到的通知');
    expect(new Set(pings).size).toBe(pings.length);
  });
});
