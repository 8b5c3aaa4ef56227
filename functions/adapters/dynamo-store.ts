import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { allWrites } from '../core/all-writes';
import { StorageUnavailable } from '../core/errors';
import { type FeedEntry, type FeedRef, type Post, sameFeedEntry, type TaxonomyKind } from '../core/post';
import type { SiteDefaults } from '../core/site-config';
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
} from '../core/store';
import { feedKey, writtenName } from '../core/urls';
import { TABLE_SCHEMA } from './table-schema';

type Item = Record<string, AttributeValue>;

// Item layout (one table):
//   SOURCE#{objectKey}  STATE            what ingest last did with the key (tombstone after delete)
//   FAILURES            {objectKey}      listing of keys whose last upload is refused (checked against STATE)
//   POST#{id}           POST             the post (GSI byPagePath on `pagePath` finds its page); a deleted
//                                        post leaves a tombstone (`gone`, no path) with its sequencer
//   FEED#{feedKey}      {utc date}#{id}  one entry per feed the post is in, newest first by sort key
//   FEED#{feedKey}      ~META            the feed's version; sorts after every entry, so the
//                                        newest-first Query that reads a feed returns it first
//   NAMES#{kind}        {name}           post count per category / tag; NAMES#day: the site feed's
//                                        entries per UTC day, and when they last changed (sitemaps)
//   GSI bySitemap: site feed entries under `day#{utc day}`, NAMES# counts under `index`
//   SHARE#{code}        SHARE            short code or legacy infoCode → post path
//   PATH#{path}         PATH             the claim on a page path: which post's page it is
//   SITE                IDENTITY         what the site's feed item ids are built from, fixed at its first publish
const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;
const FEED_META = '~META';
const SITEMAP = TABLE_SCHEMA.sitemapIndex;
/** The bySitemap partition of the name and day counts: what the sitemap index reads. */
const SITEMAP_INDEX = 'index';

export class DynamoPostStore implements PostStore {
  private readonly client: Pick<DynamoDBClient, 'send'>;

  constructor(
    client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    // Every call passes here: transient SDK failures leave the adapter as StorageUnavailable.
    const send = (command: Parameters<DynamoDBClient['send']>[0]) =>
      client.send(command).catch((error: unknown) => {
        throw isTransient(error) ? new StorageUnavailable('storage is unavailable', { cause: error }) : error;
      });
    this.client = { send: send as DynamoDBClient['send'] };
  }

  async getSourceState(key: string): Promise<SourceState | undefined> {
    const item = await this.get(`SOURCE#${key}`, 'STATE', true);
    return item && toSourceState(item);
  }

