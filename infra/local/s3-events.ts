import { appendFile } from 'node:fs/promises';
import type { S3Event, SQSEvent } from 'aws-lambda';
import type { ScheduledPublishEvent } from '../../functions/core/schedule';

type IngestEvent = S3Event | ScheduledPublishEvent | SQSEvent;
type IngestHandler = (event: IngestEvent) => Promise<unknown>;

export interface EventBridgeOptions {
  handler: IngestHandler;
  /** Lambda retries a failed asynchronous invocation twice before the dead-letter queue. */
  retries?: number;
  retryDelayMs?: number;
  /**
   * Events handled at once, as Lambda runs concurrent invocations of one function (ingest is
   * safe under any interleaving of a key's events). 1 handles them one at a time, in order.
   */
  concurrency?: number;
  /** File standing in for the dead-letter queue. */
  deadLetterFile?: string;
  onDeadLetter?: (event: IngestEvent, error: unknown) => void;
}

/**
 * Turns s3rver's object events into what S3 sends Lambda, and invokes the ingest handler
 * with them, a few at a time (`concurrency`), starting them in the order they came. s3rver
 * differs from S3 in two ways that matter: its keys are raw (S3 URL-encodes them, `+` for
 * space) and its sequencer is a millisecond timestamp that repeats within a millisecond and
 * always has one length; both are corrected here, so the handler sees S3's form.
 */
export class S3EventBridge {
  private readonly waiting: IngestEvent[] = [];
  private running = 0;
  private idleWaiters: Array<() => void> = [];
  private lastSequencer = 0n;

  constructor(private readonly options: EventBridgeOptions) {}

  /** Listener for s3rver's `event` emission. */
  readonly accept = (event: S3Event): void => {
    this.waiting.push(this.translate(event));
    this.startNext();
  };

  /** Another source's event (the local scheduler's call backs, the announcement queue's), handled in turn with S3's. */
  readonly invoke = (event: ScheduledPublishEvent | SQSEvent): void => {
    this.waiting.push(event);
    this.startNext();
  };

  /** Resolves once no event is waiting or being handled (every event accepted so far is done). */
  async idle(): Promise<void> {
    if (this.running === 0 && this.waiting.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private startNext(): void {
    const limit = this.options.concurrency ?? 1;
    while (this.running < limit && this.waiting.length > 0) {
      const event = this.waiting.shift()!;
      this.running++;
      void this.deliver(event)
        .catch((error) => this.options.onDeadLetter?.(event, error))
        .finally(() => {
          this.running--;
          this.startNext();
          if (this.running === 0 && this.waiting.length === 0) {
            for (const resolve of this.idleWaiters.splice(0)) resolve();
          }
        });
    }
  }

  private translate(event: S3Event): S3Event {
    return {
      Records: event.Records.map((record) => ({
        ...record,
        s3: {
          ...record.s3,
          object: { ...record.s3.object, key: encodeEventKey(record.s3.object.key), sequencer: this.nextSequencer() },
        },
      })),
    };
  }

  /**
   * S3's sequencers differ in length and order as strings after the shorter is padded with zeros
   * on the right (functions/core/sequencer.ts). These do too: 16 digits from the clock, then
   * none, two or four more, so a comparison that padded on the left would get them wrong.
   */
  private nextSequencer(): string {
    const fromClock = BigInt(Date.now()) << 16n;
    this.lastSequencer = fromClock > this.lastSequencer ? fromClock : this.lastSequencer + 1n;
    const digits = this.lastSequencer.toString(16).toUpperCase().padStart(16, '0');
    return digits + SEQUENCER_TAILS[Number(this.lastSequencer % BigInt(SEQUENCER_TAILS.length))];
  }

  private async deliver(event: IngestEvent): Promise<void> {
    const { retries = 2, retryDelayMs = 200 } = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.handler(event);
        return;
      } catch (error) {
        if (attempt >= retries) {
          if (this.options.deadLetterFile) {
            await appendFile(this.options.deadLetterFile, `${JSON.stringify({ event, error: String(error) })}\n`);
          }
          this.options.onDeadLetter?.(event, error);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * (attempt + 1)));
      }
    }
  }
}

const SEQUENCER_TAILS = ['', '00', '5A', '', 'C3F0'];

/** Encodes an object key as S3 event notifications do: URL-encoded, `+` for space, `/` kept. */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}
