import type { FeedEntry, FeedRef, Post, TaxonomyKind } from './post';
import type { SiteDefaults } from './site-config';

/** What ingest last did with an object key. Kept after a delete, as a tombstone. */
export interface SourceState {
  key: string;
  /**
   * Write token of the change applied: the event part of its S3 sequencer (`eventPart` in
   * functions/core/sequencer.ts), then `.` and a hash of the bytes read, or `/…` for a reindex
   * step just after the state it saw (functions/core/ingest.ts).
   */
  sequencer: string;
  status: 'published' | 'unpublished' | 'scheduled' | 'deleted' | 'failed';
  /** `scheduled`: the instant the post goes live (its date, RFC 3339), by publishDue in functions/core/ingest.ts. */
  publishAt?: string;
  /** The post this key currently publishes (kept while a broken re-upload is refused). */
  postId?: string;
  /** Why the last upload was refused, `line 3, column 7: …`. */
  error?: string;
  /** When the event happened (S3 event time). */
  at: string;
  /** ETag of the object version read, so reindex can tell an up-to-date key without reading it. */
  etag?: string;
  /**
   * The site's _config.yml settings the post was read with (`siteFingerprint`), absent without
   * one: reindex applies again every key read with other settings, so a change of permalink
   * style moves every post.
   */
  site?: string;
  /** What this key publishes now, so that the next change can take exactly that back. */
  published?: PublishedVersion;
  /**
   * Write token of the change whose rows are in place, when not `sequencer`: a refused
   * upload keeps the rows of an older change (see functions/core/ingest.ts).
   */
  rowsSequencer?: string;
  /** Incremented by every commit: what a compare-and-swap compares. Set by the store. */
  revision?: number;
}

/** The rows a published post occupies besides its own item. */
export interface PublishedVersion {
  id: string;
  date: string;
  path: string;
  feeds: FeedRef[];
  /** Short code, and the legacy infoCode when the post holds that link too. */
  shareCodes: string[];
  contentHash: string;
  updated: string;
  /** Hash of the feed entry as written: equal hashes mean unchanged entries. */
  entryHash: string;
  /**
   * Object keys of the site's files the post refers to (functions/core/referenced-files.ts), at
   * most MAX_RECORDED_FILES; absent when none. `npm run errors` reports those not in the bucket.
   */
  files?: string[];
}

/** Files recorded per post: enough for any article, and a bounded share of a state item's 400 KB. */
export const MAX_RECORDED_FILES = 100;

/**
 * How a legacy code is claimed: `found` in a link in the body (gives way to any post that
 * declares the code), or `declared` (takes a code only found by another post). Short codes are
 * neither: first come.
 */
export type ClaimStrength = 'found' | 'declared';

/** Who writes a share link: the object key and the write token of its change. */
export interface ShareLinkWriter {
  sourceKey: string;
  sequencer: string;
}

/** What reindex compares with the bucket: every key's state, who owns each post, and every row that names or lists one. */
export interface SourceInventory {
  states: SourceState[];
  posts: Array<Pick<Post, 'id' | 'sourceKey' | 'contentHash'>>;
  rows: OwnedRow[];
}

/**
 * A row of a post's, as reindex's sweep sees it: the post item (live or a tombstone), a feed
 * entry, a live share link, a live page-path claim. `sequencer` is the token of the change that
 * wrote it; the sweep removes a row only if that is still the token (removeLeftover).
 */
export type OwnedRow =
  | { kind: 'post'; postId: string; sourceKey: string; sequencer: string; gone: boolean }
  | { kind: 'entry'; postId: string; feed: FeedRef; cursor: string; sequencer: string; sourceKey?: string }
  | { kind: 'share'; postId: string; code: string; sourceKey?: string; sequencer?: string }
  | { kind: 'path'; postId: string; path: string; sourceKey: string; sequencer: string };

export type PageAt = { post: Post } | { movedTo: string } | { gone: true };

/** Who holds a page path: the post, and the change that claimed it for that post. */
export interface PathClaim {
  path: string;
  postId: string;
  sourceKey: string;
  sequencer: string;
  /**
   * Released: the post moved (its page is now at the post's path: a redirect) or was deleted (410).
   * A released claim is kept, naming its post, so that every former URL keeps answering.
   */
  gone: boolean;
}

export interface ShareLink {
  code: string;
  postId: string;
  /** Decoded site path of the post. */
  path: string;
  /** The post was deleted or unpublished: answer 410. */
  gone: boolean;
  /** Claimed by a post that only found the code in its body: a post declaring it takes it. */
  fromBody?: boolean;
}

