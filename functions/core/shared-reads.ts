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
    const arrivedAt = performance.now();
    if (arrivedAt - running.startedAt < toleranceMs)
      return running.promise.catch(() => this.afterFailure(key, read, arrivedAt));
    const next = running.promise.then(
      () => this.startQueued(key, read),
      () => this.startQueued(key, read),
    );
    this.queued.set(key, next);
    return next;
  }

  /**
   * A caller whose joined read failed gets a read begun after it arrived, as if it had queued:
   * the first such caller starts one, and the others who joined share it (one read more, not one each).
   */
  private afterFailure(key: string, read: () => Promise<T>, arrivedAt: number): Promise<T> {
    const running = this.running.get(key);
    if (running && running.startedAt >= arrivedAt) return running.promise;
    return this.read(key, read);
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
