import { addToInventory } from '../../functions/adapters/dynamo-store';
import { allWrites } from '../../functions/core/all-writes';
import { type FeedEntry, type FeedRef, type Post, sameFeedEntry, type TaxonomyKind } from '../../functions/core/post';
import type { SiteDefaults } from '../../functions/core/site-config';
import {
  type ClaimStrength,
  type FeedMeta,
  type FeedPage,
  feedCursor,
  type OwnedRow,
  type PageAt,
  type PathClaim,
  type PostStore,
  type PostWriter,
  type PutPostResult,
  type ShareLink,
  type ShareLinkWriter,
  type SitemapListing,
  type SitemapUrl,
  type SourceInventory,
  type SourceState,
  sitemapDay,
} from '../../functions/core/store';
import { feedKey, writtenName } from '../../functions/core/urls';

/** One stored row, as DynamoPostStore lays it out: `pk`, `sk` and attributes. */
export type Row = Record<string, unknown> & { pk: string; sk: string };

/**
 * Called before every single-row operation, where DynamoPostStore sends one request: the
 * points at which two changes running at once can interleave. Resolve it later to let
 * another change run first.
 */
export type Step = (operation: string) => Promise<void>;

const FEED_META = '~META';
const POST_FIELDS = [
  'id',
  'idFromBody',
  'infoCode',
  'infoCodeFromBody',
  'sourceKey',
  'title',
  'date',
  'updated',
  'categories',
  'tags',
  'author',
  'path',
  'shortCode',
  'html',
  'summary',
  'contentHash',
  'extra',
] as const;
const ENTRY_FIELDS = [
  'id',
  'title',
  'date',
  'updated',
  'categories',
  'tags',
  'author',
  'path',
  'shortCode',
  'html',
  'summary',
  'image',
  'enclosure',
] as const;
const STATE_FIELDS = [
  'key',
  'sequencer',
  'status',
  'postId',
  'error',
  'at',
  'etag',
  'site',
  'published',
  'rowsSequencer',
  'revision',
  'publishAt',
] as const;

/**
 * The same rows, under the same conditions, as functions/adapters/dynamo-store.ts, in memory:
 * each method performs the same sequence of single-row conditional operations, each atomic,
 * with a `step` before each. test/integration/ingest-history.test.ts checks that both stores
 * end with the same rows after the same histories.
 */
export class MemoryPostStore implements PostStore {
  private readonly rows = new Map<string, Row>();
  /** Fails the next operations whose name matches, to simulate a throttled or timed-out request. */
  failNext: Array<{ operation: RegExp; error: Error }> = [];

  /** Replace with a no-op once the changes under test are done, to inspect the store freely. */
  step: Step;

  constructor(step: Step = async () => {}) {
    this.step = step;
  }

  /** Every row, sorted by key: what a test compares. */
  dump(): Row[] {
    return [...this.rows.values()].map(clone).sort((a, b) => (`${a.pk}\0${a.sk}` < `${b.pk}\0${b.sk}` ? -1 : 1));
  }

  deleteRows(predicate: (row: Row) => boolean): void {
    for (const [id, row] of this.rows) if (predicate(row)) this.rows.delete(id);
  }

  async getSourceState(key: string): Promise<SourceState | undefined> {
    await this.op('getSourceState');
    const row = this.get(`SOURCE#${key}`, 'STATE');
    return row && (pick(row, STATE_FIELDS) as unknown as SourceState);
  }