/** Changes whenever an entry of the feed is added, changed or removed. */
export interface FeedMeta {
  version: number;
  /** RFC 3339 instant of the last change. */
  lastModified: string;
}

export interface FeedPage {
  entries: FeedEntry[];
  /** Present on the newest page of a feed that has ever had an entry. */
  meta?: FeedMeta;
  /** Cursor for the entries older than the last one returned, when there are any. */
  older?: string;
}

/**
 * `displaced`: written, taking the id from another key's post that had only found it in its body
 * (functions/core/post.ts, idFromBody); that key's post must move to its own id.
 */
export type PutPostResult = 'written' | 'stale' | { ownedBy: string } | { displaced: string };

export interface PostWriter {
  sourceKey: string;
  sequencer: string;
  /** The post was deleted; the item is a tombstone. */
  gone: boolean;
  /** The post as that change wrote it (not for a tombstone): read with the writer, in one read. */
  post?: Post;
}

/**
 * Everything ingest and the read side need from storage. One DynamoDB implementation
 * (functions/adapters/dynamo-store.ts); writes are conditional on the event sequencer
 * so that duplicated and out-of-order events converge without transactions.
 */
export interface PostStore {
  /** Strongly consistent: ingest decides on it. */
  getSourceState(key: string): Promise<SourceState | undefined>;
  /**
   * Writes the state if the stored one is still `expected` (same revision; null: no state
   * stored), or, without `expected`, unless a newer event was already committed for the key.
   * Maintains the FAILURES listing.
   */
  commitSourceState(
    state: SourceState,
    expected?: SourceState | null,
  ): Promise<{ committed: boolean; previous?: SourceState }>;
  /** Keys whose last upload was refused, with the reason (checked against each key's state). */
  listFailedSources(): Promise<SourceState[]>;
  /** Every key's state and every post's owner: one pass over the table, for reindex. */
  listSources(): Promise<SourceInventory>;

  getPost(id: string): Promise<Post | undefined>;
  /**
   * Fails with `ownedBy` when another object key already publishes a post with this id (a deleted
   * post's id is free), 'stale' when a newer change of the same key wrote it. A post that declares
   * its id takes it from one that only found it in its body (`displaced`).
   */
  putPost(post: Post, sequencer: string): Promise<PutPostResult>;
  /**
   * Deletes the post if its object key still owns it and no newer event wrote it. Leaves a
   * tombstone (no path, not readable) carrying the sequencer, so an older change of the key
   * cannot write the post again.
   */
  deletePost(post: Pick<Post, 'id' | 'sourceKey'>, sequencer: string): Promise<void>;
  /** Who last wrote the post item (tombstone included), read strongly consistent. */
  getPostWriter(id: string): Promise<PostWriter | undefined>;
  /** The post whose page is at `path`: the one holding the path's claim. */
  findPostByPath(path: string): Promise<Post | undefined>;
  /**
   * What a page path is now: a post's page; a post's former page (`movedTo` its page now);
   * a page whose post was deleted (`gone`); or nothing ever published there (undefined).
   */
  findPage(path: string): Promise<PageAt | undefined>;
  /**
   * Claims a page path for a post, so that no other post can publish a page there: taken when
   * free or released, when the same object key claimed it with an older change, or when the
   * claim names this post (the post moved to another key; the post item decides who owns an
   * id). Otherwise `heldBy`, the object key holding it.
   */
  claimPath(claim: Pick<PathClaim, 'path' | 'postId'>, writer: ShareLinkWriter): Promise<true | { heldBy: string }>;
  /** The claim on a page path, released or not; one read. */
  getPathClaim(path: string): Promise<PathClaim | undefined>;
  /** Releases the claim if this post holds it and no newer change of the key wrote it. */
  releasePath(path: string, postId: string, writer: ShareLinkWriter): Promise<void>;
  /** Removes (tombstones, releases) a row reindex found no state describes, if no change wrote it since it was listed. */
  removeLeftover(row: OwnedRow): Promise<boolean>;

