import { createHash } from 'node:crypto';
import { allWrites } from './all-writes';
import { looksLikeAsset } from './assets';
import { PostRejected } from './errors';
import { DEFAULT_INGEST_SETTINGS } from './ingest-settings';
import { type JekyllSite, keyDerivedId, type ParsedPost, parsePost } from './parse-post';
import { type FeedRef, feedsOf, type Post, toFeedEntry } from './post';
import { decodePostText, postTooLarge } from './post-text';
import { referencedFiles } from './referenced-files';
import type { PublishSchedule, PublishScheduler } from './schedule';
import { eventPart, eventPartOf, isNewerEvent } from './sequencer';
import { shortCodeCandidate } from './short-code';
import { MAX_CONFIG_BYTES, readSiteConfig, SITE_CONFIG_KEY, siteFingerprint } from './site-config';
import {
  feedCursor,
  MAX_RECORDED_FILES,
  type PostStore,
  type PublishedVersion,
  type ShareLinkWriter,
  type SourceState,
} from './store';
import { feedKey } from './urls';

export { decodePostText } from './post-text';

/** One S3 object event, already decoded from whatever carried it. */
export interface ObjectChange {
  key: string;
  kind: 'created' | 'removed';
  sequencer: string;
  /** RFC 3339 instant of the event. */
  eventTime: string;
  /**
   * The object version the event is about, on a versioned bucket. Created: read that version, not
   * the latest. Removed: that version was deleted for good (a plain delete there makes a delete
   * marker, `ObjectRemoved:DeleteMarkerCreated`, which carries none here).
   */
  versionId?: string;
}

export interface StoredObject {
  /** Absent when the object is larger than the `maxBytes` it was read with: its body was not read. */
  bytes?: Uint8Array;
  /** Bytes in the object. */
  size?: number;
  /** S3 ETag without quotes. */
  etag?: string;
  /** RFC 3339 instant the object was written. */
  lastModified?: string;
}

/**
 * Reads an object (or one version of it); `undefined` when it no longer exists. An object over
 * `maxBytes` comes back without its bytes, so that a huge upload is refused without being read.
 */
export type ReadObject = (key: string, versionId?: string, maxBytes?: number) => Promise<StoredObject | undefined>;

/**
 * Decodes and parses an object's bytes into a post, or throws PostRejected: `readPostInProcess`,
 * or the same within a memory and time budget (functions/adapters/parse-worker.ts).
 */
export type ReadPost = (
  key: string,
  bytes: Uint8Array,
  options: {
    now: string;
    maxPostBytes: number;
    iframeHosts?: readonly string[];
    legacyHosts?: readonly string[];
    site?: JekyllSite;
    timeZone?: string;
  },
) => Promise<ParsedPost>;

export const readPostInProcess: ReadPost = async (
  key,
  bytes,
  { now, maxPostBytes, iframeHosts, legacyHosts, site, timeZone },
) => parsePost(key, decodePostText(bytes, maxPostBytes), { now, iframeHosts, legacyHosts, site, timeZone });

export interface IngestDeps {
  store: PostStore;
  readObject: ReadObject;
  /** How a post is read from its bytes; in this process by default. */
  readPost?: ReadPost;
  /** Largest post accepted, bytes (MAX_POST_BYTES). */
  maxPostBytes?: number;
  /** Host names whose iframes bodies may keep (IFRAME_HOSTS). */
  iframeHosts?: readonly string[];
  /** Host names of the site this one replaces (LEGACY_HOSTS). */
  legacyHosts?: readonly string[];
  /** The zone of dates written without an offset (TIME_ZONE), over the site _config.yml's. */
  timeZone?: string;
  /**
   * The site's _config.yml as it is now (undefined: none uploaded); read from the bucket at
   * SITE_CONFIG_KEY for every change unless given. Throws PostRejected when it is unreadable.
   */
  readSite?: () => Promise<JekyllSite | undefined>;
  /**
   * Where a post dated in the future is scheduled to go live (functions/core/schedule.ts). Without
   * one it is still held back, and goes live when reindex next runs after its date.
   */
  scheduler?: PublishScheduler;
  /** The clock that decides whether a post's date has come (ms since the epoch); Date.now by default. */
  now?: () => number;
}