  async commitSourceState(
    state: SourceState,
    expected?: SourceState | null,
  ): Promise<{ committed: boolean; previous?: SourceState }> {
    if (state.status === 'failed') {
      await this.op('putFailure');
      const listed = this.get('FAILURES', state.key);
      if (!listed || String(listed.sequencer) <= state.sequencer) {
        this.put({ pk: 'FAILURES', sk: state.key, key: state.key, sequencer: state.sequencer });
      }
    }
    await this.op('commitSourceState');
    const current = this.get(`SOURCE#${state.key}`, 'STATE');
    const allowed =
      expected === undefined
        ? !current || String(current.sequencer) < state.sequencer
        : expected === null
          ? !current
          : current !== undefined &&
            (expected.revision === undefined
              ? current.revision === undefined && current.sequencer === expected.sequencer
              : current.revision === expected.revision);
    if (!allowed) return { committed: false };
    this.put({ pk: `SOURCE#${state.key}`, sk: 'STATE', ...state, revision: (expected?.revision ?? 0) + 1 });
    const previous = current && (pick(current, STATE_FIELDS) as unknown as SourceState);
    if (state.status !== 'failed' && previous?.status === 'failed') {
      await this.op('deleteFailure');
      const listed = this.get('FAILURES', state.key);
      if (listed && String(listed.sequencer) <= state.sequencer) this.delete('FAILURES', state.key);
    }
    return { committed: true, previous };
  }

  async listFailedSources(): Promise<SourceState[]> {
    await this.op('queryFailures');
    const failed: SourceState[] = [];
    for (const row of this.partition('FAILURES')) {
      const state = await this.getSourceState(String(row.key));
      if (state?.status === 'failed') failed.push(state);
    }
    return failed;
  }

  async listSources(): Promise<SourceInventory> {
    await this.op('scanSources');
    const inventory: SourceInventory = { states: [], posts: [], rows: [] };
    for (const row of this.rows.values()) addToInventory(inventory, clone(row));
    return inventory;
  }

  async getPost(id: string): Promise<Post | undefined> {
    await this.op('getPost');
    const row = this.get(`POST#${id}`, 'POST');
    return row && !row.gone ? (pick(row, POST_FIELDS) as unknown as Post) : undefined;
  }

  async getPostWriter(id: string): Promise<PostWriter | undefined> {
    await this.op('getPostWriter');
    const row = this.get(`POST#${id}`, 'POST');
    return (
      row && {
        sourceKey: String(row.sourceKey),
        sequencer: String(row.sequencer),
        gone: row.gone === true,
        ...(row.gone ? {} : { post: pick(row, POST_FIELDS) as unknown as Post }),
      }
    );
  }

  async putPost(post: Post, sequencer: string): Promise<PutPostResult> {
    await this.op('putPost');
    const current = this.get(`POST#${post.id}`, 'POST');
    if (
      !current ||
      (current.sourceKey === post.sourceKey && String(current.sequencer) <= sequencer) ||
      (current.sourceKey !== post.sourceKey && current.gone === true) ||
      (current.sourceKey !== post.sourceKey && current.idFromBody === true && !post.idFromBody)
    ) {
      this.put({ pk: `POST#${post.id}`, sk: 'POST', ...post, pagePath: post.path, sequencer });
      return current && current.sourceKey !== post.sourceKey && !current.gone
        ? { displaced: String(current.sourceKey) }
        : 'written';
    }
    await this.op('getPostOwner');
    const now = this.get(`POST#${post.id}`, 'POST');
    return now && now.sourceKey !== post.sourceKey && !now.gone ? { ownedBy: String(now.sourceKey) } : 'stale';
  }

  async deletePost(post: Pick<Post, 'id' | 'sourceKey'>, sequencer: string): Promise<void> {
    await this.op('deletePost');
    const current = this.get(`POST#${post.id}`, 'POST');
    if (current && current.sourceKey === post.sourceKey && String(current.sequencer) <= sequencer) {
      this.put({ pk: `POST#${post.id}`, sk: 'POST', id: post.id, sourceKey: post.sourceKey, sequencer, gone: true });
    }
  }

  async findPostByPath(path: string): Promise<Post | undefined> {
    const page = await this.findPage(path);
    return page && 'post' in page ? page.post : undefined;
  }

