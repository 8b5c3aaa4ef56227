import { PostRejected } from './errors';
import { parsePost } from './parse-post';
import { feedsOf, toFeedEntry, type FeedRef, type Post } from './post';
import { shortCodeCandidate } from './short-code';
import { normalizeSequencer, type PostStore, type SourceState } from './store';
import { feedKey } from './urls';

/** One S3 object event, already decoded from whatever carried it. */
export interface ObjectChange {
  key: string;
  kind: 'created' | 'removed';
  sequencer: string;
  /** RFC 3339 instant of the event. */
  eventTime: string;
}

/** Reads an object's bytes; `undefined` when it no longer exists. */
export type ReadObject = (key: string) => Promise<Uint8Array | undefined>;

export interface IngestDeps {
  store: PostStore;
  readObject: ReadObject;
  /** Largest post accepted, bytes. */
  maxPostBytes?: number;
}

export type IngestOutcome =
  | { key: string; result: 'published'; postId: string; path: string }
  | { key: string; result: 'unpublished' | 'deleted'; postId?: string }
  | { key: string; result: 'rejected'; error: string }
  /** A duplicate or an event older than one already applied; nothing changed. */
  | { key: string; result: 'skipped'; reason: string };

export const DEFAULT_MAX_POST_BYTES = 1024 * 1024;
const MAX_SHORT_CODE_ATTEMPTS = 8;

/**
 * Applies one object event to the store. Idempotent and order-safe: an event no newer
 * than the last one applied to its key changes nothing, and a delete leaves a tombstone.
 * Throws only on transient failures (storage or S3 unavailable), so the caller retries.
 */
export async function ingestChange(change: ObjectChange, deps: IngestDeps): Promise<IngestOutcome> {
  const { store } = deps;
  const sequencer = normalizeSequencer(change.sequencer);
  const state = await store.getSourceState(change.key);
  if (state && state.sequencer >= sequencer) {
    return { key: change.key, result: 'skipped', reason: `event ${sequencer} is not newer than ${state.sequencer}` };
  }
  const previous = state?.postId ? await store.getPost(state.postId) : undefined;

  if (change.kind === 'removed') {
    if (previous) await withdraw(previous, sequencer, store);
    await commit(store, { key: change.key, sequencer, status: 'deleted', at: change.eventTime });
    return { key: change.key, result: 'deleted', postId: previous?.id };
  }

  const bytes = await deps.readObject(change.key);
  if (bytes === undefined) {
    // Deleted since the event was sent; its own ObjectRemoved event will follow.
    return { key: change.key, result: 'skipped', reason: 'object no longer exists' };
  }

  let parsed;
  try {
    const text = decodePostText(bytes, deps.maxPostBytes ?? DEFAULT_MAX_POST_BYTES);
    parsed = parsePost(change.key, text, { now: change.eventTime });
  } catch (error) {
    if (!(error instanceof PostRejected)) throw error;
    return reject(change, sequencer, previous, error.describe(), store);
  }

  if (!parsed.published) {
    if (previous) await withdraw(previous, sequencer, store);
    await commit(store, { key: change.key, sequencer, status: 'unpublished', at: change.eventTime });
    return { key: change.key, result: 'unpublished', postId: parsed.id };
  }

  const post = parsed.post;
  if (previous?.contentHash === post.contentHash && previous.id === post.id) post.updated = previous.updated;

  const shortCode = await claimShortCode(post, store);
  if (!shortCode) {
    return reject(change, sequencer, previous, `could not find a free short code for post id "${post.id}"`, store);
  }
  post.shortCode = shortCode;

  const written = await store.putPost(post, sequencer);
  if (written === 'stale') return { key: change.key, result: 'skipped', reason: 'a newer event already wrote this post' };
  if (typeof written === 'object') {
    return reject(change, sequencer, previous, `post id "${post.id}" is already published by ${written.ownedBy}`, store);
  }
  if (post.infoCode && post.infoCode !== shortCode) {
    // A legacy code held by another post stays with it; this post keeps its short code.
    await store.claimShareLink({ code: post.infoCode, postId: post.id, path: post.path });
  }

  const entry = toFeedEntry(post);
  const feeds = feedsOf(post);
  for (const ref of feeds) await store.putFeedEntry(ref, entry, sequencer);

  if (previous && previous.id !== post.id) {
    await withdraw(previous, sequencer, store);
  } else if (previous) {
    const current = new Set(feeds.map(feedKey));
    for (const ref of feedsOf(previous)) {
      // A changed date moves the entry within every feed: drop the old position too.
      if (!current.has(feedKey(ref)) || previous.date !== post.date) {
        await store.deleteFeedEntry(ref, previous, sequencer);
      }
    }
  }

  const committed = await commit(store, {
    key: change.key, sequencer, status: 'published', postId: post.id, at: change.eventTime,
  });
  if (!committed) {
    // A newer event for this key committed while we wrote: take back what only we wrote.
    await removeEntries(post, feeds, sequencer, store);
    return { key: change.key, result: 'skipped', reason: 'a newer event for this key was applied meanwhile' };
  }
  return { key: change.key, result: 'published', postId: post.id, path: post.path };
}

/** Turns an object's bytes into post text, refusing what cannot be a post. */
export function decodePostText(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.byteLength === 0) throw new PostRejected('file is empty');
  if (bytes.byteLength > maxBytes) {
    throw new PostRejected(`file is ${bytes.byteLength} bytes, over the ${maxBytes}-byte limit for a post`);
  }
  if (bytes.includes(0)) throw new PostRejected('file is binary (contains NUL bytes), not a text post');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new PostRejected('file is not valid UTF-8 text');
  }
}

async function reject(
  change: ObjectChange,
  sequencer: string,
  previous: Post | undefined,
  error: string,
  store: PostStore,
): Promise<IngestOutcome> {
  // The last good version (if any) stays published; the refusal is recorded against the key.
  await commit(store, {
    key: change.key, sequencer, status: 'failed', error, at: change.eventTime,
    ...(previous ? { postId: previous.id } : {}),
  });
  return { key: change.key, result: 'rejected', error };
}

async function claimShortCode(post: Post, store: PostStore): Promise<string | undefined> {
  for (let attempt = 0; attempt < MAX_SHORT_CODE_ATTEMPTS; attempt++) {
    const code = shortCodeCandidate(post.id, attempt);
    if (await store.claimShareLink({ code, postId: post.id, path: post.path })) return code;
  }
  return undefined;
}

/** Takes a post off every feed, marks its share links gone and deletes it. */
async function withdraw(post: Post, sequencer: string, store: PostStore): Promise<void> {
  await removeEntries(post, feedsOf(post), sequencer, store);
  await store.markShareLinkGone(post.shortCode, post.id);
  if (post.infoCode) await store.markShareLinkGone(post.infoCode, post.id);
  await store.deletePost(post, sequencer);
}

async function removeEntries(post: Post, feeds: FeedRef[], sequencer: string, store: PostStore): Promise<void> {
  for (const ref of feeds) await store.deleteFeedEntry(ref, post, sequencer);
}

async function commit(store: PostStore, state: SourceState): Promise<boolean> {
  return (await store.commitSourceState(state)).committed;
}