/** The site's _config.yml in the bucket, read as Jekyll reads it (functions/core/site-config.ts). */
export async function readSiteFromBucket(readObject: ReadObject): Promise<JekyllSite | undefined> {
  const object = await readObject(SITE_CONFIG_KEY, undefined, MAX_CONFIG_BYTES);
  if (!object) return undefined;
  if (!object.bytes) throw new PostRejected(`${SITE_CONFIG_KEY} is over ${MAX_CONFIG_BYTES} bytes`);
  try {
    const { permalink, timeZone } = readSiteConfig(new TextDecoder('utf-8', { fatal: true }).decode(object.bytes));
    return { permalink, timeZone };
  } catch (error) {
    // Every post is refused while the config is (its last good version stays up): a post read
    // with the wrong permalink or zone would move to a URL Jekyll never gave it.
    if (error instanceof PostRejected) throw new PostRejected(`the site's ${SITE_CONFIG_KEY}: ${error.describe()}`);
    if (error instanceof TypeError) throw new PostRejected(`the site's ${SITE_CONFIG_KEY} is not UTF-8 text`);
    throw error;
  }
}

/** The site config as it is now; `fingerprint` is `unreadable` while it is refused. */
export async function currentSite(
  deps: Pick<IngestDeps, 'readSite' | 'readObject' | 'timeZone'>,
): Promise<{ site?: JekyllSite; fingerprint?: string; refusal?: PostRejected }> {
  try {
    const site = await (deps.readSite ? deps.readSite() : readSiteFromBucket(deps.readObject));
    return { site, fingerprint: siteFingerprint(site, deps.timeZone) };
  } catch (error) {
    if (error instanceof PostRejected) return { fingerprint: 'unreadable', refusal: error };
    throw error;
  }
}

/** `feeds`: every feed whose entries this change added, changed or removed (empty when nothing changed). */
export type IngestOutcome =
  | { key: string; result: 'published'; postId: string; path: string; feeds: FeedRef[] }
  | { key: string; result: 'unpublished' | 'deleted'; postId?: string; feeds: FeedRef[]; reason?: string }
  /** Dated in the future: held back, public nowhere, until `publishAt`. */
  | { key: string; result: 'scheduled'; publishAt: string; postId?: string; feeds: FeedRef[] }
  | { key: string; result: 'rejected'; error: string; feeds: FeedRef[] }
  /**
   * A duplicate, an event older than one already applied, or one overtaken while it ran;
   * `postId` when a newer change of the key wrote the post.
   */
  | { key: string; result: 'skipped'; reason: string; feeds: FeedRef[]; postId?: string };

export const DEFAULT_MAX_POST_BYTES = DEFAULT_INGEST_SETTINGS.maxPostBytes;
const MAX_SHORT_CODE_ATTEMPTS = 8;
const MAX_COMMIT_ROUNDS = 20;
/** Token base of a key that has no state: below every event's token (functions/core/sequencer.ts). */
const NO_EVENT = '0'.repeat(32);

/*
 * How changes of one object key converge without transactions (S3 delivers at least once,
 * in any order, and Lambda may run two deliveries for one key at the same time).
 *
 * Every change gets a write token that orders it among the key's changes: the event's
 * sequencer as S3 orders them (functions/core/sequencer.ts), then a hash of the bytes it read
 * (two deliveries of one event that read the same bytes have the same token and the same effects). Every row a change writes (post,
 * feed entries, share links) carries the token and is written or deleted only if the row's
 * token is not newer, so a late change can never overwrite or remove a newer one's rows.
 *
 * A key's state records two things: the newest change applied (`sequencer`, `status`,
 * `error`) and the change whose rows are in place (`rowsSequencer`, `published`). They differ
 * only while the newest upload is refused: a refusal changes the status, never the rows, so
 * the last good version stays up.
 *
 * A change that publishes or withdraws (1) writes its own rows, (2) takes back the rows of
 * the state it read that it does not rewrite itself, and (3) commits its state with a
 * compare-and-swap on the state's revision. When the swap fails, someone committed in
 * between: if their rows are older, they are taken back too and the swap retried; if newer,
 * this change removes its own rows (only where no newer token overwrote them) and reports
 * `skipped`. Every step is idempotent and nothing is committed before the rows it describes
 * are in place: a crash or a transient error at any point leaves a state that the retry of
 * the same event completes (a retry that finds a newer state removes what its earlier
 * attempt may have left).
 */

/**
 * Applies one object event to the store. Idempotent and order-safe: an event no newer
 * than the last one applied to its key changes nothing, and a delete leaves a tombstone.
 * Throws only on transient failures (storage or S3 unavailable), so the caller retries.
 */
