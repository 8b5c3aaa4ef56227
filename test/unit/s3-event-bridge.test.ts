import type { S3Event } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { eventPart, isNewerEvent } from '../../functions/core/sequencer';
import { S3EventBridge } from '../../infra/local/s3-events';

// The local stand-in for S3 → Lambda: events handled a few at a time, in arrival order, with
// Lambda's retries and a dead-letter file; `idle` waits for all of them.

function s3rverEvent(key: string): S3Event {
  return {
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        eventTime: new Date(0).toISOString(),
        s3: { bucket: { name: 'content' }, object: { key, sequencer: '1', size: 1 } },
      },
    ],
  } as unknown as S3Event;
}

// The bridge carries the scheduler's events too; these tests give it S3's.
const keyOf = (event: unknown) => (event as S3Event).Records[0].s3.object.key;

describe('S3EventBridge', () => {
  it('handles at most `concurrency` events at once, starting them in arrival order, and idle waits for all', async () => {
    const started: string[] = [];
    const release = new Map<string, () => void>();
    let running = 0;
    let mostRunning = 0;
    const bridge = new S3EventBridge({
      concurrency: 3,
      handler: async (event) => {
        started.push(keyOf(event));
        running++;
        mostRunning = Math.max(mostRunning, running);
        await new Promise<void>((resolve) => release.set(keyOf(event), resolve));
        running--;
      },
    });
    const keys = Array.from({ length: 7 }, (_, i) => `posts/${i}.md`);
    for (const key of keys) bridge.accept(s3rverEvent(key));
    let idle = false;
    const idled = bridge.idle().then(() => (idle = true));

    await expect.poll(() => started.length).toBe(3);
    expect(started).toEqual(keys.slice(0, 3));
    // Finishing one lets exactly one more in.
    release.get('posts/1.md')!();
    await expect.poll(() => started.length).toBe(4);
    expect(started[3]).toBe('posts/3.md');
    for (let round = 0; round < 10 && release.size; round++) {
      for (const [key, resolve] of [...release]) {
        release.delete(key);
        resolve();
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await idled;
    expect(idle).toBe(true);
    expect(started).toEqual(keys);
    expect(mostRunning).toBe(3);
  });

  it('gives each event a later sequencer than the one before, and the key as S3 encodes it', async () => {
    const seen: S3Event[] = [];
    const bridge = new S3EventBridge({ concurrency: 4, handler: async (event) => void seen.push(event as S3Event) });
    for (const key of ['posts/a b.md', 'posts/新.md', 'posts/c+d.md']) bridge.accept(s3rverEvent(key));
    await bridge.idle();
    const byKey = new Map(seen.map((event) => [keyOf(event), event.Records[0].s3.object.sequencer]));
    const sequencers = ['posts/a+b.md', 'posts/%E6%96%B0.md', 'posts/c%2Bd.md'].map((key) => byKey.get(key)!);
    expect(sequencers.every(Boolean)).toBe(true);
    expect(isNewerEvent(sequencers[1], eventPart(sequencers[0]))).toBe(true);
    expect(isNewerEvent(sequencers[2], eventPart(sequencers[1]))).toBe(true);
  });

  it('writes sequencers of varying length, ordered as S3 orders them (right-padded), as S3 does', async () => {
    const seen: string[] = [];
    const bridge = new S3EventBridge({
      concurrency: 1,
      handler: async (event) => void seen.push((event as S3Event).Records[0].s3.object.sequencer),
    });
    for (let i = 0; i < 40; i++) bridge.accept(s3rverEvent(`posts/${i}.md`));
    await bridge.idle();
    expect(new Set(seen.map((sequencer) => sequencer.length)).size).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++)
      expect(isNewerEvent(seen[i], eventPart(seen[i - 1])), `${seen[i - 1]} → ${seen[i]}`).toBe(true);
    // Left-padding, as an earlier version compared them, would put some of them out of order.
    const leftPadded = seen.map((sequencer) => sequencer.padStart(32, '0'));
    expect(leftPadded.some((padded, i) => i > 0 && padded < leftPadded[i - 1])).toBe(true);
  });

  it('retries a failing event as Lambda does, then hands it to the dead-letter queue; idle still resolves', async () => {
    const attempts = new Map<string, number>();
    const deadLetters: string[] = [];
    const bridge = new S3EventBridge({
      concurrency: 2,
      retries: 2,
      retryDelayMs: 1,
      handler: async (event) => {
        const key = keyOf(event);
        attempts.set(key, (attempts.get(key) ?? 0) + 1);
        if (key === 'posts/broken.md' || attempts.get(key)! < 2) throw new Error(`storage unavailable for ${key}`);
      },
      onDeadLetter: (event, error) => deadLetters.push(`${keyOf(event)}: ${String(error)}`),
    });
    bridge.accept(s3rverEvent('posts/flaky.md'));
    bridge.accept(s3rverEvent('posts/broken.md'));
    await bridge.idle();
    expect(attempts.get('posts/flaky.md')).toBe(2);
    expect(attempts.get('posts/broken.md')).toBe(3);
    expect(deadLetters).toEqual(['posts/broken.md: Error: storage unavailable for posts/broken.md']);
  });

  it('idle resolves at once when nothing was accepted', async () => {
    await new S3EventBridge({ handler: async () => {} }).idle();
  });
});
