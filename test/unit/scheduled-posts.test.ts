import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type IngestDeps,
  ingestChange,
  type ObjectChange,
  publishDue,
  reconcileKey,
  type StoredObject,
} from '../../functions/core/ingest';
import { reindex } from '../../functions/core/reindex';
import type { PublishSchedule, PublishScheduler } from '../../functions/core/schedule';
import { SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { MemoryPostStore, type Row } from '../support/memory-store';
import { s3Sequencer } from '../support/sequencers';

// Posts dated in the future: held back (public nowhere) until their date, then published by the
// scheduler's call back, whatever order S3's events for the key arrive in.

const KEY = 'posts/2022-05-01-alpha.md';
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);
const MINUTE = 60_000;
const encoder = new TextEncoder();

/** A post dated `minutes` from T0 (negative: before T0). */
function postText(title: string, minutes: number, extra = ''): string {
  const date = new Date(T0 + minutes * MINUTE).toISOString();
  return `---\ntitle: ${title}\ndate: ${date}\ncategories: news\n${extra}---\nBody of ${title}.\n`;
}

/** The scheduler's call backs, kept as EventBridge Scheduler keeps one-time schedules: one per change. */
class FakeScheduler implements PublishScheduler {
  readonly pending = new Map<string, PublishSchedule>();
  readonly calls: string[] = [];
  async schedule(entry: PublishSchedule): Promise<void> {
    this.calls.push(`schedule ${entry.at} ${entry.token}`);
    this.pending.set(`${entry.key}\n${entry.token}`, entry);
  }
  async cancel({ key, token }: Pick<PublishSchedule, 'key' | 'token'>): Promise<void> {
    this.calls.push(`cancel ${token}`);
    this.pending.delete(`${key}\n${token}`);
  }
  /** Takes out the call backs whose instant has come, as the scheduler fires them. */
  due(now: number): PublishSchedule[] {
    const due = [...this.pending.values()].filter((entry) => Date.parse(entry.at) <= now);
    for (const entry of due) this.pending.delete(`${entry.key}\n${entry.token}`);
    return due;
  }
}

class World {
  now = T0;
  readonly store = new MemoryPostStore();
  readonly scheduler = new FakeScheduler();
  private readonly versions = new Map<string, StoredObject>();
  private latest: string | undefined;
  private events = 0;

  readonly deps: IngestDeps = {
    store: this.store,
    scheduler: this.scheduler,
    now: () => this.now,
    readObject: async (key, versionId) => {
      if (key === SITE_CONFIG_KEY) return undefined;
      const id = versionId ?? this.latest;
      return id === undefined ? undefined : this.versions.get(id);
    },
  };

  /** Uploads a version; answers its event (delivered when the test says). */
  put(text: string): ObjectChange {
    const n = ++this.events;
    this.versions.set(`v${n}`, { bytes: encoder.encode(text), etag: `etag-${n}` });
    this.latest = `v${n}`;
    return this.event(n, 'created', `v${n}`);
  }

  remove(): ObjectChange {
    this.latest = undefined;
    return this.event(++this.events, 'removed');
  }

  private event(n: number, kind: ObjectChange['kind'], versionId?: string): ObjectChange {
    return {
      key: KEY,
      kind,
      sequencer: s3Sequencer(n),
      eventTime: new Date(this.now).toISOString(),
      ...(versionId ? { versionId } : {}),
    };
  }

  deliver(change: ObjectChange) {
    return ingestChange(change, this.deps);
  }

  /** Moves the clock on and runs every call back that came due, as the scheduler would. */
  async advance(minutes: number) {
    this.now += minutes * MINUTE;
    const outcomes = [];
    for (const entry of this.scheduler.due(this.now)) outcomes.push(await publishDue(entry, this.deps));
    return outcomes;
  }

  /** Everything a reader could reach: live post items, feed entries, live share links and page claims, counts. */
  public(): Row[] {
    return this.store
      .dump()
      .filter(
        (row) =>
          (row.pk.startsWith('POST#') && !row.gone) ||
          (row.pk.startsWith('FEED#') && row.sk !== '~META') ||
          (row.pk.startsWith('SHARE#') && !row.gone) ||
          (row.pk.startsWith('PATH#') && !row.gone) ||
          (row.pk.startsWith('NAMES#') && Number(row.count) > 0),
      );
  }

  state() {
    return this.store.getSourceState(KEY);
  }
}

