import { looksLikeAsset } from './assets';
import { inParallel } from './in-parallel';
import {
  currentSite,
  isDue,
  type ReadObject,
  type ReadPost,
  type ReconcileOutcome,
  readSiteFromBucket,
  reconcileKey,
} from './ingest';
import type { IngestSettings } from './ingest-settings';
import type { FeedRef, TaxonomyKind } from './post';
import type { PublishScheduler } from './schedule';
import { SITE_CONFIG_KEY } from './site-config';
import {
  feedCursor,
  type OwnedRow,
  type PostStore,
  type PublishedVersion,
  type SourceInventory,
  type SourceState,
  sitemapDay,
} from './store';
import { feedKey } from './urls';

/** An object as a bucket listing gives it. */
export interface ListedObject {
  key: string;
  /** ETag without quotes. */
  etag: string;
}

export interface ReindexDeps {
  store: PostStore;
  /** Every object under the posts prefix. */
  listObjects: () => AsyncIterable<ListedObject>;
  readObject: ReadObject;
  /** How posts are read from their bytes (in this process by default; within a budget: functions/adapters/parse-worker.ts). */
  readPost?: ReadPost;
  settings: IngestSettings;
  /** Re-apply every object, even those whose state already matches (rebuilds lost feed rows). */
  force?: boolean;
  /** Keys reconciled at once. */
  concurrency?: number;
  /** Called once the work is known, then after every key reconciled. */
  onProgress?: (done: number, total: number) => void;
  /** Where posts dated in the future are scheduled (functions/core/schedule.ts). */
  scheduler?: PublishScheduler;
  /** The clock deciding whether a scheduled post is due; Date.now by default. */
  now?: () => number;
}

export interface ReindexSummary {
  /** Objects listed in the bucket. */
  objects: number;
  published: number;
  unpublished: number;
  /** Posts dated in the future: held back until their date. */
  scheduled: number;
  /** Posts whose objects are gone from the bucket, removed. */
  deleted: number;
  /** Keys already matching their object. */
  unchanged: number;
  /** Keys whose object is refused (newly or still). */
  failed: number;
  /** Keys a newer event changed while reindex ran: that event's result stands. */
  skipped: number;
  /** Category and tag counts corrected. */
  recounted: number;
  /** Rows no key's state describes (left by changes cut short), removed. */
  swept: number;
}

/**
 * Makes the table match the bucket: every object published (or refused) as its current
 * bytes say, every post whose object is gone removed. Keys whose state already describes the
 * object's ETag are left alone, so a second run changes nothing. Safe while uploads continue:
 * each key is applied as a change ordered after the state it read and before any later S3
 * event (functions/core/ingest.ts, reconcileKey).
 */
