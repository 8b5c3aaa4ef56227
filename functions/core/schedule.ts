/**
 * Scheduled posts. A post dated in the future is accepted and checked, but publishes nothing
 * until its date: its key's state is `scheduled` (no rows, so it is on no page, feed, share link
 * or count), and ingest asks a scheduler to call back at that instant with the key and the write
 * token of the change that scheduled it. The call back publishes the key exactly as reindex
 * would (functions/core/ingest.ts `publishDue`) if that change is still the key's newest; a
 * schedule left by a version that was moved, withdrawn or deleted since does nothing.
 * Deployed, the scheduler is EventBridge Scheduler (functions/adapters/scheduler.ts); locally, a
 * timer in `npm start` (infra/local/local-scheduler.ts).
 */

/** A call back at `at` (RFC 3339) for the change of `key` with write token `token`. */
export interface PublishSchedule {
  key: string;
  at: string;
  token: string;
}

/**
 * One call back per change (key and token), never one per key: two changes of a key racing
 * could otherwise leave the loser's call back in place of the winner's, and the winner's post
 * would never go live. A call back whose change was overtaken fires and does nothing.
 */
export interface PublishScheduler {
  /** Sets the change's call back. Idempotent. */
  schedule(entry: PublishSchedule): Promise<void>;
  /** Removes the change's call back, if any: its post was moved, withdrawn or deleted since. */
  cancel(entry: Pick<PublishSchedule, 'key' | 'token'>): Promise<void>;
}

/** The event the scheduler delivers to the ingest function: the schedule's own fields. */
export interface ScheduledPublishEvent {
  scheduledPublish: PublishSchedule;
}

export function isScheduledPublishEvent(event: unknown): event is ScheduledPublishEvent {
  const entry = (event as Partial<ScheduledPublishEvent> | null)?.scheduledPublish;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.key === 'string' &&
    typeof entry.token === 'string' &&
    typeof entry.at === 'string' &&
    !Number.isNaN(Date.parse(entry.at))
  );
}
