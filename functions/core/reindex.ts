import { inParallel } from './in-parallel';
import { reconcileKey, removeOrphanedPost, type ReadObject, type ReconcileOutcome } from './ingest';
import type { IngestSettings } from './ingest-settings';
import type { TaxonomyKind } from './post';
import type { PostStore, SourceState } from './store';

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
  settings: IngestSettings;
  /** Re-apply every object, even those whose state already matches (rebuilds lost feed rows). */
  force?: boolean;
  /** Keys reconciled at once. */
  concurrency?: number;
  /** Called once the work is known, then after every key reconciled. */
  onProgress?: (done: number, total: number) => void;
}

export interface ReindexSummary {
  /** Objects listed in the bucket. */
  objects: number;
  published: number;
  unpublished: number;
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
  const summary: ReindexSummary = { objects: 0, published: 0, unpublished: 0, deleted: 0, unchanged: 0, failed: 0, skipped: 0, recounted: 0 };

  const todo: string[] = [];
  const listed = new Set<string>();
  for await (const object of deps.listObjects()) {
    summary.objects++;
    listed.add(object.key);
    const state = states.get(object.key);
    if (!deps.force && state && upToDate(state, object.etag, owners)) {
      if (state.status === 'failed') summary.failed++;
      else summary.unchanged++;
    } else {
      todo.push(object.key);
    }
  }
  for (const state of states.values()) {
    if (!listed.has(state.key) && state.status !== 'deleted') todo.push(state.key);
  }

  // Posts of keys with neither a state nor an object: written by a change cut short before its
  // first commit, whose object was deleted before a retry could finish it.
  const orphans = inventory.posts.filter((post) => !states.has(post.sourceKey) && !listed.has(post.sourceKey));

  let done = 0;
  const total = todo.length + orphans.length;
  deps.onProgress?.(done, total);
  const ingestDeps = { store, readObject: deps.readObject, ...deps.settings, force: deps.force };
  await inParallel(todo, deps.concurrency ?? 8, async (key) => {
    count(summary, await reconcileKey(key, ingestDeps));
    deps.onProgress?.(++done, total);
  });
  await inParallel(orphans, deps.concurrency ?? 8, async (post) => {
    // Anything but a removal means the key's own events had it in hand: not counted.
    if ((await removeOrphanedPost(post.id, post.sourceKey, ingestDeps)).result === 'deleted') summary.deleted++;
    deps.onProgress?.(++done, total);
  });

  const names: Array<{ kind: TaxonomyKind; name: string }> = [];
  for (const state of (await store.listSources()).states) {
    for (const ref of state.published?.feeds ?? []) if (ref.kind !== 'site') names.push(ref);
  }
  summary.recounted = await store.recountNames(names);
  return summary;
}

function upToDate(state: SourceState, etag: string, owners: Map<string, string>): boolean {
  if (state.status === 'deleted' || state.etag !== etag) return false;
  return !state.postId || owners.get(state.postId) === state.key;
}

function count(summary: ReindexSummary, outcome: ReconcileOutcome): void {
  switch (outcome.result) {
    case 'published': summary.published++; break;
    case 'unpublished': summary.unpublished++; break;
    case 'deleted': summary.deleted++; break;
    case 'rejected': summary.failed++; break;
    case 'skipped': summary.skipped++; break;
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
    [summary.deleted, 'deleted'],
    [summary.unchanged, 'unchanged'],
    [summary.failed, 'failed'],
    [summary.skipped, 'skipped (changed meanwhile)'],
    [summary.recounted, 'counts corrected'],
  ];
  const shown = parts.filter(([value, label]) => value > 0 || ['published', 'unchanged', 'failed'].includes(label));
  return `${summary.objects} objects: ${shown.map(([value, label]) => `${value} ${label}`).join(', ')}`;
}