export async function ingestChange(change: ObjectChange, deps: IngestDeps): Promise<IngestOutcome> {
  // Not a post: a change of it applies every post again (the ingest handler runs reindex).
  if (change.key === SITE_CONFIG_KEY) return skipped(change.key, 'the site configuration, not a post');
  // A picture or file beside the posts (functions/core/assets.ts): served as it is, never read as a post.
  if (looksLikeAsset(change.key)) return skipped(change.key, 'a file beside the posts (served as it is), not a post');
  const sequencer = eventPart(change.sequencer);
  const observed = await readState(deps.store, change.key);
  if (observed && !appliesTo(observed, change.sequencer)) {
    if (change.kind === 'created') await clearLeftovers(change, sequencer, observed, deps);
    return skipped(change.key, `event ${change.sequencer} is not newer than ${eventPartOf(observed.sequencer)}`);
  }
  const context = { key: change.key, at: change.eventTime, observed, store: deps.store, scheduler: deps.scheduler };
  if (change.kind === 'removed' && change.versionId === undefined) {
    return settle({ ...context, token: sequencer }, { status: 'deleted' }, undefined);
  }
  if (change.kind === 'removed') {
    // One version deleted for good: an old one (nothing changes) or the newest one or a delete
    // marker (the version below shows again: an undelete). S3 sends both as ObjectRemoved:Delete
    // with the version's id and nothing to tell them apart, so what the key holds now decides,
    // ordered by this event's sequencer.
    const current = await deps.readObject(change.key, undefined, maxPostBytes(deps));
    if (!current) return settle({ ...context, token: sequencer }, { status: 'deleted' }, undefined);
    return applyObject(
      { ...context, token: `${sequencer}.${contentHash(current)}`, etag: current.etag },
      current,
      deps,
    );
  }
  const object = await deps.readObject(change.key, change.versionId, maxPostBytes(deps));
  // Deleted since the event was sent; its own ObjectRemoved event follows.
  if (!object) return skipped(change.key, 'object no longer exists');
  return applyObject({ ...context, token: `${sequencer}.${contentHash(object)}`, etag: object.etag }, object, deps);
}

function clock(deps: Pick<IngestDeps, 'now'>): number {
  return deps.now?.() ?? Date.now();
}

/** A scheduled state whose instant has come: reindex and publishDue apply it. */
export function isDue(state: SourceState, deps: Pick<IngestDeps, 'now'> = {}): boolean {
  return state.status === 'scheduled' && state.publishAt !== undefined && Date.parse(state.publishAt) <= clock(deps);
}

/**
 * A scheduled post's call back: publishes the key as reindex would (the object as it is now,
 * ordered just after its state), if the change that scheduled it (`token`) is still the key's
 * newest and its instant has come. A call back for a version that was moved, withdrawn, deleted
 * or replaced since does nothing.
 */
export async function publishDue(entry: PublishSchedule, deps: IngestDeps): Promise<ReconcileOutcome> {
  const state = await readState(deps.store, entry.key);
  if (state?.status !== 'scheduled' || state.sequencer !== entry.token) {
    return skipped(entry.key, 'scheduled by a version of the post that is no longer the newest');
  }
  if (!isDue(state, deps)) return skipped(entry.key, `not due until ${state.publishAt}`);
  return reconcileKey(entry.key, { ...deps, force: true });
}

function maxPostBytes(deps: IngestDeps): number {
  return deps.maxPostBytes ?? DEFAULT_MAX_POST_BYTES;
}

/** Newer than the newest change applied, or than the rows a refused upload kept (`sequencer`: the event's, as S3 sent it). */
function appliesTo(state: SourceState, sequencer: string): boolean {
  if (isNewerEvent(sequencer, state.sequencer)) return true;
  return state.status === 'failed' && isNewerEvent(sequencer, rowsSequencerOf(state));
}

/**
 * An event older than the rows in place may still have written rows in an earlier attempt
 * that was overtaken and then failed before taking them back: take them back now. They are
 * the rows the same bytes give (the same version, on a versioned bucket).
 */
async function clearLeftovers(
  change: ObjectChange,
  sequencer: string,
  observed: SourceState,
  deps: IngestDeps,
): Promise<void> {
  const object = await deps.readObject(change.key, change.versionId, maxPostBytes(deps));
  // Not read, so never published: it left nothing behind.
  if (!object?.bytes) return;
  const token = `${sequencer}.${contentHash(object)}`;
  if (token >= rowsSequencerOf(observed)) return;
  let parsed: ParsedPost;
  try {
    const { site, refusal } = await currentSite(deps);
    if (refusal) throw refusal;
    parsed = await (deps.readPost ?? readPostInProcess)(change.key, object.bytes, {
      now: change.eventTime,
      maxPostBytes: maxPostBytes(deps),
      iframeHosts: deps.iframeHosts,
      legacyHosts: deps.legacyHosts,
      site,
      timeZone: deps.timeZone,
    });
  } catch (error) {
    if (error instanceof PostRejected) return;
    throw error;
  }
  if (parsed.published)
    await takeBack(parsed.post, change.key, token, deps.store, shortCodeCandidates(parsed.post.id, undefined));
}