export async function reindex(deps: ReindexDeps): Promise<ReindexSummary> {
  const { store } = deps;
  const inventory = await store.listSources();
  const states = new Map(inventory.states.map((state) => [state.key, state]));
  const owners = new Map(inventory.posts.map((post) => [post.id, post.sourceKey]));
  const summary: ReindexSummary = {
    objects: 0,
    published: 0,
    unpublished: 0,
    scheduled: 0,
    deleted: 0,
    unchanged: 0,
    failed: 0,
    skipped: 0,
    recounted: 0,
    swept: 0,
  };

  // The site's _config.yml, read once for the whole run (a change of it during the run brings its own reindex).
  let site: ReturnType<typeof readSiteFromBucket> | undefined;
  const readSite = () => (site ??= readSiteFromBucket(deps.readObject));
  // Keys read with other site settings are applied again: a new permalink style moves every post.
  const { fingerprint } = await currentSite({
    readSite,
    readObject: deps.readObject,
    timeZone: deps.settings.timeZone,
  });

  const newest = newestRows(inventory);
  const todo: string[] = [];
  const listed = new Set<string>();
  for await (const object of deps.listObjects()) {
    // The site's _config.yml is read with every post, not published as one.
    if (object.key === SITE_CONFIG_KEY || looksLikeAsset(object.key)) continue;
    summary.objects++;
    listed.add(object.key);
    const state = states.get(object.key);
    const rowsAhead = (newest.get(object.key)?.token ?? '') > (state?.sequencer ?? '');
    if (
      !deps.force &&
      !rowsAhead &&
      state &&
      upToDate(state, object.etag, owners, deps) &&
      state.site === fingerprint
    ) {
      if (state.status === 'failed') summary.failed++;
      else summary.unchanged++;
    } else {
      todo.push(object.key);
    }
  }
  for (const state of states.values()) {
    const rowsAhead = (newest.get(state.key)?.token ?? '') > state.sequencer;
    if (!listed.has(state.key) && (state.status !== 'deleted' || rowsAhead)) todo.push(state.key);
  }

  let done = 0;
  const total = todo.length;
  deps.onProgress?.(done, total);
  const ingestDeps = {
    store,
    readObject: deps.readObject,
    readPost: deps.readPost,
    readSite,
    ...deps.settings,
    force: deps.force,
    scheduler: deps.scheduler,
    now: deps.now,
  };
  await inParallel(todo, deps.concurrency ?? 8, async (key) => {
    count(summary, await reconcileKey(key, { ...ingestDeps, after: newest.get(key) }));
    deps.onProgress?.(++done, total);
  });

  // With every key's state now matching its object: rows that no state describes are what
  // changes cut short left, and rows a state describes but the table lacks were lost with them.
  const after = await store.listSources();
  const incomplete = await sweep(after, listed, deps, summary);
  await inParallel(incomplete, deps.concurrency ?? 8, async (key) => {
    count(summary, await reconcileKey(key, { ...ingestDeps, force: true }));
  });

  const names: Array<{ kind: TaxonomyKind | 'day'; name: string }> = [];
  for (const state of (incomplete.length ? await store.listSources() : after).states) {
    for (const ref of state.published?.feeds ?? []) if (ref.kind !== 'site') names.push(ref);
    // The day the sitemaps list the post under (its site feed entry's).
    if (state.published) names.push({ kind: 'day', name: sitemapDay(state.published) });
  }
  summary.recounted = await store.recountNames(names);
  return summary;
}

/**
 * Removes the rows no key's state describes, and returns the keys whose state describes rows the
 * table lacks. A row is removed only when the change that wrote it is older than the newest
 * change its key committed (a newer change may still be running, and will commit or take its
 * rows back), or when its key has neither a state nor an object; and only if no change wrote it
 * since it was listed (OwnedRow's token). One race remains: an older upload still running when
 * a newer one was refused adopts its rows as the last good version when it commits, and if the
 * sweep took them meanwhile, that state describes rows the table lacks until the next reindex
 * finds it incomplete and re-applies the key.
 */
async function sweep(
  inventory: SourceInventory,
  listed: Set<string>,
  deps: ReindexDeps,
  summary: ReindexSummary,
): Promise<string[]> {
  const { store } = deps;
  const states = new Map(inventory.states.map((state) => [state.key, state]));
  const postOwners = new Map<string, string>();
  for (const row of inventory.rows) if (row.kind === 'post') postOwners.set(row.postId, row.sourceKey);

  const leftovers: Array<{ row: OwnedRow; owner: string | undefined; stateless: boolean }> = [];
  const found = new Set<string>();
  for (const row of inventory.rows) {
    if (row.kind === 'post' && row.gone) continue;
    const owner = ownerOf(row, postOwners);
    const state = owner === undefined ? undefined : states.get(owner);
    // A state written before states recorded their rows: what it publishes is read from its post.
    if (state?.postId && !state.published) continue;
    if (state?.published && describes(state.published, row)) {
      found.add(`${owner}\n${slotOf(row)}`);
      continue;
    }
    if (
      state ? row.sequencer !== undefined && row.sequencer > state.sequencer : owner !== undefined && listed.has(owner)
    )
      continue;
    leftovers.push({ row, owner, stateless: !state });
  }

  const touched = new Map<string, FeedRef>();
  await inParallel(leftovers, deps.concurrency ?? 8, async ({ row, owner, stateless }) => {
    // A key with no state: its first change was cut short, its object deleted since. Uploaded
    // again meanwhile, the rows are that upload's business.
    if (stateless && owner !== undefined && (await deps.readObject(owner, undefined, 0))) return;
    if (!(await store.removeLeftover(row))) return;
    summary.swept++;
    if (row.kind === 'entry') touched.set(feedKey(row.feed), row.feed);
  });
  await store.touchFeeds([...touched.values()]);

  const incomplete: string[] = [];
  for (const state of states.values()) {
    const published = state.published;
    if (!published) continue;
    const wanted = [
      'post',
      `path\n${published.path}`,
      ...published.shareCodes.map((code) => `share\n${code}`),
      ...published.feeds.map((ref) => `entry\n${feedKey(ref)}\n${feedCursor(published)}`),
    ];
    if (wanted.some((slot) => !found.has(`${state.key}\n${slot}`))) incomplete.push(state.key);
  }
  return incomplete;
}

