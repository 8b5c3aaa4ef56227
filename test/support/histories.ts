/**
 * Random S3 histories for the ingest property tests: uploads, re-uploads and deletes of a
 * few keys, each event delivered one to three times, late and out of order, sometimes
 * several at once; and the check that the store ends as the newest event per key says.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import {
  type IngestOutcome,
  ingestChange,
  type ObjectChange,
  type ReconcileOutcome,
  reconcileKey,
  type StoredObject,
} from '../../functions/core/ingest';
import { parsePost } from '../../functions/core/parse-post';
import { feedsOf, type Post } from '../../functions/core/post';
import { feedCursor, type PostStore } from '../../functions/core/store';
import { feedKey } from '../../functions/core/urls';
import type { Row } from './memory-store';
import { s3Sequencer } from './sequencers';

export const HISTORY_KEYS = ['posts/2022-05-01-alpha.md', 'posts/b b+c.md', 'posts/成都/2022-05-03-新闻.html'] as const;

export interface PostVersion {
  title: string;
  categories: string[];
  tags: string[];
  date: string;
  published: boolean;
  /** false: the upload is refused (no title). */
  valid: boolean;
  /** The post takes its id from an infoCode (and holds that legacy share link). */
  infoCode: boolean;
}

export type HistoryOp = { key: number; action: 'put'; version: PostVersion } | { key: number; action: 'delete' };

export interface History {
  ops: HistoryOp[];
  /** Per event: how often it is delivered, and how many steps after its upload each delivery comes. */
  deliveries: Array<{ delays: number[] }>;
  /** Versioned bucket: an event reads the version it names; otherwise the object as it is at delivery. */
  versioned: boolean;
}

const versionArbitrary: fc.Arbitrary<PostVersion> = fc.record({
  title: fc.constantFrom('Alpha', 'Beta', 'Gamma & <Delta>'),
  categories: fc.subarray(['news', '成都', 'sport']),
  tags: fc.subarray(['t1', '标签']),
  date: fc.constantFrom('2022-05-01 10:00:00 +0800', '2022-05-02', '2022-04-30T23:00:00Z'),
  published: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  valid: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  infoCode: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
});

const opArbitrary: fc.Arbitrary<HistoryOp> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      key: fc.nat(HISTORY_KEYS.length - 1),
      action: fc.constant('put' as const),
      version: versionArbitrary,
    }),
  },
  { weight: 1, arbitrary: fc.record({ key: fc.nat(HISTORY_KEYS.length - 1), action: fc.constant('delete' as const) }) },
);

export function historyArbitrary(maxOps = 10): fc.Arbitrary<History> {
  return fc.record({
    ops: fc.array(opArbitrary, { minLength: 1, maxLength: maxOps }),
    deliveries: fc.array(
      fc.record({
        delays: fc.array(fc.nat(4), { minLength: 1, maxLength: 3 }),
      }),
      { minLength: maxOps, maxLength: maxOps },
    ),
    versioned: fc.boolean(),
  });
}

export function renderVersion(version: PostVersion, keyIndex: number): string {
  return [
    '---',
    ...(version.valid ? [`title: ${JSON.stringify(version.title)}`] : []),
    `date: ${version.date}`,
    `categories: [${version.categories.join(', ')}]`,
    `tags: [${version.tags.join(', ')}]`,
    ...(version.published ? [] : ['published: false']),
    ...(version.infoCode ? [`infoCode: NW${keyIndex}0001`] : []),
    '---',
    `Body of ${version.title}: [a link](more.html) and <img src="img.png">`,
    '',
  ].join('\n');
}

export type { IngestOutcome };

export interface HistoryRun {
  /** Every delivery's (and reindex step's) outcome, in completion order. */
  outcomes: ReconcileOutcome[];
  /** Reads the latest object, as reindex does. */
  readObject: (key: string) => Promise<StoredObject | undefined>;
  /** The bucket's listing at the end. */
  objects: () => Array<{ key: string; etag: string }>;
}

export interface RunOptions {
  /** Runs one batch of concurrent deliveries; default: one after another. */
  runBatch?: (deliveries: Array<() => Promise<void>>) => Promise<void>;
  /** Deliveries that throw are retried (as Lambda does) this many times. */
  retries?: number;
  /** Steps at which reindex reconciles every key, alongside that step's deliveries. */
  reindexAt?: number[];
  /** A delivery whose attempts all fail is lost (the process died, the event never came back) instead of failing the run. */
  loseFailed?: boolean;
}