export type ReconcileOutcome =
  | IngestOutcome
  | { key: string; result: 'unchanged'; status: SourceState['status']; feeds: FeedRef[] };

/**
 * Makes a key's state match its object as it is now, for reindex: a key whose state already
 * describes the object's current ETag (and whose post exists) is left alone; anything else is
 * applied as a change ordered just after the state read (and after `after`, the newest token of
 * the key's rows, when newer), so an upload or delete that happens meanwhile (a real, newer S3
 * event) still wins. `force` re-applies even an up-to-date key.
 */
export async function reconcileKey(
  key: string,
  deps: IngestDeps & { force?: boolean; after?: { token: string; postId?: string } },
): Promise<ReconcileOutcome> {
  const { store } = deps;
  const observed = await readState(store, key);
  // Read after the state: whatever changes the object from now on has a newer S3 sequencer.
  const object = await deps.readObject(key, undefined, maxPostBytes(deps));
  const unchanged = (status: SourceState['status']): ReconcileOutcome => ({
    key,
    result: 'unchanged',
    status,
    feeds: [],
  });
  // Rows newer than the state were written by a change cut short (or still running): this
  // change is ordered after them too, so that it replaces them and the sweep can take back the rest.
  const after = deps.after?.token;
  const newerRows = after !== undefined && (!observed || after > observed.sequencer);
  const token = nextReindexToken(newerRows ? after : observed?.sequencer);
  const context = {
    key,
    at: object?.lastModified ?? new Date().toISOString(),
    observed,
    store,
    scheduler: deps.scheduler,
  };

  if (!object) {
    if (!newerRows && (!observed || observed.status === 'deleted')) return unchanged('deleted');
    return settle({ ...context, token: `${token}.-` }, { status: 'deleted' }, undefined);
  }
  const readWithSite = async () => observed?.site === (await currentSite(deps)).fingerprint;
  if (
    !deps.force &&
    !newerRows &&
    observed &&
    observed.status !== 'deleted' &&
    !isDue(observed, deps) &&
    object.etag !== undefined &&
    observed.etag === object.etag &&
    (await readWithSite())
  ) {
    const post = observed.postId ? await store.getPost(observed.postId) : undefined;
    if (!observed.postId || post?.sourceKey === key) return unchanged(observed.status);
  }
  const hash = contentHash(object);
  if (newerRows && after!.endsWith(`.${hash}`) && deps.after?.postId) {
    // The newest rows are a change cut short that read these very bytes: finish it with its own
    // token and its event's time, as its event's retry would (one token, one set of rows).
    const writer = await store.getPostWriter(deps.after.postId);
    if (writer?.post && writer.sourceKey === key && writer.sequencer === after) {
      return applyObject({ ...context, at: writer.post.updated, token: after!, etag: object.etag }, object, deps);
    }
  }
  const applied = await applyObject({ ...context, token: `${token}.${hash}`, etag: object.etag }, object, deps);
  if (applied.result !== 'skipped' || applied.postId === undefined) return applied;
  // The post item carries a newer token than this change: a change of this key running now wrote
  // it. If that change read these very bytes, finish it with its own token, as its event's retry
  // would.
  // Rows reindex listed are older than this token (`after`): this one came later, from an event
  // that may be newer than the object read here, so it is left to that event.
  const writer = await store.getPostWriter(applied.postId);
  if (!writer || writer.gone || writer.sourceKey !== key || !writer.sequencer.endsWith(`.${hash}`)) return applied;
  // One token, one set of rows: the change stamped its post with its event's time, not this one.
  return applyObject(
    { ...context, at: writer.post?.updated ?? context.at, token: writer.sequencer, etag: object.etag },
    object,
    deps,
  );
}

/** `base/000001`: after the state read (`base` is the real event's token, or none), before any later event. */
function nextReindexToken(observed: string | undefined): string {
  if (!observed) return `${NO_EVENT}/000001`;
  const [base, step] = observed.split('/');
  const count = step ? Number.parseInt(step.slice(0, 6), 10) : 0;
  return `${base}/${String(count + 1).padStart(6, '0')}`;
}

interface ChangeContext {
  key: string;
  token: string;
  at: string;
  etag?: string;
  /** siteFingerprint of the site config the object was read with. */
  site?: string;
  /** The key's state when the change began. */
  observed: SourceState | undefined;
  store: PostStore;
  scheduler?: PublishScheduler;
}