  async findPage(path: string): Promise<PageAt | undefined> {
    await this.op('getPathClaim');
    const claim = this.get(`PATH#${path}`, 'PATH');
    if (claim) {
      const post = await this.getPost(String(claim.postId));
      if (!post) return claim.gone ? { gone: true } : undefined;
      if (post.path === path) return claim.gone ? undefined : { post };
      return { movedTo: post.path };
    }
    await this.op('findPostByPath');
    const row = [...this.rows.values()].find((candidate) => candidate.pagePath === path && !candidate.gone);
    return row && { post: pick(row, POST_FIELDS) as unknown as Post };
  }

  async claimPath(
    claim: Pick<PathClaim, 'path' | 'postId'>,
    writer: ShareLinkWriter,
  ): Promise<true | { heldBy: string }> {
    await this.op('claimPath');
    const current = this.get(`PATH#${claim.path}`, 'PATH');
    const allowed =
      !current ||
      (current.sourceKey === writer.sourceKey && String(current.sequencer) <= writer.sequencer) ||
      (current.sourceKey !== writer.sourceKey && (current.gone === true || current.postId === claim.postId));
    if (allowed) {
      this.put({ pk: `PATH#${claim.path}`, sk: 'PATH', ...claim, ...writer, gone: false });
      return true;
    }
    await this.op('getPathOwner');
    const now = this.get(`PATH#${claim.path}`, 'PATH');
    return now?.sourceKey === writer.sourceKey ? true : { heldBy: String(now?.sourceKey) };
  }

  async getPathClaim(path: string): Promise<PathClaim | undefined> {
    await this.op('getPathClaim');
    const row = this.get(`PATH#${path}`, 'PATH');
    return row && (pick(row, ['path', 'postId', 'sourceKey', 'sequencer', 'gone']) as unknown as PathClaim);
  }

  async releasePath(path: string, postId: string, writer: ShareLinkWriter): Promise<void> {
    await this.op('releasePath');
    const current = this.get(`PATH#${path}`, 'PATH');
    if (
      current &&
      current.postId === postId &&
      current.sourceKey === writer.sourceKey &&
      String(current.sequencer) <= writer.sequencer
    ) {
      this.put({ ...current, gone: true, sequencer: writer.sequencer });
    }
  }

  async removeLeftover(row: OwnedRow): Promise<boolean> {
    await this.op('removeLeftover');
    const [pk, sk] =
      row.kind === 'post'
        ? [`POST#${row.postId}`, 'POST']
        : row.kind === 'entry'
          ? [`FEED#${feedKey(row.feed)}`, row.cursor]
          : row.kind === 'share'
            ? [`SHARE#${row.code}`, 'SHARE']
            : [`PATH#${row.path}`, 'PATH'];
    const current = this.get(pk, sk);
    if (!current || current.sequencer !== row.sequencer) return false;
    if (row.kind === 'post') {
      if (current.sourceKey !== row.sourceKey) return false;
      this.put({ pk, sk, id: row.postId, sourceKey: row.sourceKey, sequencer: row.sequencer, gone: true });
    } else if (row.kind === 'entry') {
      this.delete(pk, sk);
      const entry = current as unknown as { categories: string[]; tags: string[] };
      if (row.feed.kind !== 'site') await this.countName(row.feed.kind, writtenName(row.feed, [entry]).name, -1);
      else await this.countName('day', row.cursor.slice(0, 10), -1);
    } else {
      if (current.postId !== row.postId) return false;
      this.put({ ...current, gone: true });
    }
    return true;
  }

  async putFeedEntry(ref: FeedRef, entry: FeedEntry, sequencer: string, sourceKey?: string): Promise<boolean> {
    await this.op('putFeedEntry');
    const pk = `FEED#${feedKey(ref)}`;
    const old = this.get(pk, feedCursor(entry));
    if (
      old &&
      !(String(old.sequencer) <= sequencer) &&
      !(sourceKey !== undefined && old.sourceKey !== undefined && old.sourceKey !== sourceKey)
    )
      return false;
    this.put({
      pk,
      sk: feedCursor(entry),
      ...entry,
      sequencer,
      ...(sourceKey === undefined ? {} : { sourceKey }),
      ...(ref.kind === 'site' ? { sitemap: `day#${sitemapDay(entry)}` } : {}),
    });
    const changed = !old || !sameFeedEntry(old as unknown as FeedEntry, entry);
    if (!old)
      await this.countName(
        ref.kind === 'site' ? 'day' : ref.kind,
        ref.kind === 'site' ? sitemapDay(entry) : ref.name,
        1,
      );
    else if (changed && ref.kind === 'site') await this.countName('day', sitemapDay(entry), 0);
    return changed;
  }