describe('a post dated in the future', () => {
  it('is accepted and checked, public nowhere, with its call back set for its date', async () => {
    const world = new World();
    const change = world.put(postText('Embargoed', 30));
    const outcome = await world.deliver(change);
    expect(outcome).toMatchObject({ result: 'scheduled', publishAt: '2030-01-01T00:30:00Z' });
    expect(world.public()).toEqual([]);
    expect(await world.state()).toMatchObject({ status: 'scheduled', publishAt: '2030-01-01T00:30:00Z' });
    expect([...world.scheduler.pending.values()]).toEqual([
      { key: KEY, at: '2030-01-01T00:30:00Z', token: (await world.state())!.sequencer },
    ]);
  });

  it('goes live at its date through the call back, as a publish: post, page, share link, feeds', async () => {
    const world = new World();
    await world.deliver(world.put(postText('Embargoed', 30)));
    expect(await world.advance(29)).toEqual([]);
    expect(world.public()).toEqual([]);
    const [live] = await world.advance(1);
    expect(live).toMatchObject({ result: 'published', path: '/news/2030/01/01/alpha.html' });
    expect(live.feeds.length).toBeGreaterThan(0);
    const post = (await world.store.findPostByPath('/news/2030/01/01/alpha.html'))!;
    expect(post.title).toBe('Embargoed');
    // First published at its own date: not "updated" at the moment it went live.
    expect(post.updated).toBe('2030-01-01T00:30:00.000Z');
    expect((await world.store.getShareLink(post.shortCode))?.path).toBe(post.path);
    expect((await world.store.readFeed({ kind: 'category', name: 'news' }, 10)).entries.map((e) => e.id)).toEqual([
      post.id,
    ]);
  });

  it('does nothing when a call back fires early or for a version that is no longer the newest', async () => {
    const world = new World();
    await world.deliver(world.put(postText('First date', 30)));
    const first = (await world.state())!;
    expect(await publishDue({ key: KEY, at: first.publishAt!, token: first.sequencer }, world.deps)).toMatchObject({
      result: 'skipped',
      reason: 'not due until 2030-01-01T00:30:00Z',
    });
    // Moved later: the first date's call back is withdrawn, and would do nothing anyway.
    await world.deliver(world.put(postText('Moved later', 60)));
    expect(world.scheduler.calls.at(-1)).toBe(`cancel ${first.sequencer}`);
    world.now = T0 + 30 * MINUTE;
    expect(await publishDue({ key: KEY, at: first.publishAt!, token: first.sequencer }, world.deps)).toMatchObject({
      result: 'skipped',
      reason: 'scheduled by a version of the post that is no longer the newest',
    });
    expect(world.public()).toEqual([]);
    expect((await world.advance(30)).map((outcome) => outcome.result)).toEqual(['published']);
  });

  it('a date moved into the past publishes at once; a delete or unpublish while scheduled leaves nothing', async () => {
    const world = new World();
    await world.deliver(world.put(postText('Soon', 30)));
    expect(await world.deliver(world.put(postText('Now', -5)))).toMatchObject({ result: 'published' });
    expect(world.scheduler.pending.size).toBe(0);

    await world.deliver(world.put(postText('Later again', 30)));
    // Published, then moved into the future: taken down until its new date.
    expect(world.public().filter((row) => row.pk.startsWith('POST#'))).toEqual([]);
    expect(await world.deliver(world.remove())).toMatchObject({ result: 'deleted' });
    expect(world.scheduler.pending.size).toBe(0);
    expect(await world.advance(60)).toEqual([]);
    expect(world.public()).toEqual([]);

    await world.deliver(world.put(postText('Draft', 90, 'published: false\n')));
    expect(await world.state()).toMatchObject({ status: 'unpublished' });
    expect(world.scheduler.pending.size).toBe(0);
  });

  it('converges with events delivered late, twice and out of order: the newest version decides', async () => {
    const world = new World();
    const a = world.put(postText('A', 30));
    const b = world.put(postText('B', 10));
    const c = world.put(postText('C', 20));
    await world.deliver(a);
    await world.deliver(c);
    await world.deliver(c);
    await world.deliver(b);
    await world.deliver(a);
    expect(await world.state()).toMatchObject({ status: 'scheduled', publishAt: '2030-01-01T00:20:00Z' });
    // A's call back was withdrawn when C replaced it; B, older than C, was never applied.
    expect([...world.scheduler.pending.values()].map((entry) => entry.at)).toEqual(['2030-01-01T00:20:00Z']);
    expect(await world.advance(10)).toEqual([]);
    expect(world.public()).toEqual([]);
    expect(await world.advance(10)).toMatchObject([{ result: 'published' }]);
    expect((await world.store.findPostByPath('/news/2030/01/01/alpha.html'))?.title).toBe('C');
    expect(await world.advance(10)).toEqual([]);
  });

  it('is published by reindex once its date has passed, when its call back was lost', async () => {
    const world = new World();
    await world.deliver(world.put(postText('Lost call back', 5)));
    world.scheduler.pending.clear();
    const run = () =>
      reindex({
        store: world.store,
        listObjects: async function* () {
          yield { key: KEY, etag: 'etag-1' };
        },
        readObject: world.deps.readObject,
        settings: { maxPostBytes: 1024 * 1024, iframeHosts: [], legacyHosts: [] },
        scheduler: world.scheduler,
        now: () => world.now,
      });
    // Not yet due: left as it is. Due: published, as the call back would have.
    expect(await run()).toMatchObject({ unchanged: 1, published: 0 });
    expect(world.public()).toEqual([]);
    world.now += 10 * MINUTE;
    expect(await run()).toMatchObject({ unchanged: 0, published: 1 });
    expect((await world.store.findPostByPath('/news/2030/01/01/alpha.html'))?.title).toBe('Lost call back');
    // One key alone, as a call back that arrives after reindex finds it published already.
    expect(await reconcileKey(KEY, world.deps)).toMatchObject({ result: 'unchanged', status: 'published' });
  });
});

