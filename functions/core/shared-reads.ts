/**
 * Lets concurrent callers share storage reads without ever answering from a read that began
 * before they asked: a caller joins the read queued to start when the running one ends, so
 * every answer comes from a read started after the caller arrived (as fresh as reading alone),
 * and a burst of N callers costs two reads instead of N. A caller that accepts a value read up
 * to `toleranceMs` ago joins a running read that began within that time instead: one read.
 */
export class SharedReads<T> {
  private readonly running = new Map<string, { promise: Promise<T>; startedAt: number }>();
  private readonly queued = new Map<string, Promise<T>>();

  read(key: string, read: () => Promise<T>, toleranceMs = 0): Promise<T> {
    const queued = this.queued.get(key);
    if (queued) return queued;
    const running = this.running.get(key);
    if (!running) return this.start(key, read);
    // If that read fails, the caller still gets a read begun after it arrived, as it would have
    // queued: tolerance 0, so that those who joined share it rather than each joining the last.
    if (performance.now() - running.startedAt < toleranceMs) return running.promise.catch(() => this.read(key, read, 0));
    const next = running.promise.then(
      () => this.startQueued(key, read),
      () => this.startQueued(key, read),
    );
    this.queued.set(key, next);
    return next;
  }

  private startQueued(key: string, read: () => Promise<T>): Promise<T> {
    this.queued.delete(key);
    return this.start(key, read);
  }

  private start(key: string, read: () => Promise<T>): Promise<T> {
    const startedAt = performance.now();
    const started: Promise<T> = read().finally(() => {
      if (this.running.get(key)?.promise === started) this.running.delete(key);
    });
    this.running.set(key, { promise: started, startedAt });
    return started;
  }
}
