import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import type { AnnouncementMessage, AnnouncementQueue } from '../../functions/adapters/announcements';

/**
 * The announcement queue's part in `npm start`: SQS with `DelaySeconds`, as a timer that hands
 * the ingest handler, after the delay, the event SQS would deliver (one record per message,
 * https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html). Messages live as long as the
 * process: a restart drops the pings still waiting, as a failed ping is dropped (subscribers poll).
 */
export class LocalAnnouncementQueue implements AnnouncementQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deliver: (event: SQSEvent) => void) {}

  async send(message: AnnouncementMessage, delaySeconds: number): Promise<void> {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.deliver(sqsEvent(message));
    }, delaySeconds * 1000);
    this.timers.add(timer);
  }

  /** Messages waiting, for tests. */
  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

function sqsEvent(message: AnnouncementMessage): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'local',
        body: JSON.stringify(message),
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: now,
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: now,
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:local-announcements',
        awsRegion: 'us-east-1',
      },
    ],
  };
}
