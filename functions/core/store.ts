import type { FeedEntry, FeedRef, Post, TaxonomyKind } from './post';

/** What ingest last did with an object key. Kept after a delete, as a tombstone. */
export interface SourceState {
  key: string;
  /** S3 sequencer of the event applied, normalized by `normalizeSequencer`. */
  sequencer: string;
  status: 'published' | 'unpublished' | 'deleted' | 'failed';
  /** The post this key currently publishes (kept while a broken re-upload is refused). */
  postId?: string;
  /** Why the last upload was refused, `line 3, column 7: …`. */
  error?: string;
  /** When the event happened (S3 event time). */
  at: string;
}

export interface ShareLink {
  code: string;
  postId: string;
  /** Decoded site path of the post. */
  path: string;
  /** The post was deleted or unpublished: answer 410. */
  gone: boolean;
}

export type PutPostResult = 'written' | 'stale' | { ownedBy: string };

/**
 * Everything ingest and the read side need from storage. One DynamoDB implementation
 * (functions/adapters/dynamo-store.ts); writes are conditional on the event sequencer
 * so that duplicated and out-of-order events converge without transactions.
 */
export interface PostStore {
  getSourceState(key: string): Promise<SourceState | undefined>;
  /** Writes the state unless a newer event was already committed for the key. */
  commitSourceState(state: SourceState): Promise<{ committed: boolean; previous?: SourceState }>;
  listFailedSources(): Promise<SourceState[]>;

  getPost(id: string): Promise<Post | undefined>;
  /** Fails with `ownedBy` when another object key already publishes a post with this id. */
  putPost(post: Post, sequencer: string): Promise<PutPostResult>;
  /** Deletes the post if its object key still owns it and no newer event wrote it. */
  deletePost(post: Pick<Post, 'id' | 'sourceKey'>, sequencer: string): Promise<void>;
  findPostByPath(path: string): Promise<Post | undefined>;

  putFeedEntry(ref: FeedRef, entry: FeedEntry, sequencer: string): Promise<void>;
  /** Removes the entry if it was written by an event no newer than `sequencer`. */
  deleteFeedEntry(ref: FeedRef, entry: Pick<FeedEntry, 'id' | 'date'>, sequencer: string): Promise<void>;
  /** Newest first, at most `limit`: one Query, whatever the size of the site. */
  queryFeed(ref: FeedRef, limit: number): Promise<FeedEntry[]>;
  /** Names with at least one post, and how many. */
  listNames(kind: TaxonomyKind): Promise<Array<{ name: string; count: number }>>;

  /** Claims a share code for a post; false when another post holds it. Revives a gone link. */
  claimShareLink(link: Omit<ShareLink, 'gone'>): Promise<boolean>;
  markShareLinkGone(code: string, postId: string): Promise<void>;
  getShareLink(code: string): Promise<ShareLink | undefined>;
}

/**
 * S3 sequencers are hex strings whose lengths may differ between events; compare them
 * after left-padding to one length.
 */
export function normalizeSequencer(sequencer: string): string {
  return sequencer.toUpperCase().padStart(32, '0');
}