describe('random histories of scheduled, moved, published and deleted versions', () => {
  const opArbitrary = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({ action: fc.constant('put' as const), minutes: fc.constantFrom(-10, 5, 15, 25) }),
    },
    { weight: 1, arbitrary: fc.record({ action: fc.constant('delete' as const) }) },
    { weight: 1, arbitrary: fc.record({ action: fc.constant('draft' as const), minutes: fc.constantFrom(-10, 15) }) },
    {
      weight: 3,
      arbitrary: fc.record({ action: fc.constant('tick' as const), minutes: fc.integer({ min: 1, max: 12 }) }),
    },
  );

  it('never shows a post before its date, nor leaves one hidden after it, whatever the delivery order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArbitrary, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(3), { minLength: 12, maxLength: 12 }),
        async (ops, delays) => {
          const world = new World();
          const pending: Array<{ at: number; change: ObjectChange }> = [];
          let step = 0;
          const deliverDue = async () => {
            for (const item of pending.filter((entry) => entry.at <= step)) {
              pending.splice(pending.indexOf(item), 1);
              await world.deliver(item.change);
            }
          };
          const check = async () => {
            // Public before its date: no live post row carries a date still to come.
            for (const row of world.public().filter((r) => r.pk.startsWith('POST#') || r.pk.startsWith('FEED#'))) {
              expect(Date.parse(String(row.date)), `${row.pk} public before its date`).toBeLessThanOrEqual(world.now);
            }
            // Hidden after it: once due call backs ran, no state is still waiting for a date that passed.
            const state = await world.state();
            if (state?.status === 'scheduled') expect(Date.parse(state.publishAt!)).toBeGreaterThan(world.now);
          };
          for (const [index, op] of ops.entries()) {
            step = index;
            if (op.action === 'tick') await world.advance(op.minutes);
            else {
              const change =
                op.action === 'delete'
                  ? world.remove()
                  : world.put(postText(`V${index}`, op.minutes, op.action === 'draft' ? 'published: false\n' : ''));
              pending.push({ at: index + delays[index], change });
              // Each event delivered twice: S3 delivers at least once.
              pending.push({ at: index + delays[(index + 5) % delays.length], change });
            }
            await deliverDue();
            await world.advance(0);
            await check();
          }
          step = Number.POSITIVE_INFINITY;
          await deliverDue();
          await world.advance(0);
          await check();
          // Then every date passes: the newest version is exactly what is public.
          await world.advance(60);
          await check();
          const last = [...ops].reverse().find((op) => op.action !== 'tick');
          const posts = world.public().filter((row) => row.pk.startsWith('POST#'));
          expect(posts.length, JSON.stringify(ops)).toBe(last?.action === 'put' ? 1 : 0);
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });
});
