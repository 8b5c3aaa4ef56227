import { describe, expect, it } from 'vitest';
import { SharedReads } from '../../functions/core/shared-reads';

/** A storage stand-in whose reads finish when the test says, returning the value current when each read began. */
function controlledStorage() {
  let value = 0;
  const pending: Array<() => void> = [];
  let reads = 0;
  return {
    set: (next: number) => (value = next),
    get reads() {
      return reads;
    },
    read: () => {
      reads++;
      const seen = value;
      return new Promise<number>((resolve) => pending.push(() => resolve(seen)));
    },
    finishAll: async () => {
      while (pending.length) {
        pending.shift()!();
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
  };
}

describe('SharedReads', () => {
  it('serves a burst of concurrent callers with two reads: the running one and the one queued after it', async () => {
    const storage = controlledStorage();
    const shared = new SharedReads<number>();
    const first = shared.read('feed', storage.read);
    const burst = Array.from({ length: 31 }, () => shared.read('feed', storage.read));
    await storage.finishAll();
    expect(await first).toBe(0);
    expect(await Promise.all(burst)).toEqual(Array(31).fill(0));
    expect(storage.reads).toBe(2);
  });

  it('never answers a caller from a read that began before the caller arrived', async () => {
    const storage = controlledStorage();
    const shared = new SharedReads<number>();
    const early = shared.read('feed', storage.read); // begins while the value is 0
    storage.set(1); // a change commits while that read runs
    const late = shared.read('feed', storage.read); // arrives after the change
    await storage.finishAll();
    expect(await early).toBe(0);
    expect(await late).toBe(1);
  });

  // The running read sees 0; the value is 1 by the time the second caller arrives.
  it.each([
    {
      how: 'joins the running read when it began within the tolerance',
      waitMs: 0,
      toleranceMs: 60_000,
      seen: 0,
      reads: 1,
    },
    {
      how: 'still queues a fresh read when the running one began longer ago than it accepts',
      waitMs: 5,
      toleranceMs: 1,
      seen: 1,
      reads: 2,
    },
  ])('a caller that accepts a value read up to toleranceMs ago $how', async ({ waitMs, toleranceMs, seen, reads }) => {
    const storage = controlledStorage();
    const shared = new SharedReads<number>();
    const first = shared.read('feed', storage.read);
    if (waitMs) await new Promise((resolve) => setTimeout(resolve, waitMs));
    storage.set(1);
    const second = shared.read('feed', storage.read, toleranceMs);
    await storage.finishAll();
    expect(await first).toBe(0);
    expect(await second).toBe(seen);
    expect(storage.reads).toBe(reads);
  });

  it('keeps keys apart and reads again once nothing is running', async () => {
    const storage = controlledStorage();
    const shared = new SharedReads<number>();
    const a = shared.read('a', storage.read);
    const b = shared.read('b', storage.read);
    await storage.finishAll();
    await Promise.all([a, b]);
    expect(storage.reads).toBe(2);
    const again = shared.read('a', storage.read);
    await storage.finishAll();
    await again;
    expect(storage.reads).toBe(3);
  });

  // Whether the second caller queued behind the failing read (tolerance 0) or joined it (a
  // tolerance it began within), it gets a read of its own.
  it.each([
    ['queued behind it', 0],
    ['that joined it', 60_000],
  ])('passes a failed read to its callers only; a caller %s still gets a read', async (_how, toleranceMs) => {
    const shared = new SharedReads<number>();
    let calls = 0;
    const failing = shared.read('feed', async () => {
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('throttled');
    });
    const second = shared.read(
      'feed',
      async () => {
        calls++;
        return 7;
      },
      toleranceMs,
    );
    await expect(failing).rejects.toThrow('throttled');
    await expect(second).resolves.toBe(7);
    expect(calls).toBe(2);
  });

  it('gives a burst that joined a failing read one read more, shared, while storage keeps failing', async () => {
    const shared = new SharedReads<number>();
    let calls = 0;
    const failing = async () => {
      calls++;
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('throttled');
    };
    const callers = Array.from({ length: 16 }, () => shared.read('feed', failing, 60_000));
    const outcomes = await Promise.allSettled(callers);
    expect(outcomes.every((outcome) => outcome.status === 'rejected')).toBe(true);
    // The joined read, then one begun after it failed, which all of them share.
    expect(calls).toBe(2);
  });
});