/** Plays a history: bucket operations in order, each event's deliveries at their delays. */
export async function runHistory(history: History, store: PostStore, options: RunOptions = {}): Promise<HistoryRun> {
  const encoder = new TextEncoder();
  const versions = new Map<string, StoredObject>();
  const current = new Map<string, string>();
  const readObject = async (key: string, versionId?: string): Promise<StoredObject | undefined> => {
    const id = versionId ?? current.get(key);
    return id === undefined ? undefined : versions.get(id);
  };
  const events: ObjectChange[] = history.ops.map((op, index) => ({
    key: HISTORY_KEYS[op.key],
    kind: op.action === 'put' ? 'created' : 'removed',
    sequencer: s3Sequencer(index + 1),
    eventTime: new Date(Date.UTC(2024, 0, 1, 0, 0, index)).toISOString(),
    ...(history.versioned && op.action === 'put' ? { versionId: `v${index}` } : {}),
  }));
  const slots = new Map<number, ObjectChange[]>();
  events.forEach((event, index) => {
    for (const delay of history.deliveries[index].delays) {
      const at = index + delay;
      slots.set(at, [...(slots.get(at) ?? []), event]);
    }
  });
  const outcomes: ReconcileOutcome[] = [];
  const withRetries = async (apply: () => Promise<ReconcileOutcome>) => {
    for (let attempt = 0; ; attempt++) {
      try {
        outcomes.push(await apply());
        return;
      } catch (error) {
        if (attempt >= (options.retries ?? 0)) {
          if (options.loseFailed) return;
          throw error;
        }
      }
    }
  };
  const deliver = (change: ObjectChange) => withRetries(() => ingestChange(change, { store, readObject }));
  const reindex = (key: string) =>
    withRetries(() => reconcileKey(key, { store, readObject: (latest) => readObject(latest) }));
  const runBatch =
    options.runBatch ??
    (async (batch) => {
      for (const delivery of batch) await delivery();
    });
  const lastTime = Math.max(...slots.keys(), history.ops.length - 1);
  for (let time = 0; time <= lastTime; time++) {
    const op = history.ops[time];
    if (op) {
      const key = HISTORY_KEYS[op.key];
      if (op.action === 'put') {
        const bytes = encoder.encode(renderVersion(op.version, op.key));
        versions.set(`v${time}`, { bytes, etag: `etag-${time}` });
        current.set(key, `v${time}`);
      } else {
        current.delete(key);
      }
    }
    const batch = (slots.get(time) ?? []).map((change) => () => deliver(change));
    if (options.reindexAt?.includes(time)) batch.push(...HISTORY_KEYS.map((key) => () => reindex(key)));
    if (batch.length > 0) await runBatch(batch);
  }
  return {
    outcomes,
    readObject: (key) => readObject(key),
    objects: () => [...current.keys()].map((key) => ({ key, etag: versions.get(current.get(key)!)!.etag! })),
  };
}

type Expected =
  | { status: 'deleted' | 'unpublished' }
  | { status: 'published'; post: Post }
  /**
   * A refused upload keeps the rows of the newest upload or delete before it (`kept`) – when
   * each event reads its own version. Reading the latest object instead, an older event may
   * have read the refused bytes too: any earlier good version, or none, may be kept.
   */
  | { status: 'failed'; error: string; kept?: Post; earlier: Post[] };

/** What the newest event of each key says the store must hold. */
export function expectedByKey(history: History): Map<string, Expected> {
  const expected = new Map<string, Expected>();
  const rows = new Map<string, Post | undefined>();
  const published = new Map<string, Post[]>();
  for (const op of history.ops) {
    const key = HISTORY_KEYS[op.key];
    if (op.action === 'delete') {
      expected.set(key, { status: 'deleted' });
      rows.set(key, undefined);
      continue;
    }
    try {
      const parsed = parsePost(key, renderVersion(op.version, op.key), { now: '' });
      if (parsed.published) {
        expected.set(key, { status: 'published', post: parsed.post });
        rows.set(key, parsed.post);
        published.set(key, [...(published.get(key) ?? []), parsed.post]);
      } else {
        expected.set(key, { status: 'unpublished' });
        rows.set(key, undefined);
      }
    } catch (error) {
      if (!(error instanceof PostRejected)) throw error;
      const kept = rows.get(key);
      expected.set(key, {
        status: 'failed',
        error: error.describe(),
        ...(kept ? { kept } : {}),
        earlier: published.get(key) ?? [],
      });
    }
  }
  return expected;
}

const SAME_CONTENT = ['id', 'title', 'date', 'categories', 'tags', 'path', 'sourceKey'] as const;

function content(post: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SAME_CONTENT.map((field) => [field, post[field]]));
}

/**
 * Asserts that the rows are exactly what the newest event of each key implies: its state,
 * its post (or none), exactly that post's feed entries, counts, share links and failures.
 */
