import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { commonConfig, emulatorConfig } from './clients';

/**
 * WebSub announcements, held back until the CDN can no longer serve the old bytes: a hub fetches
 * a topic right after the ping, through the edge, which may keep what it fetched before the
 * publish for the edge window (`EDGE_MAX_AGE_SECONDS`, the `s-maxage` the origin sends). So
 * ingest sends the batch's topics to a queue with a delay of that window plus a second (for the
 * answer in flight when the publish committed), and the function pings the hub when the queue
 * delivers them. Deployed, the queue is SQS (`DelaySeconds`, at most 900); in `npm start`, a
 * timer that hands the handler the same SQS event.
 */
export interface AnnouncementQueue {
  send(message: AnnouncementMessage, delaySeconds: number): Promise<void>;
}

export interface AnnouncementMessage {
  topics: string[];
}

/** SQS's longest delay: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html */
export const MAX_DELAY_SECONDS = 900;

/** How long after a publish its announcement goes out: the edge window and a second, or at once without one. */
export function announcementDelaySeconds(edgeMaxAgeSeconds: number): number {
  return edgeMaxAgeSeconds > 0 ? Math.min(edgeMaxAgeSeconds + 1, MAX_DELAY_SECONDS) : 0;
}

/** The queue ANNOUNCE_QUEUE_URL names (the stack's), with the client built as every client is. */
export function sqsAnnouncementQueue(env: Record<string, string | undefined>, queueUrl: string): AnnouncementQueue {
  const client = new SQSClient({ ...commonConfig(), ...emulatorConfig(env.AWS_ENDPOINT_URL_SQS, env, 'local') });
  return {
    async send(message, delaySeconds) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify(message),
          DelaySeconds: Math.min(Math.max(Math.round(delaySeconds), 0), MAX_DELAY_SECONDS),
        }),
      );
    },
  };
}

/**
 * Whether an invocation is the queue delivering announcements: SQS's event for Lambda, whose
 * records say `eventSource: "aws:sqs"`
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#example-standard-queue-message-event).
 */
export function isAnnouncementEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: Array<{ eventSource?: string }> })?.Records;
  return Array.isArray(records) && records.length > 0 && records.every((record) => record.eventSource === 'aws:sqs');
}

/** The topics of a delivered batch, each once; a record that is not an announcement is skipped (and said). */
export function announcedTopics(event: SQSEvent, onBadRecord: (messageId: string) => void): string[] {
  const topics = new Set<string>();
  for (const record of event.Records) {
    try {
      const message = JSON.parse(record.body) as Partial<AnnouncementMessage>;
      if (!Array.isArray(message.topics)) throw new Error('no topics');
      for (const topic of message.topics) if (typeof topic === 'string') topics.add(topic);
    } catch {
      onBadRecord(record.messageId);
    }
  }
  return [...topics];
}
