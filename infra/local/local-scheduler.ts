import type { PublishSchedule, PublishScheduler } from '../../functions/core/schedule';

/** setTimeout's limit (about 24.8 days): a later instant is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * EventBridge Scheduler's part in `npm start`: a timer per scheduled change that, at its instant,
 * hands the ingest handler the event the deployed scheduler would (functions/core/schedule.ts).
 * Timers live as long as the process; at start the stack sets them again from the table
 * (`scheduleFromTable`), and one whose instant passed while the stack was down fires at once.
 */
export class LocalScheduler implements PublishScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly fire: (entry: PublishSchedule) => void) {}

  async schedule(entry: PublishSchedule): Promise<void> {
    const id = idOf(entry);
    clearTimeout(this.timers.get(id));
    if (this.stopped) return;
    const wait = Date.parse(entry.at) - Date.now();
    const timer = setTimeout(
      () => {
        this.timers.delete(id);
        if (wait > MAX_TIMER_MS) void this.schedule(entry);
        else this.fire(entry);
      },
      Math.min(Math.max(wait, 0), MAX_TIMER_MS),
    );
    this.timers.set(id, timer);
  }

  async cancel(entry: Pick<PublishSchedule, 'key' | 'token'>): Promise<void> {
    const id = idOf(entry);
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
  }

  /** Call backs waiting, for the welcome message and tests. */
  get size(): number {
    return this.timers.size;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

function idOf({ key, token }: Pick<PublishSchedule, 'key' | 'token'>): string {
  return `${key}\n${token}`;
}