  async deleteFeedEntry(
    ref: FeedRef,
    entry: Pick<FeedEntry, 'id' | 'date'>,
    sequencer: string,
    sourceKey?: string,
  ): Promise<boolean> {
    await this.op('deleteFeedEntry');
    const pk = `FEED#${feedKey(ref)}`;
    const old = this.get(pk, feedCursor(entry));
    if (!old || !(String(old.sequencer) <= sequencer)) return false;
    if (sourceKey !== undefined && old.sourceKey !== undefined && old.sourceKey !== sourceKey) return false;
    this.delete(pk, feedCursor(entry));
    await this.countName(
      ref.kind === 'site' ? 'day' : ref.kind,
      ref.kind === 'site' ? sitemapDay(entry) : ref.name,
      -1,
    );
    return true;
  }

  async queryFeed(ref: FeedRef, limit: number): Promise<FeedEntry[]> {
    return (await this.readFeed(ref, limit)).entries;
  }

  async readFeed(ref: FeedRef, limit: number, before?: string): Promise<FeedPage> {
    await this.op('readFeed');
    const rows = this.partition(`FEED#${feedKey(ref)}`)
      .filter((row) => before === undefined || row.sk < before)
      .sort((a, b) => (a.sk < b.sk ? 1 : -1))
      .slice(0, limit + (before === undefined ? 2 : 1));
    const metaRow = rows[0]?.sk === FEED_META ? rows.shift() : undefined;
    const page = rows.slice(0, limit);
    return {
      entries: page.map((row) => pick(row, ENTRY_FIELDS) as unknown as FeedEntry),
      ...(metaRow ? { meta: toFeedMeta(metaRow) } : {}),
      ...(rows.length > limit ? { older: page[page.length - 1].sk } : {}),
    };
  }

  async neighbourEntry(ref: FeedRef, cursor: string, direction: 'older' | 'newer'): Promise<FeedEntry | undefined> {
    await this.op('neighbourEntry');
    const rows = this.partition(`FEED#${feedKey(ref)}`)
      .filter((row) => row.sk !== FEED_META && (direction === 'older' ? row.sk < cursor : row.sk > cursor))
      .sort((a, b) => (a.sk < b.sk ? -1 : 1));
    const row = direction === 'older' ? rows[rows.length - 1] : rows[0];
    return row && (pick(row, ENTRY_FIELDS) as unknown as FeedEntry);
  }

  async getFeedMeta(ref: FeedRef): Promise<FeedMeta | undefined> {
    await this.op('getFeedMeta');
    const row = this.get(`FEED#${feedKey(ref)}`, FEED_META);
    return row && toFeedMeta(row);
  }

  async listNames(kind: TaxonomyKind): Promise<Array<{ name: string; count: number }>> {
    await this.op('listNames');
    return this.partition(`NAMES#${kind}`)
      .map((row) => ({ name: String(row.name), count: Number(row.count) }))
      .filter(({ count }) => count > 0);
  }