async function applyObject(readContext: ChangeContext, object: StoredObject, deps: IngestDeps): Promise<IngestOutcome> {
  const { site, fingerprint, refusal } = await currentSite(deps);
  const context = { ...readContext, ...(fingerprint ? { site: fingerprint } : {}) };
  let parsed: ParsedPost;
  try {
    if (!object.bytes) throw postTooLarge(object.size ?? Number.NaN, maxPostBytes(deps));
    if (refusal) throw refusal;
    parsed = await (deps.readPost ?? readPostInProcess)(context.key, object.bytes, {
      now: context.at,
      maxPostBytes: maxPostBytes(deps),
      iframeHosts: deps.iframeHosts,
      legacyHosts: deps.legacyHosts,
      site,
      timeZone: deps.timeZone,
    });
  } catch (error) {
    if (!(error instanceof PostRejected)) throw error;
    return settle(context, { status: 'failed', error: error.describe() }, KEEP);
  }
  if (!parsed.published) {
    const outcome = await settle(context, { status: 'unpublished' }, undefined);
    // Why (a draft, `published: false`, a file Jekyll does not read), as `npm run check` says it.
    return outcome.result === 'unpublished' && parsed.reason ? { ...outcome, reason: parsed.reason } : outcome;
  }

  const post = parsed.post;
  // Dated in the future: accepted and checked, public nowhere until its date (an embargo holds).
  // The call back is set before the state commits: one left by a change that loses the commit
  // finds another token and does nothing; a commit without its call back could wait forever.
  if (Date.parse(post.date) > clock(deps)) {
    const publishAt = post.date;
    await deps.scheduler?.schedule({ key: context.key, at: publishAt, token: context.token });
    return settle(context, { status: 'scheduled', publishAt }, undefined);
  }
  const base = context.observed?.published;
  // `updated` means updated: `last_modified_at` when the post gives it; else unchanged content
  // keeps its time (whatever id it ends up with: writePost may change it), a change of content is
  // the time of the change, and a first publish is the post's own date, so that an imported
  // archive is not all "updated today".
  if (!parsed.updatedGiven) {
    if (base?.contentHash === post.contentHash) post.updated = base.updated;
    else if (!base) post.updated = new Date(post.date).toISOString();
  }

  const written = await writePost(post, context, base);
  if (written === 'stale') {
    // A newer change of this key wrote the post: rows an earlier attempt of this one left are stale.
    await takeBack(post, context.key, context.token, context.store, shortCodeCandidates(post.id, base));
    return {
      key: context.key,
      result: 'skipped',
      reason: 'a newer event already wrote this post',
      feeds: [],
      postId: post.id,
    };
  }
  if ('rejected' in written) return settle(context, { status: 'failed', error: written.rejected }, KEEP);
  const outcome = await settle(context, { status: 'published' }, written.version, post, written.entriesChanged);
  // This post declares the id another key's post had only found in its body: that post moves to
  // its own id now (were this cut short, reindex finds its state naming a post it does not own).
  // Also when this change is skipped: the delivery or change that committed instead found the
  // post item already this key's, and does not know it took it from another.
  if (written.displaced) await reconcileKey(written.displaced, deps);
  return outcome;
}

/** Writes the post, its share links and its feed entries, each conditional on the token. */
async function writePost(
  post: Post,
  { key, token, store }: ChangeContext,
  base: PublishedVersion | undefined,
): Promise<
  'stale' | { rejected: string } | { version: PublishedVersion; entriesChanged: FeedRef[]; displaced?: string }
