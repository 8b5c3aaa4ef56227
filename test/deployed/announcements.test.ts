import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { IngestOutcome } from '../../functions/core/ingest';
import { startHub } from '../support/websub-hub';
import { deliver, describeInvocation, startTwin, type Twin, VersionedKey } from './support/twin';

// WebSub announcements as deployed: the ingest bundle, with a hub configured (as `-c websubHub=…`
// would), queues the topics a publish changed on SQS (a stand-in speaking its JSON protocol:
// ./support/sqs-stub.ts) with DelaySeconds = the edge window + 1 s, and pings nobody yet;
// invoked with the event SQS delivers (the shape of AWS's documented example,
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html), it pings the hub for each topic once.

const SITE = 'https://news.example.com';
let twin: Twin;
let hub: Awaited<ReturnType<typeof startHub>>['hub'];
const pings: string[] = [];

beforeAll(async () => {
  let hubUrl: string;
  ({ hub, hubUrl } = await startHub(pings));
  twin = await startTwin({ settings: { [ENV.websubHub]: hubUrl, [ENV.siteUrl]: SITE } });
}, 300_000);

afterAll(async () => {
  await twin?.stop();
  if (hub?.listening) hub.close();
});

function sqsEvent(bodies: string[]): SQSEvent {
  return {
    Records: bodies.map((body, index) => ({
      messageId: `059f36b4-87a3-44ab-83d2-66197522962${index}`,
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...',
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1545082649183',
        SenderId: 'AIDAIENQZJOLO23YVJ4VO',
        ApproximateFirstReceiveTimestamp: '1545082649185',
      },
      messageAttributes: {},
      md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:PublishingStack-AnnouncementQueue',
      awsRegion: 'us-east-1',
    })),
  };
}

describe('WebSub announcements through the queue', () => {
  it('queues the changed topics with the edge delay, then pings the hub when SQS delivers them', async () => {
    const key = new VersionedKey('posts/2023-09-01-queued.md');
    const invocation = await deliver(
      twin,
      key.key,
      key.put('---\ntitle: 排队通知\ndate: 2023-09-01 08:00 +0800\ncategories: queued\n---\n正文。\n'),
    );
    expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
    expect((invocation as { result: IngestOutcome[] }).result.map((outcome) => outcome.result)).toEqual(['published']);
    expect(pings).toEqual([]);

    const sent = twin.sqs.sent.filter((message) => message.target === 'AmazonSQS.SendMessage');
    expect(sent).toHaveLength(1);
    // The stack leaves EDGE_MAX_AGE_SECONDS at its default, 10 s.
    expect(sent[0].delaySeconds).toBe(11);
    const { topics } = JSON.parse(sent[0].body) as { topics: string[] };
    expect(topics).toContain(`${SITE}/category/queued.rss`);
    expect(topics).toContain(`${SITE}/news-sitemap.xml`);

    // SQS delivers the message (twice in one batch: at-least-once); each topic is pinged once.
    const delivered = await twin.ingest.invoke(sqsEvent([sent[0].body, sent[0].body]));
    expect(delivered.outcome, describeInvocation(delivered)).toBe('result');
    expect([...pings].sort()).toEqual([...topics].sort());
  });
});