  async commitSourceState(
    state: SourceState,
    expected?: SourceState | null,
  ): Promise<{ committed: boolean; previous?: SourceState }> {
    // The FAILURES listing is written before a refusal commits and cleared after a success
    // commits, each conditional on the sequencer: a crash in between leaves at most a stale
    // listing entry, which listFailedSources checks against the key's state.
    if (state.status === 'failed') {
      await this.conditionally(
        this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem({ [PK]: 'FAILURES', [SK]: state.key, key: state.key, sequencer: state.sequencer }),
            ConditionExpression: `attribute_not_exists(${PK}) OR sequencer <= :sequencer`,
            ExpressionAttributeValues: marshall({ ':sequencer': state.sequencer }),
          }),
        ),
      );
    }
    const condition =
      expected === undefined
        ? {
            ConditionExpression: `attribute_not_exists(${PK}) OR sequencer < :sequencer`,
            values: { ':sequencer': state.sequencer },
          }
        : expected === null
          ? { ConditionExpression: `attribute_not_exists(${PK})`, values: undefined }
          : expected.revision === undefined
            ? {
                ConditionExpression: 'attribute_not_exists(revision) AND sequencer = :expected',
                values: { ':expected': expected.sequencer },
              }
            : { ConditionExpression: 'revision = :revision', values: { ':revision': expected.revision } };
    const revision = (expected?.revision ?? 0) + 1;
    const result = await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ [PK]: `SOURCE#${state.key}`, [SK]: 'STATE', ...state, revision }),
          ConditionExpression: condition.ConditionExpression,
          ...(condition.values ? { ExpressionAttributeValues: marshall(condition.values) } : {}),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!result) return { committed: false };
    const previous = result.Attributes && toSourceState(unmarshall(result.Attributes));
    if (state.status !== 'failed' && previous?.status === 'failed') {
      await this.conditionally(
        this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: key('FAILURES', state.key),
            ConditionExpression: 'sequencer <= :sequencer',
            ExpressionAttributeValues: marshall({ ':sequencer': state.sequencer }),
          }),
        ),
      );
    }
    return { committed: true, previous };
  }

  async listFailedSources(): Promise<SourceState[]> {
    const failed: SourceState[] = [];
    for (const item of await this.queryAll('FAILURES')) {
      const state = await this.getSourceState(String(item.key ?? item[SK]));
      if (state?.status === 'failed') failed.push(state);
    }
    return failed;
  }

  async listSources(): Promise<SourceInventory> {
    const inventory: SourceInventory = { states: [], posts: [], rows: [] };
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: ['SOURCE#', 'POST#', 'FEED#', 'SHARE#', 'PATH#']
            .map((_, i) => `begins_with(${PK}, :p${i})`)
            .join(' OR '),
          ProjectionExpression: `${PK}, ${SK}, #key, sequencer, #status, postId, #error, #at, etag, #site, published, rowsSequencer, revision, id, sourceKey, contentHash, gone, code, #path, publishAt`,
          ExpressionAttributeNames: {
            '#key': 'key',
            '#status': 'status',
            '#error': 'error',
            '#at': 'at',
            '#path': 'path',
            '#site': 'site',
          },
          ExpressionAttributeValues: marshall({
            ':p0': 'SOURCE#',
            ':p1': 'POST#',
            ':p2': 'FEED#',
            ':p3': 'SHARE#',
            ':p4': 'PATH#',
          }),
          ExclusiveStartKey: startKey,
        }),
      );
      for (const raw of page.Items ?? []) addToInventory(inventory, unmarshall(raw));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return inventory;
  }

  async getPost(id: string): Promise<Post | undefined> {
    const item = await this.get(`POST#${id}`, 'POST');
    return item && !item.gone ? toPost(item) : undefined;
  }

  async getPostWriter(id: string): Promise<PostWriter | undefined> {
    const item = await this.get(`POST#${id}`, 'POST', true);
    return (
      item && {
        sourceKey: String(item.sourceKey),
        sequencer: String(item.sequencer),
        gone: item.gone === true,
        ...(item.gone ? {} : { post: toPost(item) }),
      }
    );
  }

  async putPost(post: Post, sequencer: string): Promise<PutPostResult> {
    try {
      const { Attributes: old } = await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            [PK]: `POST#${post.id}`,
            [SK]: 'POST',
            ...post,
            [TABLE_SCHEMA.pathIndex.partitionKey]: post.path,
            sequencer,
          }),
          ConditionExpression:
            `attribute_not_exists(${PK}) OR (sourceKey = :sourceKey AND sequencer <= :sequencer) OR (sourceKey <> :sourceKey AND gone = :true)` +
            // A declared id takes over one another post only found in its body.
            (post.idFromBody ? '' : ' OR (sourceKey <> :sourceKey AND idFromBody = :true)'),
          ExpressionAttributeValues: marshall({ ':sourceKey': post.sourceKey, ':sequencer': sequencer, ':true': true }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      const previous = old && unmarshall(old);
      return previous && previous.sourceKey !== post.sourceKey && !previous.gone
        ? { displaced: String(previous.sourceKey) }
        : 'written';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.get(`POST#${post.id}`, 'POST', true);
      return current && current.sourceKey !== post.sourceKey && !current.gone
        ? { ownedBy: String(current.sourceKey) }
        : 'stale';
    }
  }

  async deletePost(post: Pick<Post, 'id' | 'sourceKey'>, sequencer: string): Promise<void> {
    await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            [PK]: `POST#${post.id}`,
            [SK]: 'POST',
            id: post.id,
            sourceKey: post.sourceKey,
            sequencer,
            gone: true,
          }),
          ConditionExpression: 'sourceKey = :sourceKey AND sequencer <= :sequencer',
          ExpressionAttributeValues: marshall({ ':sourceKey': post.sourceKey, ':sequencer': sequencer }),
        }),
      ),
    );
  }

  async findPostByPath(path: string): Promise<Post | undefined> {
    const page = await this.findPage(path);
    return page && 'post' in page ? page.post : undefined;
  }

  async findPage(path: string): Promise<PageAt | undefined> {
    const claim = await this.get(`PATH#${path}`, 'PATH');
    if (claim) {
      // Released or not, the claim names its post: where that post's page is now decides.
      const post = await this.getPost(String(claim.postId));
      if (!post) return claim.gone ? { gone: true } : undefined;
      if (post.path === path) return claim.gone ? undefined : { post };
      return { movedTo: post.path };
    }
    // A table written before page paths were claimed: the path index, until reindex claims them.
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TABLE_SCHEMA.pathIndex.name,
        KeyConditionExpression: '#path = :path',
        ExpressionAttributeNames: { '#path': TABLE_SCHEMA.pathIndex.partitionKey },
        ExpressionAttributeValues: marshall({ ':path': path }),
        Limit: 1,
      }),
    );
    const item = result.Items?.[0];
    return item && { post: toPost(item) };
  }

  async claimPath(
    claim: Pick<PathClaim, 'path' | 'postId'>,
    writer: ShareLinkWriter,
  ): Promise<true | { heldBy: string }> {
    const written = await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ [PK]: `PATH#${claim.path}`, [SK]: 'PATH', ...claim, ...writer, gone: false }),
          ConditionExpression: `attribute_not_exists(${PK}) OR (sourceKey = :sourceKey AND sequencer <= :sequencer) OR (sourceKey <> :sourceKey AND (gone = :gone OR postId = :postId))`,
          ExpressionAttributeValues: marshall({
            ':sourceKey': writer.sourceKey,
            ':sequencer': writer.sequencer,
            ':gone': true,
            ':postId': claim.postId,
          }),
        }),
      ),
    );
    if (written !== undefined) return true;
    const current = await this.get(`PATH#${claim.path}`, 'PATH', true);
    // Refused by a newer change of this key (its claim, ours to keep) or by another key's post.
    return current?.sourceKey === writer.sourceKey ? true : { heldBy: String(current?.sourceKey) };
  }

  async getPathClaim(path: string): Promise<PathClaim | undefined> {
    const item = await this.get(`PATH#${path}`, 'PATH');
    return item && (pick(item, ['path', 'postId', 'sourceKey', 'sequencer', 'gone']) as unknown as PathClaim);
  }

  async releasePath(path: string, postId: string, writer: ShareLinkWriter): Promise<void> {
    await this.conditionally(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(`PATH#${path}`, 'PATH'),
          UpdateExpression: 'SET gone = :gone, sequencer = :sequencer',
          ConditionExpression: 'postId = :postId AND sourceKey = :sourceKey AND sequencer <= :sequencer',
          ExpressionAttributeValues: marshall({
            ':gone': true,
            ':postId': postId,
            ':sourceKey': writer.sourceKey,
            ':sequencer': writer.sequencer,
          }),
        }),
      ),
    );
  }

  async removeLeftover(row: OwnedRow): Promise<boolean> {
    const unchanged = row.sequencer === undefined ? 'attribute_not_exists(sequencer)' : 'sequencer = :seen';
    const seen = row.sequencer === undefined ? {} : { ':seen': row.sequencer };
    switch (row.kind) {
      case 'post':
        return (
          (await this.conditionally(
            this.client.send(
              new PutItemCommand({
                TableName: this.tableName,
                Item: toItem({
                  [PK]: `POST#${row.postId}`,
                  [SK]: 'POST',
                  id: row.postId,
                  sourceKey: row.sourceKey,
                  sequencer: row.sequencer,
                  gone: true,
                }),
                ConditionExpression: `${unchanged} AND sourceKey = :sourceKey`,
                ExpressionAttributeValues: marshall({ ...seen, ':sourceKey': row.sourceKey }),
              }),
            ),
          )) !== undefined
        );
      case 'entry': {
        const deleted = await this.conditionally(
          this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: key(`FEED#${feedKey(row.feed)}`, row.cursor),
              ConditionExpression: unchanged,
              ...(row.sequencer === undefined ? {} : { ExpressionAttributeValues: marshall(seen) }),
              ReturnValues: 'ALL_OLD',
            }),
          ),
        );
        if (!deleted?.Attributes) return false;
        // The row's feed is known by its key (a URL name); the count is kept by the name as written.
        const entry = unmarshall(deleted.Attributes) as { categories: string[]; tags: string[] };
        if (row.feed.kind !== 'site') await this.countName(row.feed.kind, writtenName(row.feed, [entry]).name, -1);
        else await this.countName('day', row.cursor.slice(0, 10), -1);
        return true;
      }
      case 'share':
      case 'path':
        return (
          (await this.conditionally(
            this.client.send(
              new UpdateItemCommand({
                TableName: this.tableName,
                Key: row.kind === 'share' ? key(`SHARE#${row.code}`, 'SHARE') : key(`PATH#${row.path}`, 'PATH'),
                UpdateExpression: 'SET gone = :gone',
                ConditionExpression: `${unchanged} AND postId = :postId`,
                ExpressionAttributeValues: marshall({ ...seen, ':gone': true, ':postId': row.postId }),
              }),
            ),
          )) !== undefined
        );
    }
  }

  async putFeedEntry(ref: FeedRef, entry: FeedEntry, sequencer: string, sourceKey?: string): Promise<boolean> {
    const written = await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            [PK]: `FEED#${feedKey(ref)}`,
            [SK]: feedCursor(entry),
            ...entry,
            sequencer,
            sourceKey,
            // The site feed holds every post once: its entries are what the day sitemaps list.
            ...(ref.kind === 'site' ? { [SITEMAP.partitionKey]: `day#${sitemapDay(entry)}` } : {}),
          }),
          // Another key's entry in the same place: the post item already decided who owns the id.
          ConditionExpression: `attribute_not_exists(${PK}) OR sequencer <= :sequencer${sourceKey === undefined ? '' : ' OR sourceKey <> :sourceKey'}`,
          ExpressionAttributeValues: marshall({
            ':sequencer': sequencer,
            ...(sourceKey === undefined ? {} : { ':sourceKey': sourceKey }),
          }),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!written) return false;
    const changed = !written.Attributes || !sameFeedEntry(unmarshall(written.Attributes) as FeedEntry, entry);
    if (!written.Attributes)
      await this.countName(
        ref.kind === 'site' ? 'day' : ref.kind,
        ref.kind === 'site' ? sitemapDay(entry) : ref.name,
        1,
      );
    // Another version of a listed page: its day's sitemap changed.
    else if (changed && ref.kind === 'site') await this.countName('day', sitemapDay(entry), 0);
    return changed;
  }

  async deleteFeedEntry(
    ref: FeedRef,
    entry: Pick<FeedEntry, 'id' | 'date'>,
    sequencer: string,
    sourceKey?: string,
  ): Promise<boolean> {
    const deleted = await this.conditionally(
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: key(`FEED#${feedKey(ref)}`, feedCursor(entry)),
          ConditionExpression: `sequencer <= :sequencer${sourceKey === undefined ? '' : ' AND (attribute_not_exists(sourceKey) OR sourceKey = :sourceKey)'}`,
          ExpressionAttributeValues: marshall({
            ':sequencer': sequencer,
            ...(sourceKey === undefined ? {} : { ':sourceKey': sourceKey }),
          }),
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!deleted?.Attributes) return false;
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
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: before === undefined ? `${PK} = :pk` : `${PK} = :pk AND ${SK} < :before`,
        ExpressionAttributeValues: marshall({
          ':pk': `FEED#${feedKey(ref)}`,
          ...(before === undefined ? {} : { ':before': before }),
        }),
        ScanIndexForward: false,
        // The meta item (newest page only) and one entry more than asked, to know whether older ones exist.
        Limit: limit + (before === undefined ? 2 : 1),
      }),
    );
    const items = (result.Items ?? []).map((item) => unmarshall(item));
    const metaItem = items[0]?.[SK] === FEED_META ? items.shift() : undefined;
    const page = items.slice(0, limit);
    return {
      entries: page.map(toFeedEntry),
      ...(metaItem ? { meta: toFeedMeta(metaItem) } : {}),
      // More items than asked, or a Query cut short by DynamoDB's 1 MB page: older entries exist.
      ...((items.length > limit || result.LastEvaluatedKey) && page.length
        ? { older: String(page[page.length - 1][SK]) }
        : {}),
    };
  }

  async neighbourEntry(ref: FeedRef, cursor: string, direction: 'older' | 'newer'): Promise<FeedEntry | undefined> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: `${PK} = :pk AND ${SK} ${direction === 'older' ? '<' : '>'} :cursor`,
        ExpressionAttributeValues: marshall({ ':pk': `FEED#${feedKey(ref)}`, ':cursor': cursor }),
        ScanIndexForward: direction === 'newer',
        // Newer: past the newest entry comes the feed's version (~META), which is not an entry.
        Limit: direction === 'newer' ? 2 : 1,
      }),
    );
    const item = (result.Items ?? []).map((row) => unmarshall(row)).find((row) => row[SK] !== FEED_META);
    return item && toFeedEntry(item);
  }

  async getFeedMeta(ref: FeedRef): Promise<FeedMeta | undefined> {
    const item = await this.get(`FEED#${feedKey(ref)}`, FEED_META);
    return item && toFeedMeta(item);
  }

  async touchFeeds(refs: FeedRef[]): Promise<void> {
    await allWrites(refs.map((ref) => this.bumpFeedVersion(ref)));
  }

  private async bumpFeedVersion(ref: FeedRef): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(`FEED#${feedKey(ref)}`, FEED_META),
        UpdateExpression: 'ADD version :one SET lastModified = :now',
        ExpressionAttributeValues: marshall({ ':one': 1, ':now': new Date().toISOString() }),
      }),
    );
  }

  async recountNames(names: Array<{ kind: TaxonomyKind | 'day'; name: string }>): Promise<number> {
    let corrected = 0;
    for (const kind of ['category', 'tag', 'day'] as const) {
      const items = await this.queryAll(`NAMES#${kind}`);
      const stored = new Map(items.map((item) => [String(item[SK]), Number(item.count)]));
      // Counts written before the sitemaps listed them are marked for the index too.
      const unlisted = new Set(
        items.filter((item) => item[SITEMAP.partitionKey] === undefined).map((item) => String(item[SK])),
      );
      const all = new Set([...stored.keys(), ...names.filter((ref) => ref.kind === kind).map((ref) => ref.name)]);
      for (const name of all) {
        const entries = kind === 'day' ? await this.countDayEntries(name) : await this.countFeedEntries({ kind, name });
        if (stored.get(name) === entries && !unlisted.has(name)) continue;
        const updated = await this.conditionally(
          this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: key(`NAMES#${kind}`, name),
              UpdateExpression: `SET #name = :name, #count = :count, #sitemap = :index${kind === 'day' ? ', lastModified = :now' : ''}`,
              ConditionExpression: stored.has(name) ? '#count = :old' : `attribute_not_exists(${PK})`,
              ExpressionAttributeNames: { '#name': 'name', '#count': 'count', '#sitemap': SITEMAP.partitionKey },
              ExpressionAttributeValues: marshall({
                ':name': name,
                ':count': entries,
                ':index': SITEMAP_INDEX,
                ...(stored.has(name) ? { ':old': stored.get(name) } : {}),
                ...(kind === 'day' ? { ':now': new Date().toISOString() } : {}),
              }),
            }),
          ),
        );
        if (updated) corrected++;
      }
    }
    return corrected;
  }

  private async countFeedEntries(ref: FeedRef): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${PK} = :pk AND ${SK} < :meta`,
          ExpressionAttributeValues: marshall({ ':pk': `FEED#${feedKey(ref)}`, ':meta': FEED_META }),
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  /** The site feed's entries of one UTC day. */
  private async countDayEntries(day: string): Promise<number> {
    let total = 0;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :day)`,
          ExpressionAttributeValues: marshall({ ':pk': `FEED#${feedKey({ kind: 'site' })}`, ':day': `${day}T` }),
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      total += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return total;
  }

  async readSitemapIndex(): Promise<SitemapListing> {
    const listing: SitemapListing = { days: [], names: [] };
    for (const item of await this.querySitemap(SITEMAP_INDEX)) {
      const count = Number(item.count);
      if (!(count > 0)) continue;
      const kind = String(item[PK]).slice('NAMES#'.length);
      if (kind === 'day')
        listing.days.push({
          day: String(item.name),
          count,
          ...(item.lastModified ? { lastModified: String(item.lastModified) } : {}),
        });
      else if (kind === 'category' || kind === 'tag') listing.names.push({ kind, name: String(item.name), count });
    }
    return listing;
  }

  async readSitemapDay(day: string, skip: number, limit: number): Promise<SitemapUrl[]> {
    const items = await this.querySitemap(`day#${day}`, skip + limit);
    return items.slice(skip, skip + limit).map((item) => ({ path: String(item.path), updated: String(item.updated) }));
  }

  /** A bySitemap partition in sort-key order, at most `limit` items: one Query per 1 MB of projected items. */
  private async querySitemap(partition: string, limit = Number.POSITIVE_INFINITY): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: SITEMAP.name,
          KeyConditionExpression: '#sitemap = :partition',
          ExpressionAttributeNames: { '#sitemap': SITEMAP.partitionKey },
          ExpressionAttributeValues: marshall({ ':partition': partition }),
          ExclusiveStartKey: startKey,
          ...(Number.isFinite(limit) ? { Limit: limit - items.length } : {}),
        }),
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }

  async readRecent(since: string, limit: number): Promise<FeedPage> {
    const entries: FeedEntry[] = [];
    let meta: FeedMeta | undefined;
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // `~META` sorts after every entry: the newest-first Query returns it first, as readFeed's does.
          KeyConditionExpression: `${PK} = :pk AND ${SK} >= :since`,
          ExpressionAttributeValues: marshall({ ':pk': `FEED#${feedKey({ kind: 'site' })}`, ':since': since }),
          ScanIndexForward: false,
          Limit: limit + 1 - entries.length,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of (page.Items ?? []).map((raw) => unmarshall(raw))) {
        if (item[SK] === FEED_META) meta = toFeedMeta(item);
        else if (entries.length < limit) entries.push(toFeedEntry(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && entries.length < limit);
    return { entries, ...(meta ? { meta } : {}) };
  }

  async listNames(kind: TaxonomyKind): Promise<Array<{ name: string; count: number }>> {
    return (await this.queryAll(`NAMES#${kind}`))
      .map((item) => ({ name: String(item.name), count: Number(item.count) }))
      .filter(({ count }) => count > 0);
  }

  async claimShareLink(
    link: Omit<ShareLink, 'gone'>,
    writer?: ShareLinkWriter,
    strength?: ClaimStrength,
  ): Promise<boolean> {
    // Sequencers order the changes of one object key only: a link last written by another
    // key (the id moved) is taken over whatever its sequencer. A declared legacy code takes one
    // that another post only found in its body.
    const written = await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            [PK]: `SHARE#${link.code}`,
            [SK]: 'SHARE',
            ...link,
            gone: false,
            ...writer,
            ...(strength === 'found' ? { fromBody: true } : {}),
          }),
          ConditionExpression:
            (writer
              ? `attribute_not_exists(${PK}) OR (postId = :postId AND (attribute_not_exists(sequencer) OR sourceKey <> :sourceKey OR sequencer <= :sequencer))`
              : `attribute_not_exists(${PK}) OR postId = :postId`) +
            (strength === 'declared' ? ' OR fromBody = :true' : ''),
          ExpressionAttributeValues: marshall({
            ':postId': link.postId,
            ...(writer ? { ':sourceKey': writer.sourceKey, ':sequencer': writer.sequencer } : {}),
            ...(strength === 'declared' ? { ':true': true } : {}),
          }),
        }),
      ),
    );
    if (written !== undefined) return true;
    if (!writer) return false;
    // Refused: either another post holds the code, or a newer change of this key wrote it.
    const current = await this.get(`SHARE#${link.code}`, 'SHARE', true);
    return current?.postId === link.postId;
  }

  async markShareLinkGone(code: string, postId: string, writer?: ShareLinkWriter): Promise<void> {
    await this.conditionally(
      this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key(`SHARE#${code}`, 'SHARE'),
          UpdateExpression: writer ? 'SET gone = :gone, sequencer = :sequencer' : 'SET gone = :gone',
          ConditionExpression: writer
            ? 'postId = :postId AND (attribute_not_exists(sequencer) OR (sourceKey = :sourceKey AND sequencer <= :sequencer))'
            : 'postId = :postId',
          ExpressionAttributeValues: marshall({
            ':gone': true,
            ':postId': postId,
            ...(writer ? { ':sourceKey': writer.sourceKey, ':sequencer': writer.sequencer } : {}),
          }),
        }),
      ),
    );
  }

  async getShareLink(code: string): Promise<ShareLink | undefined> {
    const item = await this.get(`SHARE#${code}`, 'SHARE');
    return item && (pick(item, ['code', 'postId', 'path', 'gone', 'fromBody']) as unknown as ShareLink);
  }

  async getIdAuthority(): Promise<string | undefined> {
    const item = await this.get('SITE', 'IDENTITY', true);
    return item === undefined ? undefined : String(item.idAuthority);
  }

  async recordIdAuthority(authority: string): Promise<string> {
    const written = await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({
            [PK]: 'SITE',
            [SK]: 'IDENTITY',
            idAuthority: authority,
            recordedAt: new Date().toISOString(),
          }),
          ConditionExpression: `attribute_not_exists(${PK})`,
        }),
      ),
    );
    return written !== undefined ? authority : ((await this.getIdAuthority()) ?? authority);
  }

  async getSiteDefaults(): Promise<SiteDefaults | undefined> {
    const item = await this.get('SITE', 'CONFIG');
    return item && (pick(item, ['title', 'description', 'url', 'timezone']) as SiteDefaults);
  }

  async putSiteDefaults(defaults: SiteDefaults, sequencer: string): Promise<void> {
    await this.conditionally(
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ [PK]: 'SITE', [SK]: 'CONFIG', ...defaults, sequencer }),
          ConditionExpression: `attribute_not_exists(${PK}) OR sequencer <= :sequencer`,
          ExpressionAttributeValues: marshall({ ':sequencer': sequencer }),
        }),
      ),
    );
  }

  /** Counts are listed by the sitemap index; a day's count also says when its posts last changed (delta 0: only that). */
  private async countName(kind: TaxonomyKind | 'day', name: string, delta: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(`NAMES#${kind}`, name),
        UpdateExpression: `SET #name = :name, #sitemap = :index${kind === 'day' ? ', lastModified = :now' : ''} ADD #count :delta`,
        ExpressionAttributeNames: { '#name': 'name', '#count': 'count', '#sitemap': SITEMAP.partitionKey },
        ExpressionAttributeValues: marshall({
          ':name': name,
          ':delta': delta,
          ':index': SITEMAP_INDEX,
          ...(kind === 'day' ? { ':now': new Date().toISOString() } : {}),
        }),
      }),
    );
  }

  /** `consistent` for the reads ingest decides on (a state, who owns a post or a link). */
  private async get(pk: string, sk: string, consistent = false): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: key(pk, sk),
        ...(consistent ? { ConsistentRead: true } : {}),
      }),
    );
    return result.Item && unmarshall(result.Item);
  }

  private async queryAll(pk: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: `${PK} = :pk`,
          ExpressionAttributeValues: marshall({ ':pk': pk }),
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  /** Sends a conditional write; a failed condition is an expected outcome, answered with undefined. */
  private async conditionally<T>(sent: Promise<T>): Promise<T | undefined> {
    try {
      return await sent;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

/** Error names the SDK gives a throttled, failing or timed-out DynamoDB call. */
const TRANSIENT_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
/** Node's socket errors: nothing answered, or the connection broke. */
const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, $metadata, $retryable } = error as Error & {
    code?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
  };
  return (
    TRANSIENT_ERRORS.has(error.name) ||
    (code !== undefined && NETWORK_ERRORS.has(code)) ||
    $retryable !== undefined ||
    ($metadata?.httpStatusCode !== undefined && $metadata.httpStatusCode >= 500)
  );
}

const SOURCE_STATE_FIELDS = [
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

/** One scanned item into reindex's inventory (see OwnedRow). */
export function addToInventory(inventory: SourceInventory, item: Record<string, unknown>): void {
  const pk = String(item[PK]);
  const sequencer = item.sequencer === undefined ? undefined : String(item.sequencer);
  if (pk.startsWith('SOURCE#')) {
    inventory.states.push(toSourceState(item));
  } else if (pk.startsWith('POST#')) {
    const postId = pk.slice('POST#'.length);
    if (!item.gone)
      inventory.posts.push(
        pick(item, ['id', 'sourceKey', 'contentHash']) as unknown as SourceInventory['posts'][number],
      );
    inventory.rows.push({
      kind: 'post',
      postId,
      sourceKey: String(item.sourceKey),
      sequencer: String(sequencer),
      gone: item.gone === true,
    });
  } else if (pk.startsWith('FEED#')) {
    if (item[SK] === FEED_META) return;
    const feed = feedRefOf(pk.slice('FEED#'.length));
    inventory.rows.push({
      kind: 'entry',
      postId: String(item.id),
      feed,
      cursor: String(item[SK]),
      sequencer: String(sequencer),
      ...(item.sourceKey === undefined ? {} : { sourceKey: String(item.sourceKey) }),
    });
  } else if (pk.startsWith('SHARE#') && item.gone !== true) {
    inventory.rows.push({
      kind: 'share',
      postId: String(item.postId),
      code: pk.slice('SHARE#'.length),
      ...(item.sourceKey === undefined ? {} : { sourceKey: String(item.sourceKey) }),
      ...(sequencer === undefined ? {} : { sequencer }),
    });
  } else if (pk.startsWith('PATH#') && item.gone !== true) {
    inventory.rows.push({
      kind: 'path',
      postId: String(item.postId),
      path: pk.slice('PATH#'.length),
      sourceKey: String(item.sourceKey),
      sequencer: String(sequencer),
    });
  }
}

/** The inverse of feedKey: `site`, or `category#name` / `tag#name` (names never hold `#`). */
function feedRefOf(key: string): FeedRef {
  if (key === 'site') return { kind: 'site' };
  const at = key.indexOf('#');
  return { kind: key.slice(0, at) as TaxonomyKind, name: key.slice(at + 1) };
}

function toSourceState(item: Record<string, unknown>): SourceState {
  return pick(item, SOURCE_STATE_FIELDS) as unknown as SourceState;
}

function key(pk: string, sk: string): Item {
  return { [PK]: { S: pk }, [SK]: { S: sk } };
}

function toItem(value: Record<string, unknown>): Item {
  return marshall(value, { removeUndefinedValues: true, convertEmptyValues: false });
}

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

function toPost(item: Item | Record<string, unknown>): Post {
  return pick(isMarshalled(item) ? unmarshall(item as Item) : item, POST_FIELDS) as unknown as Post;
}

function toFeedEntry(item: Record<string, unknown>): FeedEntry {
  return pick(item, ENTRY_FIELDS) as unknown as FeedEntry;
}

function toFeedMeta(item: Record<string, unknown>): FeedMeta {
  return { version: Number(item.version), lastModified: String(item.lastModified) };
}

function isMarshalled(item: Record<string, unknown>): boolean {
  const pk = item[PK];
  return typeof pk === 'object' && pk !== null && 'S' in pk;
}

function pick(item: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const field of fields) if (item[field] !== undefined) picked[field] = item[field];
  return picked;
}