> {
  const refusal = await heldByAnother(post, key, store);
  if (refusal) return { rejected: refusal };
  const writer: ShareLinkWriter = { sourceKey: key, sequencer: token };
  let claimed = false;
  let displaced: string | undefined;
  let candidates = shortCodeCandidates(post.id, base);
  for (let attempt = 0; attempt < candidates.length; attempt++) {
    post.shortCode = candidates[attempt];
    // The post first: its item decides which object key owns the id, so a key that claims
    // someone else's id is refused before it touches any of that post's links.
    const put = await store.putPost(post, token);
    if (put === 'stale') return 'stale';
    if (typeof put === 'object' && 'ownedBy' in put) {
      if (!post.idFromBody) return { rejected: `post id "${post.id}" is already published by ${put.ownedBy}` };
      // The code this post only found in its body is another post's: this post is itself.
      post.id = keyDerivedId(key);
      delete post.idFromBody;
      candidates = shortCodeCandidates(post.id, base);
      attempt = -1;
      continue;
    }
    if (typeof put === 'object') displaced = put.displaced;
    if (await store.claimShareLink({ code: post.shortCode, postId: post.id, path: post.path }, writer)) {
      claimed = true;
      break;
    }
  }
  if (!claimed) {
    // The post item is this key's already: take it back, its page must not show a held code.
    await takeBack(post, key, token, store, []);
    return {
      rejected: `could not find a free short code for post id "${post.id}": ${candidates.length} candidates are held by other posts`,
    };
  }
  // The page path, exclusively: a post never takes another's page (a permalink that names it).
  const path = await store.claimPath({ path: post.path, postId: post.id }, writer);
  if (path !== true) {
    await takeBack(post, key, token, store, [post.shortCode]);
    return { rejected: `page path ${post.path} is already published by ${path.heldBy}` };
  }

  // The remaining rows are independent of each other: written at once.
  const entry = toFeedEntry(post);
  const { infoCode } = post;
  const feeds = feedsOf(post);
  const strength = post.infoCodeFromBody ? 'found' : 'declared';
  const [legacyClaimed, ...changed] = await allWrites([
    // A code found in the body and held by another post stays with it; this post keeps its short code.
    infoCode && infoCode !== post.shortCode
      ? store.claimShareLink({ code: infoCode, postId: post.id, path: post.path }, writer, strength)
      : Promise.resolve(false),
    ...feeds.map((ref) => store.putFeedEntry(ref, entry, token, key)),
  ]);
  if (infoCode && infoCode !== post.shortCode && !legacyClaimed && strength === 'declared') {
    const holder = await store.getShareLink(infoCode);
    const holderKey = holder && (await store.getPostWriter(holder.postId))?.sourceKey;
    await takeBack(post, key, token, store, [post.shortCode]);
    return { rejected: `infoCode "${infoCode}" is already published by ${holderKey ?? `post ${holder?.postId}`}` };
  }
  const shareCodes = legacyClaimed ? [post.shortCode, infoCode!] : [post.shortCode];
  // The post item gates its rows: whoever takes them back first overwrites or tombstones it. If
  // that happened meanwhile, rows written above may have landed after they were taken back.
  const writerNow = await store.getPostWriter(post.id);
  if (!writerNow || writerNow.gone || writerNow.sourceKey !== key || writerNow.sequencer !== token) return 'stale';
  // Feeds whose stored entry this change replaced with other content: usually feeds the commit
  // touches anyway, but not when it overwrote rows of an overtaken change that never committed.
  return {
    version: versionOf(post, shareCodes),
    entriesChanged: feeds.filter((_, index) => changed[index]),
    ...(displaced ? { displaced } : {}),
  };
}

/** Short codes a post may hold, in the order they are tried: the one it has, then its candidates. */
function shortCodeCandidates(id: string, base: PublishedVersion | undefined): string[] {
  const candidates = new Set<string>();
  if (base?.id === id && base.shareCodes[0]) candidates.add(base.shareCodes[0]);
  for (let attempt = 0; attempt < MAX_SHORT_CODE_ATTEMPTS; attempt++) candidates.add(shortCodeCandidate(id, attempt));
  return [...candidates];
}

/** Keep whatever the key publishes now (a refused upload leaves the last good version up). */
const KEEP = Symbol('keep');