  async recountNames(names: Array<{ kind: TaxonomyKind | 'day'; name: string }>): Promise<number> {
    let corrected = 0;
    for (const kind of ['category', 'tag', 'day'] as const) {
      await this.op('queryNames');
      const rows = this.partition(`NAMES#${kind}`);
      const stored = new Map(rows.map((row) => [row.sk, Number(row.count)]));
      const unlisted = new Set(rows.filter((row) => row.sitemap === undefined).map((row) => row.sk));
      const all = new Set([...stored.keys(), ...names.filter((ref) => ref.kind === kind).map((ref) => ref.name)]);
      for (const name of all) {
        await this.op('countFeedEntries');
        const entries =
          kind === 'day'
            ? this.partition(`FEED#${feedKey({ kind: 'site' })}`).filter((row) => row.sk.startsWith(`${name}T`)).length
            : this.partition(`FEED#${kind}#${name}`).filter((row) => row.sk < FEED_META).length;
        if (stored.get(name) === entries && !unlisted.has(name)) continue;
        await this.op('setCount');
        const row = this.get(`NAMES#${kind}`, name);
        if (stored.has(name) ? Number(row?.count) !== stored.get(name) : row !== undefined) continue;
        this.put({
          ...row,
          pk: `NAMES#${kind}`,
          sk: name,
          name,
          count: entries,
          sitemap: 'index',
          ...(kind === 'day' ? { lastModified: new Date().toISOString() } : {}),
        });
        corrected++;
      }
    }
    return corrected;
  }

  async claimShareLink(
    link: Omit<ShareLink, 'gone'>,
    writer?: ShareLinkWriter,
    strength?: ClaimStrength,
  ): Promise<boolean> {
    await this.op('claimShareLink');
    const current = this.get(`SHARE#${link.code}`, 'SHARE');
    const allowed =
      !current ||
      (current.postId === link.postId &&
        (!writer ||
          current.sequencer === undefined ||
          current.sourceKey !== writer.sourceKey ||
          String(current.sequencer) <= writer.sequencer)) ||
      (strength === 'declared' && current.fromBody === true);
    if (allowed) {
      // Written whole, as PutItem does: a claim without `fromBody` drops an earlier one's.
      this.put({
        pk: `SHARE#${link.code}`,
        sk: 'SHARE',
        ...link,
        gone: false,
        ...writer,
        ...(strength === 'found' ? { fromBody: true } : {}),
      });
      return true;
    }
    if (!writer) return false;
    await this.op('getShareLinkOwner');
    return this.get(`SHARE#${link.code}`, 'SHARE')?.postId === link.postId;
  }

  async markShareLinkGone(code: string, postId: string, writer?: ShareLinkWriter): Promise<void> {
    await this.op('markShareLinkGone');
    const current = this.get(`SHARE#${code}`, 'SHARE');
    if (!current || current.postId !== postId) return;
    if (
      writer &&
      current.sequencer !== undefined &&
      !(current.sourceKey === writer.sourceKey && String(current.sequencer) <= writer.sequencer)
    )
      return;
    this.put({ ...current, gone: true, ...(writer ? { sequencer: writer.sequencer } : {}) });
  }

  async getShareLink(code: string): Promise<ShareLink | undefined> {
    await this.op('getShareLink');
    const row = this.get(`SHARE#${code}`, 'SHARE');
    return row && (pick(row, ['code', 'postId', 'path', 'gone', 'fromBody']) as unknown as ShareLink);
  }

  async getIdAuthority(): Promise<string | undefined> {
    await this.op('getIdAuthority');
    const row = this.get('SITE', 'IDENTITY');
    return row === undefined ? undefined : String(row.idAuthority);
  }

  async recordIdAuthority(authority: string): Promise<string> {
    await this.op('recordIdAuthority');
    const row = this.get('SITE', 'IDENTITY');
    if (row) return String(row.idAuthority);
    this.put({ pk: 'SITE', sk: 'IDENTITY', idAuthority: authority });
    return authority;
  }

  async getSiteDefaults(): Promise<SiteDefaults | undefined> {
    await this.op('getSiteDefaults');
    const row = this.get('SITE', 'CONFIG');
    return row && (pick(row, ['title', 'description', 'url', 'timezone']) as SiteDefaults);
  }

  async putSiteDefaults(defaults: SiteDefaults, sequencer: string): Promise<void> {
    await this.op('putSiteDefaults');
    const row = this.get('SITE', 'CONFIG');
    if (row && String(row.sequencer) > sequencer) return;
    this.put({ pk: 'SITE', sk: 'CONFIG', ...defaults, sequencer });
  }