export async function expectConverged(
  history: History,
  rows: Row[],
  store: PostStore,
  { counts = true }: { counts?: boolean } = {},
): Promise<void> {
  const expected = expectedByKey(history);
  const byPk = (prefix: string) => rows.filter((row) => row.pk.startsWith(prefix));
  const posts = byPk('POST#').filter((row) => !row.gone);

  for (const [key, wanted] of expected) {
    const state = rows.find((row) => row.pk === `SOURCE#${key}`);
    expect(state?.status, `state of ${key}`).toBe(wanted.status);
    const owned = posts.filter((row) => row.sourceKey === key);
    if (wanted.status === 'published') {
      expect(owned.map(content), `post of ${key}`).toEqual([
        content(wanted.post as unknown as Record<string, unknown>),
      ]);
      expect(state?.postId).toBe(wanted.post.id);
    } else if (wanted.status === 'failed') {
      expect(state?.error, `error of ${key}`).toBe(wanted.error);
      if (history.versioned) {
        const kept = wanted.kept ? [content(wanted.kept as unknown as Record<string, unknown>)] : [];
        expect(owned.map(content), `post kept for refused ${key}`).toEqual(kept);
      } else if (owned.length > 0) {
        expect(owned.length, `posts kept for refused ${key}`).toBe(1);
        expect(
          wanted.earlier.map((post) => content(post as unknown as Record<string, unknown>)),
          `post kept for refused ${key}`,
        ).toContainEqual(content(owned[0]));
      }
      expect(state?.postId).toBe(owned[0]?.id);
    } else {
      expect(owned, `posts of ${key}`).toEqual([]);
    }
  }
  for (const row of byPk('SOURCE#')) expect(expected.has(String(row.key)), `state of unknown ${row.key}`).toBe(true);
  expect(posts.length, 'posts of keys never uploaded').toBe(
    posts.filter((row) => expected.has(String(row.sourceKey))).length,
  );

  // Feed entries: exactly those of the stored posts, each saying what its post says.
  const wantedEntries = new Map<string, Row>();
  for (const post of posts) {
    for (const ref of feedsOf(post as unknown as Post)) {
      wantedEntries.set(`FEED#${feedKey(ref)}\n${feedCursor(post as unknown as Post)}`, post);
    }
  }
  const entries = byPk('FEED#').filter((row) => row.sk !== '~META');
  expect(entries.map((row) => `${row.pk}\n${row.sk}`).sort(), 'feed entries').toEqual([...wantedEntries.keys()].sort());
  for (const entry of entries) {
    const post = wantedEntries.get(`${entry.pk}\n${entry.sk}`)!;
    for (const field of ['title', 'path', 'shortCode', 'updated', 'html', 'summary', 'date'] as const) {
      expect(entry[field], `${field} of ${entry.pk} ${entry.sk}`).toEqual(post[field]);
    }
  }

  // Counts per name equal the entries in that name's feed. (A count is a second write after
  // the entry's; a failure between the two is repaired by reindex, not by the retry.)
  for (const row of counts ? byPk('NAMES#') : []) {
    const kind = row.pk.slice('NAMES#'.length);
    const count = entries.filter((entry) => countedIn(entry, kind, row.sk)).length;
    expect(row.count, `count of ${kind} ${row.sk}`).toBe(count);
  }
  for (const entry of counts ? entries : []) {
    const [, kind, name] = /^FEED#(category|tag)#(.*)$/.exec(entry.pk) ?? [];
    if (kind)
      expect(
        rows.some((row) => row.pk === `NAMES#${kind}` && row.sk === name),
        `count row of ${kind} ${name}`,
      ).toBe(true);
  }

  // Live share links are exactly the codes of the stored posts, pointing at them.
  const liveCodes = new Map<string, Row>();
  for (const post of posts) {
    liveCodes.set(String(post.shortCode), post);
    if (post.infoCode) liveCodes.set(String(post.infoCode), post);
  }
  const live = byPk('SHARE#').filter((row) => row.gone === false);
  expect(live.map((row) => String(row.code)).sort(), 'live share links').toEqual([...liveCodes.keys()].sort());
  for (const link of live) {
    expect([link.postId, link.path], `share link ${link.code}`).toEqual([
      liveCodes.get(String(link.code))!.id,
      liveCodes.get(String(link.code))!.path,
    ]);
  }

  // Live page-path claims are exactly the stored posts' paths, each naming its post.
  const claims = byPk('PATH#').filter((row) => row.gone === false);
  expect(claims.map((row) => [row.path, row.postId, row.sourceKey]).sort(), 'page-path claims').toEqual(
    posts.map((post) => [post.path, post.id, post.sourceKey]).sort(),
  );

  const failed = [...expected]
    .filter(([, wanted]) => wanted.status === 'failed')
    .map(([key]) => key)
    .sort();
  expect((await store.listFailedSources()).map((state) => state.key).sort(), 'listed failures').toEqual(failed);
}