async function settle(
  context: ChangeContext,
  next: { status: SourceState['status']; error?: string; publishAt?: string },
  target: PublishedVersion | undefined | typeof KEEP,
  written?: Post,
  entriesChanged: FeedRef[] = [],
): Promise<IngestOutcome> {
  const { key, token, store } = context;
  let base = context.observed;
  for (let round = 0; round < MAX_COMMIT_ROUNDS; round++) {
    let state: SourceState;
    let adopted = false;
    if (target === KEEP) {
      // A refusal changes the status only; the rows (and what they publish) stay.
      if (base && base.sequencer >= token) {
        return skipped(
          key,
          base.sequencer === token
            ? 'another delivery of the same event applied it'
            : 'a newer event for this key was applied meanwhile',
        );
      }
      state = {
        key,
        sequencer: token,
        status: 'failed',
        error: next.error,
        at: context.at,
        ...(context.etag ? { etag: context.etag } : {}),
        ...(context.site ? { site: context.site } : {}),
        ...(base?.published ? { postId: base.published.id, published: base.published } : {}),
        rowsSequencer: base ? rowsSequencerOf(base) : NO_EVENT,
      };
    } else {
      const rows = base && rowsSequencerOf(base);
      if (rows === token) return skipped(key, 'another delivery of the same event applied it');
      if (rows !== undefined && rows > token) {
        if (written) await takeBack(written, key, token, store, [written.shortCode]);
        return skipped(key, 'a newer event for this key was applied meanwhile');
      }
      if (base?.published) await retract(base.published, target, key, token, store);
      // Newer than the rows, older than a refused upload: these rows become the last good version.
      adopted = base !== undefined && base.sequencer > token;
      const rowsPart = target ? { postId: target.id, published: target } : {};
      state = adopted
        ? { ...withoutRows(base!), ...rowsPart, rowsSequencer: token }
        : {
            key,
            sequencer: token,
            status: next.status,
            at: context.at,
            ...(context.etag ? { etag: context.etag } : {}),
            ...(context.site ? { site: context.site } : {}),
            ...(next.publishAt ? { publishAt: next.publishAt } : {}),
            ...rowsPart,
          };
    }
    // Readers' cached documents follow the feed versions: move them on before the commit, so
    // that a failure between the row writes and the commit is repaired by the retry.
    if (target !== KEEP)
      await store.touchFeeds(uniqueFeeds([...changedFeeds(base?.published, target), ...entriesChanged]));
    if (await store.commitSourceState(state, base ?? null).then((result) => result.committed)) {
      if (base?.status === 'scheduled' && base.sequencer !== state.sequencer && context.scheduler) {
        // Moved, withdrawn or deleted: the call back of the change it replaces is no longer wanted.
        // Best effort: one left behind finds another token when it fires and does nothing.
        await context.scheduler.cancel({ key, token: base.sequencer }).catch(() => undefined);
      }
      return target === KEEP
        ? { key, result: 'rejected', error: next.error!, feeds: [] }
        : outcome(key, next, base?.published, target);
    }
    // Someone committed in between: decide again against what is there now.
    base = await readState(store, key);
  }
  throw new Error(`the state of ${key} kept changing; giving up for a retry`);
}

/** The write token of the change whose rows a state describes. */
function rowsSequencerOf(state: SourceState): string {
  return state.rowsSequencer ?? state.sequencer;
}

function withoutRows(state: SourceState): SourceState {
  const { postId: _postId, published: _published, rowsSequencer: _rows, revision: _revision, ...rest } = state;
  return rest;
}

function outcome(
  key: string,
  { status, publishAt }: { status: SourceState['status']; publishAt?: string },
  before: PublishedVersion | undefined,
  after: PublishedVersion | undefined,
): IngestOutcome {
  const feeds = changedFeeds(before, after);
  if (status === 'published') return { key, result: 'published', postId: after!.id, path: after!.path, feeds };
  if (status === 'scheduled') return { key, result: 'scheduled', publishAt: publishAt!, feeds };
  return {
    key,
    result: status === 'unpublished' ? 'unpublished' : 'deleted',
    ...(before ? { postId: before.id } : {}),
    feeds,
  };
}

function uniqueFeeds(refs: FeedRef[]): FeedRef[] {
  return [...new Map(refs.map((ref) => [feedKey(ref), ref])).values()];
}

/** Feeds whose entries differ between two versions of a key's post. */
function changedFeeds(before: PublishedVersion | undefined, after: PublishedVersion | undefined): FeedRef[] {
  const changed = new Map<string, FeedRef>();
  const beforeKeys = new Set(before?.feeds.map(feedKey));
  const afterKeys = new Set(after?.feeds.map(feedKey));
  const sameEntry = before !== undefined && after !== undefined && before.entryHash === after.entryHash;
  for (const ref of before?.feeds ?? []) if (!sameEntry || !afterKeys.has(feedKey(ref))) changed.set(feedKey(ref), ref);
  for (const ref of after?.feeds ?? []) if (!sameEntry || !beforeKeys.has(feedKey(ref))) changed.set(feedKey(ref), ref);
  return [...changed.values()];
}

/** Takes back what `base` published and `keep` does not publish again in the same place. */
async function retract(
  base: PublishedVersion,
  keep: PublishedVersion | undefined,
  key: string,
  token: string,
  store: PostStore,
): Promise<void> {
  // First the post item (a tombstone, unless this change rewrote it already): an older change
  // still writing these rows then finds out, and takes back what it wrote after this point.
  if (keep?.id !== base.id) await store.deletePost({ id: base.id, sourceKey: key }, token);
  const slot = (ref: FeedRef, version: PublishedVersion) => `${feedKey(ref)}\n${feedCursor(version)}`;
  const kept = new Set(keep?.feeds.map((ref) => slot(ref, keep)));
  const writer = { sourceKey: key, sequencer: token };
  const keptCodes = new Set(keep?.id === base.id ? keep.shareCodes : []);
  // The feeds' versions move on in settle, before the commit.
  await allWrites<unknown>([
    ...base.feeds
      .filter((ref) => !kept.has(slot(ref, base)))
      .map((ref) => store.deleteFeedEntry(ref, base, token, key)),
    ...base.shareCodes
      .filter((code) => !keptCodes.has(code))
      .map((code) => store.markShareLinkGone(code, base.id, writer)),
    // A path kept by a new id was claimed anew already; release would not find the old id on it.
    ...(keep?.path === base.path ? [] : [store.releasePath(base.path, base.id, writer)]),
  ]);
}