  private async countName(kind: TaxonomyKind | 'day', name: string, delta: number): Promise<void> {
    await this.op('countName');
    const row = this.get(`NAMES#${kind}`, name);
    this.put({
      ...row,
      pk: `NAMES#${kind}`,
      sk: name,
      name,
      count: Number(row?.count ?? 0) + delta,
      sitemap: 'index',
      ...(kind === 'day' ? { lastModified: new Date().toISOString() } : {}),
    });
  }

  async readSitemapIndex(): Promise<SitemapListing> {
    await this.op('readSitemapIndex');
    const listing: SitemapListing = { days: [], names: [] };
    const rows = [...this.rows.values()]
      .filter((row) => row.sitemap === 'index')
      .sort((a, b) => (a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0));
    for (const row of rows) {
      const count = Number(row.count);
      if (!(count > 0)) continue;
      const kind = row.pk.slice('NAMES#'.length);
      if (kind === 'day')
        listing.days.push({
          day: String(row.name),
          count,
          ...(row.lastModified ? { lastModified: String(row.lastModified) } : {}),
        });
      else if (kind === 'category' || kind === 'tag') listing.names.push({ kind, name: String(row.name), count });
    }
    return listing;
  }

  async readSitemapDay(day: string, skip: number, limit: number): Promise<SitemapUrl[]> {
    await this.op('readSitemapDay');
    return [...this.rows.values()]
      .filter((row) => row.sitemap === `day#${day}`)
      .sort((a, b) => (a.sk < b.sk ? -1 : 1))
      .slice(skip, skip + limit)
      .map((row) => ({ path: String(row.path), updated: String(row.updated) }));
  }

  async readRecent(since: string, limit: number): Promise<FeedPage> {
    await this.op('readRecent');
    const rows = this.partition(`FEED#${feedKey({ kind: 'site' })}`)
      .filter((row) => row.sk >= since)
      .sort((a, b) => (a.sk < b.sk ? 1 : -1));
    const metaRow = rows[0]?.sk === FEED_META ? rows.shift() : undefined;
    return {
      entries: rows.slice(0, limit).map((row) => pick(row, ENTRY_FIELDS) as unknown as FeedEntry),
      ...(metaRow ? { meta: toFeedMeta(metaRow) } : {}),
    };
  }

  async touchFeeds(refs: FeedRef[]): Promise<void> {
    await allWrites(refs.map((ref) => this.bumpFeedVersion(ref)));
  }

  private async bumpFeedVersion(ref: FeedRef): Promise<void> {
    await this.op('bumpFeedVersion');
    const pk = `FEED#${feedKey(ref)}`;
    const row = this.get(pk, FEED_META);
    this.put({
      ...row,
      pk,
      sk: FEED_META,
      version: Number(row?.version ?? 0) + 1,
      lastModified: new Date().toISOString(),
    });
  }

  private async op(operation: string): Promise<void> {
    await this.step(operation);
    const failure = this.failNext.findIndex((candidate) => candidate.operation.test(operation));
    if (failure !== -1) throw this.failNext.splice(failure, 1)[0].error;
  }

  private get(pk: string, sk: string): Row | undefined {
    const row = this.rows.get(rowId(pk, sk));
    return row && clone(row);
  }

  private put(row: Row): void {
    this.rows.set(rowId(row.pk, row.sk), clone(row));
  }

  private delete(pk: string, sk: string): void {
    this.rows.delete(rowId(pk, sk));
  }

  private partition(pk: string): Row[] {
    return [...this.rows.values()].filter((row) => row.pk === pk).map(clone);
  }
}

function rowId(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

/** A deep copy without undefined values, as a DynamoDB round trip gives. */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function pick(row: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of fields) if (row[field] !== undefined) picked[field] = row[field];
  return picked;
}

function toFeedMeta(row: Record<string, unknown>): FeedMeta {
  return { version: Number(row.version), lastModified: String(row.lastModified) };
}