/** Each feed's entries (minus the writers' sequencers) and version, as a reader's cache would see them. */
export type FeedSnapshot = Map<string, { version: number; entries: string }>;

export function feedSnapshot(rows: Array<Record<string, unknown>>): FeedSnapshot {
  const feeds: FeedSnapshot = new Map();
  for (const row of rows) {
    const pk = String(row.pk);
    if (!pk.startsWith('FEED#')) continue;
    const feed = feeds.get(pk) ?? { version: 0, entries: '' };
    if (row.sk === '~META') feed.version = Number(row.version);
    else {
      const { sequencer: _sequencer, ...entry } = row;
      feed.entries += `${JSON.stringify(entry)}\n`;
    }
    feeds.set(pk, feed);
  }
  return feeds;
}

/**
 * Readers cache a feed's document by the feed's version: whatever a reader may have cached at
 * any moment must be replaced by the end, so a feed whose entries differ from a moment's must
 * have a different version too.
 */
export function expectNoStaleFeed(moments: FeedSnapshot[], final: FeedSnapshot): void {
  for (const moment of moments) {
    for (const [pk, seen] of moment) {
      const now = final.get(pk) ?? { version: 0, entries: '' };
      if (seen.entries !== now.entries && seen.version === now.version) {
        throw new Error(
          `${pk}: a reader that cached version ${seen.version} keeps entries that changed since:\n${seen.entries}---\n${now.entries}`,
        );
      }
    }
  }
}

/**
 * What the site shows and ingest decides on, without what only records how it got there (write
 * tokens, revisions, times, tombstones, feed versions): two stores that publish the same
 * bucket compare equal. Rows of the keys in `refused` are left out but for their state's status
 * and error: a refused upload keeps the last good version up, and which one that is depends on
 * the history, not on the bucket. Name counts are left out: expectCountsMatch checks them.
 */
export function publicRows(rows: Row[], refused: Set<string> = new Set()): Array<Record<string, unknown>> {
  const owners = new Map(
    rows.filter((row) => row.pk.startsWith('POST#')).map((row) => [String(row.id), String(row.sourceKey)]),
  );
  const ownerOf = (row: Row) => String(row.sourceKey ?? owners.get(String(row.postId ?? row.id)));
  const shown: Array<Record<string, unknown>> = [];
  for (const row of rows) {
    const { pk } = row;
    const { sequencer: _s, revision: _r, at: _a, updated: _u, rowsSequencer: _rs, ...rest } = row;
    if (pk.startsWith('SOURCE#')) {
      // A deleted key's state is a tombstone, and entryHash covers `updated`.
      if (row.status === 'deleted') continue;
      if (refused.has(String(row.key))) {
        shown.push({ pk, status: row.status, error: row.error });
        continue;
      }
      const published = rest.published as Record<string, unknown> | undefined;
      const { updated: _pu, entryHash: _eh, ...publishedRest } = published ?? {};
      shown.push({ ...rest, ...(published ? { published: publishedRest } : {}) });
    } else if (pk.startsWith('POST#') || pk.startsWith('SHARE#') || pk.startsWith('PATH#')) {
      if (!row.gone && !refused.has(ownerOf(row))) shown.push(rest);
    } else if (pk.startsWith('FEED#')) {
      if (row.sk !== '~META' && !refused.has(ownerOf(row))) shown.push(rest);
    } else if (pk !== 'FAILURES' && !pk.startsWith('NAMES#')) {
      shown.push(rest);
    }
  }
  return shown;
}

/** Every category and tag count equals the entries its feed holds. */
export function expectCountsMatch(rows: Row[]): void {
  for (const row of rows.filter((candidate) => candidate.pk.startsWith('NAMES#'))) {
    const kind = row.pk.slice('NAMES#'.length);
    const entries = rows.filter((entry) => entry.sk !== '~META' && countedIn(entry, kind, row.sk)).length;
    expect(row.count, `count of ${kind} ${row.sk}`).toBe(entries);
  }
}

/** Whether a feed entry counts toward a NAMES# row: its category's or tag's, or (`day`) the site feed's entries of that UTC day. */
function countedIn(entry: Row, kind: string, name: string): boolean {
  return kind === 'day'
    ? entry.pk === 'FEED#site' && entry.sk.startsWith(`${name}T`)
    : entry.pk === `FEED#${kind}#${name}`;
}