  /**
   * Writes the entry unless a newer event wrote it; true when that changed what the feed holds
   * (a new entry, or other content in its place). The feed's version is left to touchFeeds.
   */
  putFeedEntry(ref: FeedRef, entry: FeedEntry, sequencer: string, sourceKey?: string): Promise<boolean>;
  /**
   * Removes the entry if it was written by an event no newer than `sequencer` (and, given
   * `sourceKey`, by that object key: tokens order one key's changes only); true when it did.
   * Versions: touchFeeds.
   */
  deleteFeedEntry(
    ref: FeedRef,
    entry: Pick<FeedEntry, 'id' | 'date'>,
    sequencer: string,
    sourceKey?: string,
  ): Promise<boolean>;
  /** Newest first, at most `limit`: one Query, whatever the size of the site. */
  queryFeed(ref: FeedRef, limit: number): Promise<FeedEntry[]>;
  /**
   * One page of a feed, newest first, in one Query: the newest `limit` entries with the
   * feed's version (no `before`), or the `limit` entries older than the cursor `before`.
   */
  readFeed(ref: FeedRef, limit: number, before?: string): Promise<FeedPage>;
  /**
   * The entry next to `cursor` in a feed: the one just older, or just newer; undefined at either end.
   * One Query of one item (two for `newer`, where the feed's version sorts after every entry).
   */
  neighbourEntry(ref: FeedRef, cursor: string, direction: 'older' | 'newer'): Promise<FeedEntry | undefined>;
  /** The feed's version alone: one small read, enough to answer a conditional GET. */
  getFeedMeta(ref: FeedRef): Promise<FeedMeta | undefined>;
  /**
   * Moves the feeds' versions on. Entry writes and removals do not: ingest does it for every
   * feed whose entries a change added, changed or removed, after writing the rows and before
   * committing (so a retry after a failure in between still does), and for every feed of rows
   * it takes back.
   */
  touchFeeds(refs: FeedRef[]): Promise<void>;
  /** Names with at least one post, and how many. */
  listNames(kind: TaxonomyKind): Promise<Array<{ name: string; count: number }>>;
  /**
   * Sets each name's count (those stored, and `names`) to the entries its feed holds, unless a
   * change moved the count meanwhile; returns how many were corrected. For reindex: a count is a
   * second write after its entry's, which a crash in between leaves behind. Kind `day`: the
   * site feed's entries of that UTC day (sitemapDay), which the sitemaps list.
   */
  recountNames(names: Array<{ kind: TaxonomyKind | 'day'; name: string }>): Promise<number>;

  /**
   * What the sitemap index lists, in one Query (more only past DynamoDB's 1 MB page): every UTC
   * day with posts (how many, and when its posts last changed) and every category and tag with
   * posts. Maintained by the writes of the site feed's entries and of the names' counts.
   */
  readSitemapIndex(): Promise<SitemapListing>;
  /** The pages of the posts of one UTC day, oldest first, from the `skip`th on, at most `limit`: one Query per 1 MB. */
  readSitemapDay(day: string, skip: number, limit: number): Promise<SitemapUrl[]>;
  /**
   * The site feed's entries dated at or after `since` (an RFC 3339 instant), newest first, at
   * most `limit`, with the feed's version: one Query, as readFeed (more only past 1 MB).
   */
  readRecent(since: string, limit: number): Promise<FeedPage>;

  /**
   * Claims a share code for a post; false when another post holds it. Revives a gone link.
   * With a writer, a newer change of the same object key is never overwritten (the link
   * stays the post's: true).
   */
  claimShareLink(link: Omit<ShareLink, 'gone'>, writer?: ShareLinkWriter, strength?: ClaimStrength): Promise<boolean>;
  /** With a writer, only a link that writer's object key wrote, with no newer change. */
  markShareLinkGone(code: string, postId: string, writer?: ShareLinkWriter): Promise<void>;
  getShareLink(code: string): Promise<ShareLink | undefined>;

  /** The authority of feed item ids, as recorded when the site first published (functions/core/site-identity.ts). */
  getIdAuthority(): Promise<string | undefined>;
  /** Records `authority` unless one is recorded; returns the recorded one. */
  recordIdAuthority(authority: string): Promise<string>;

  /** The site's _config.yml title, description and url, as ingest last read them. */
  getSiteDefaults(): Promise<SiteDefaults | undefined>;
  /** Records them, unless a newer event of the config (`sequencer`: an eventPart) recorded others. */
  putSiteDefaults(defaults: SiteDefaults, sequencer: string): Promise<void>;
}

/** A page a sitemap lists: its decoded path and when it last changed. */
export interface SitemapUrl {
  path: string;
  updated: string;
}

export interface SitemapListing {
  days: Array<{ day: string; count: number; lastModified?: string }>;
  names: Array<{ kind: TaxonomyKind; name: string; count: number }>;
}

/** The UTC day (`2022-01-11`) whose sitemap lists an entry: the date its place in the site feed starts with. */
export function sitemapDay(entry: Pick<FeedEntry, 'id' | 'date'>): string {
  return feedCursor(entry).slice(0, 10);
}

/** Where an entry sits in its feed: newest first by instant, the id breaking ties. Also the paging cursor. */
export function feedCursor(entry: Pick<FeedEntry, 'id' | 'date'>): string {
  return `${new Date(entry.date).toISOString()}#${entry.id}`;
}