/**
 * The newest write token among the rows each object key wrote (an entry's key is its post's),
 * and the post that token wrote, if it wrote a live one.
 */
function newestRows(inventory: SourceInventory): Map<string, { token: string; postId?: string }> {
  const owners = new Map<string, string>();
  for (const row of inventory.rows) if (row.kind === 'post') owners.set(row.postId, row.sourceKey);
  const newest = new Map<string, { token: string; postId?: string }>();
  for (const row of inventory.rows) {
    const owner = ownerOf(row, owners);
    if (owner === undefined || row.sequencer === undefined) continue;
    const known = newest.get(owner);
    if (known && row.sequencer < known.token) continue;
    const post =
      row.kind === 'post' && !row.gone ? row.postId : known?.token === row.sequencer ? known.postId : undefined;
    newest.set(owner, { token: row.sequencer, ...(post ? { postId: post } : {}) });
  }
  return newest;
}

/** The object key whose change wrote a row: its own record of it, else its post's (rows written before they kept it). */
function ownerOf(row: OwnedRow, postOwners: Map<string, string>): string | undefined {
  return row.kind === 'post' || row.kind === 'path' ? row.sourceKey : (row.sourceKey ?? postOwners.get(row.postId));
}

/** Whether a row is one of those a published version occupies. */
function describes(published: PublishedVersion, row: OwnedRow): boolean {
  if (row.postId !== published.id) return false;
  switch (row.kind) {
    case 'post':
      return true;
    case 'path':
      return row.path === published.path;
    case 'share':
      return published.shareCodes.includes(row.code);
    case 'entry':
      return row.cursor === feedCursor(published) && published.feeds.some((ref) => feedKey(ref) === feedKey(row.feed));
  }
}

function slotOf(row: OwnedRow): string {
  switch (row.kind) {
    case 'post':
      return 'post';
    case 'path':
      return `path\n${row.path}`;
    case 'share':
      return `share\n${row.code}`;
    case 'entry':
      return `entry\n${feedKey(row.feed)}\n${row.cursor}`;
  }
}

function upToDate(
  state: SourceState,
  etag: string,
  owners: Map<string, string>,
  clock: Pick<ReindexDeps, 'now'>,
): boolean {
  // A scheduled post whose date has come is overdue (its call back was lost, or the local stack was down).
  if (state.status === 'deleted' || state.etag !== etag || isDue(state, clock)) return false;
  return !state.postId || owners.get(state.postId) === state.key;
}

function count(summary: ReindexSummary, outcome: ReconcileOutcome): void {
  switch (outcome.result) {
    case 'published':
      summary.published++;
      break;
    case 'unpublished':
      summary.unpublished++;
      break;
    case 'scheduled':
      summary.scheduled++;
      break;
    case 'deleted':
      summary.deleted++;
      break;
    case 'rejected':
      summary.failed++;
      break;
    case 'skipped':
      summary.skipped++;
      break;
    case 'unchanged':
      if (outcome.status === 'failed') summary.failed++;
      else summary.unchanged++;
      break;
  }
}

/** One line for people: `200 objects: 10 published, 190 unchanged, 2 failed`. */
export function describeSummary(summary: ReindexSummary): string {
  const parts: Array<[number, string]> = [
    [summary.published, 'published'],
    [summary.unpublished, 'unpublished'],
    [summary.scheduled, 'scheduled'],
    [summary.deleted, 'deleted'],
    [summary.unchanged, 'unchanged'],
    [summary.failed, 'failed'],
    [summary.skipped, 'skipped (changed meanwhile)'],
    [summary.recounted, 'counts corrected'],
    [summary.swept, 'rows of cut-short changes removed'],
  ];
  const shown = parts.filter(([value, label]) => value > 0 || ['published', 'unchanged', 'failed'].includes(label));
  return `${summary.objects} objects: ${shown.map(([value, label]) => `${value} ${label}`).join(', ')}`;
}
