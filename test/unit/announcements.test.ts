import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  announcedTopics,
  announcementDelaySeconds,
  isAnnouncementEvent,
  sqsAnnouncementQueue,
} from '../../functions/adapters/announcements';
import { type SqsStub, startSqsStub } from '../deployed/support/sqs-stub';

// The announcement queue's adapter against a stand-in speaking SQS's JSON protocol, and the
// reading of SQS's event for Lambda (the documented example's shape).

let sqs: SqsStub;

beforeAll(async () => {
  sqs = await startSqsStub();
});

afterAll(async () => {
  await sqs?.stop();
});

describe('the announcement queue', () => {
  it('sends the topics with the delay, through SQS SendMessage', async () => {
    const queue = sqsAnnouncementQueue(
      { AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
      sqs.queueUrl,
    );
    await queue.send({ topics: ['https://news.example.com/feed.rss'] }, 11);
    expect(sqs.sent).toEqual([
      {
        target: 'AmazonSQS.SendMessage',
        queueUrl: sqs.queueUrl,
        body: JSON.stringify({ topics: ['https://news.example.com/feed.rss'] }),
        delaySeconds: 11,
      },
    ]);
  });

  it('waits the edge window and a second, at most SQS 900 s, and not at all without a window', () => {
    expect(announcementDelaySeconds(0)).toBe(0);
    expect(announcementDelaySeconds(10)).toBe(11);
    expect(announcementDelaySeconds(600)).toBe(601);
    expect(announcementDelaySeconds(5000)).toBe(900);
  });
});

describe("SQS's event", () => {
  // https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html (example standard queue message event)
  const record = (body: string, messageId: string) => ({
    messageId,
    receiptHandle: 'MessageReceiptHandle',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1523232000000',
      SenderId: '123456789012',
      ApproximateFirstReceiveTimestamp: '1523232000001',
    },
    messageAttributes: {},
    md5OfBody: '7b270e59b47ff90a553787216d55d91d',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:MyQueue',
    awsRegion: 'us-east-1',
  });

  it('is told apart from S3 and scheduler events, and gives each topic of a batch once', () => {
    const event: SQSEvent = {
      Records: [
        record(JSON.stringify({ topics: ['a', 'b'] }), '1'),
        record(JSON.stringify({ topics: ['b', 'c'] }), '2'),
        record('not json', '3'),
        record(JSON.stringify({ other: true }), '4'),
      ],
    };
    expect(isAnnouncementEvent(event)).toBe(true);
    expect(isAnnouncementEvent({ Records: [{ eventSource: 'aws:s3' }] })).toBe(false);
    expect(isAnnouncementEvent({ Records: [] })).toBe(false);
    expect(isAnnouncementEvent({ scheduledPublish: { key: 'posts/a.md' } })).toBe(false);
    const bad: string[] = [];
    expect(announcedTopics(event, (id) => bad.push(id))).toEqual(['a', 'b', 'c']);
    expect(bad).toEqual(['3', '4']);
  });
});