/**
 * A page path or a declared infoCode another post holds refuses the change before it writes
 * anything, so that a refused edit leaves the version already published as it was (taking back
 * rows after the post item was overwritten would unpublish it). Two changes racing for one path
 * or code in between are still decided by the conditional claims in writePost.
 */
async function heldByAnother(post: Post, key: string, store: PostStore): Promise<string | undefined> {
  // Also when the post's id is its infoCode: the post item does not hold the share link, and a
  // link another post declared would refuse the claim only after the post item was overwritten.
  const declared = post.infoCode && !post.infoCodeFromBody ? post.infoCode : undefined;
  const [claim, legacy] = await Promise.all([
    store.getPathClaim(post.path),
    declared ? store.getShareLink(declared) : undefined,
  ]);
  // What claimPath would refuse: a live claim of another post and another object key.
  if (claim && !claim.gone && claim.postId !== post.id && claim.sourceKey !== key)
    return `page path ${post.path} is already published by ${claim.sourceKey}`;
  if (legacy && legacy.postId !== post.id && !legacy.fromBody) {
    const holderKey = (await store.getPostWriter(legacy.postId))?.sourceKey;
    return `infoCode "${declared}" is already published by ${holderKey ?? `post ${legacy.postId}`}`;
  }
  return undefined;
}

/**
 * A change overtaken by a newer one removes its own rows, wherever no newer token overwrote them,
 * and moves its feeds' versions on whether or not it removed anything: a reader may have cached
 * a feed while this change's entry was in it, and the newer change that overwrote the entry may
 * have written what was there before (so its own commit touches nothing).
 */
async function takeBack(post: Post, key: string, token: string, store: PostStore, shortCodes: string[]): Promise<void> {
  await store.deletePost({ id: post.id, sourceKey: key }, token);
  const writer = { sourceKey: key, sequencer: token };
  await allWrites<unknown>([
    ...feedsOf(post).map((ref) => store.deleteFeedEntry(ref, post, token, key)),
    ...[...new Set([...shortCodes, ...(post.infoCode ? [post.infoCode] : [])])].map((code) =>
      store.markShareLinkGone(code, post.id, writer),
    ),
    store.releasePath(post.path, post.id, writer),
  ]);
  await store.touchFeeds(feedsOf(post));
}

/**
 * The key's state. A state written before states recorded their rows (`published`) names only
 * its post: the rows are then read from that post, so the next change can take them back.
 */
async function readState(store: PostStore, key: string): Promise<SourceState | undefined> {
  const state = await store.getSourceState(key);
  if (!state?.postId || state.published) return state;
  const post = await store.getPost(state.postId);
  if (!post || post.sourceKey !== key) return state;
  return {
    ...state,
    published: versionOf(post, [
      post.shortCode,
      ...(post.infoCode && post.infoCode !== post.shortCode ? [post.infoCode] : []),
    ]),
  };
}

function versionOf(post: Post, shareCodes: string[]): PublishedVersion {
  const entry = toFeedEntry(post);
  const files = referencedFiles(post)
    .slice(0, MAX_RECORDED_FILES)
    .map((file) => file.key);
  return {
    id: post.id,
    date: post.date,
    path: post.path,
    feeds: feedsOf(post),
    shareCodes,
    contentHash: post.contentHash,
    updated: post.updated,
    entryHash: createHash('sha256').update(JSON.stringify(entry)).digest('hex'),
    ...(files.length > 0 ? { files } : {}),
  };
}

function skipped(key: string, reason: string): IngestOutcome {
  return { key, result: 'skipped', reason, feeds: [] };
}

/** What a token says of the object a change read: a hash of its bytes (of its ETag and size when too large to read). */
function contentHash(object: StoredObject): string {
  const hash = createHash('sha256');
  if (object.bytes) hash.update(object.bytes);
  else hash.update(`unread\0${object.etag ?? ''}\0${object.size ?? ''}`);
  return hash.digest('hex').slice(0, 16);
}
