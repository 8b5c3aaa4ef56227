import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { FeedEntry, FeedRef, Post, TaxonomyKind } from '../core/post';
import type { PostStore, PutPostResult, ShareLink, SourceState } from '../core/store';
import { feedKey } from '../core/urls';
import { TABLE_SCHEMA } from './table-schema';

type Item = Record<string, AttributeValue>;

// Item layout (one table):
//   SOURCE#{objectKey}  STATE            what ingest last did with the key (tombstone after delete)
//   FAILURES            {objectKey}      present while the key's last upload is refused
//   POST#{id}           POST             the post (GSI byPath on `path` finds its page)
//   FEED#{feedKey}      {utc date}#{id}  one entry per feed the post is in, newest first by sort key
//   NAMES#{kind}        {name}           post count per category / tag
//   SHARE#{code}        SHARE            short code or legacy infoCode → post path
const { partitionKey: PK, sortKey: SK } = TABLE_SCHEMA;

export class DynamoPostStore implements PostStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async getSourceState(key: string): Promise<SourceState | undefined> {
    const item = await this.get(`SOURCE#${key}`, 'STATE');
    return item && (pick(item, ['key', 'sequencer', 'status', 'postId', 'error', 'at']) as unknown as SourceState);
  }

  async commitSourceState(state: SourceState): Promise<{ committed: boolean; previous?: SourceState }> {
    try {
      const result = await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ [PK]: `SOURCE#${state.key}`, [SK]: 'STATE', ...state }),
          ConditionExpression: `attribute_not_exists(${PK}) OR sequencer < :sequencer`,
          ExpressionAttributeValues: marshall({ ':sequencer': state.sequencer }),
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (state.status === 'failed') {
        await this.put({ [PK]: 'FAILURES', [SK]: state.key, ...state });
      } else {
        await this.delete('FAILURES', state.key);
      }
      const previous = result.Attributes && (unmarshall(result.Attributes) as unknown as SourceState);
      return { committed: true, previous };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { committed: false };
      throw error;
    }
  }

  async listFailedSources(): Promise<SourceState[]> {
    return (await this.queryAll('FAILURES')).map((item) => pick(item, ['key', 'sequencer', 'status', 'postId', 'error', 'at']) as unknown as SourceState);
  }

  async getPost(id: string): Promise<Post | undefined> {
    const item = await this.get(`POST#${id}`, 'POST');
    return item && toPost(item);
  }

  async putPost(post: Post, sequencer: string): Promise<PutPostResult> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem({ [PK]: `POST#${post.id}`, [SK]: 'POST', ...post, sequencer }),
          ConditionExpression: `attribute_not_exists(${PK}) OR (sourceKey = :sourceKey AND sequencer <= :sequencer)`,
          ExpressionAttributeValues: marshall({ ':sourceKey': post.sourceKey, ':sequencer': sequencer }),
        }),
      );
      return 'written';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await this.getPost(post.id);
      return current && current.sourceKey !== post.sourceKey ? { ownedBy: current.sourceKey } : 'stale';
    }
  }

  async deletePost(post: Pick<Post, 'id' | 'sourceKey'>, sequencer: string): Promise<void> {
    await this.conditionally(
      this.client.send(new DeleteItemCommand({
        TableName: this.tableName,
        Key: key(`POST#${post.id}`, 'POST'),
        ConditionExpression: 'sourceKey = :sourceKey AND sequencer <= :sequencer',
        ExpressionAttributeValues: marshall({ ':sourceKey': post.sourceKey, ':sequencer': sequencer }),
      })),
    );
  }

  async findPostByPath(path: string): Promise<Post | undefined> {
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
    return item && toPost(item);
  }

  async putFeedEntry(ref: FeedRef, entry: FeedEntry, sequencer: string): Promise<void> {
    const written = await this.conditionally(
      this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({ [PK]: `FEED#${feedKey(ref)}`, [SK]: entrySortKey(entry), ...entry, sequencer }),
        ConditionExpression: `attribute_not_exists(${PK}) OR sequencer <= :sequencer`,
        ExpressionAttributeValues: marshall({ ':sequencer': sequencer }),
        ReturnValues: 'ALL_OLD',
      })),
    );
    if (written && !written.Attributes && ref.kind !== 'site') await this.countName(ref.kind, ref.name, 1);
  }

  async deleteFeedEntry(ref: FeedRef, entry: Pick<FeedEntry, 'id' | 'date'>, sequencer: string): Promise<void> {
    const deleted = await this.conditionally(
      this.client.send(new DeleteItemCommand({
        TableName: this.tableName,
        Key: key(`FEED#${feedKey(ref)}`, entrySortKey(entry)),
        ConditionExpression: 'sequencer <= :sequencer',
        ExpressionAttributeValues: marshall({ ':sequencer': sequencer }),
        ReturnValues: 'ALL_OLD',
      })),
    );
    if (deleted?.Attributes && ref.kind !== 'site') await this.countName(ref.kind, ref.name, -1);
  }

  async queryFeed(ref: FeedRef, limit: number): Promise<FeedEntry[]> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: `${PK} = :pk`,
        ExpressionAttributeValues: marshall({ ':pk': `FEED#${feedKey(ref)}` }),
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (result.Items ?? []).map(toFeedEntry);
  }

  async listNames(kind: TaxonomyKind): Promise<Array<{ name: string; count: number }>> {
    return (await this.queryAll(`NAMES#${kind}`))
      .map((item) => ({ name: String(item.name), count: Number(item.count) }))
      .filter(({ count }) => count > 0);
  }

  async claimShareLink(link: Omit<ShareLink, 'gone'>): Promise<boolean> {
    const written = await this.conditionally(
      this.client.send(new PutItemCommand({
        TableName: this.tableName,
        Item: toItem({ [PK]: `SHARE#${link.code}`, [SK]: 'SHARE', ...link, gone: false }),
        ConditionExpression: `attribute_not_exists(${PK}) OR postId = :postId`,
        ExpressionAttributeValues: marshall({ ':postId': link.postId }),
      })),
    );
    return written !== undefined;
  }

  async markShareLinkGone(code: string, postId: string): Promise<void> {
    await this.conditionally(
      this.client.send(new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(`SHARE#${code}`, 'SHARE'),
        UpdateExpression: 'SET gone = :gone',
        ConditionExpression: 'postId = :postId',
        ExpressionAttributeValues: marshall({ ':gone': true, ':postId': postId }),
      })),
    );
  }

  async getShareLink(code: string): Promise<ShareLink | undefined> {
    const item = await this.get(`SHARE#${code}`, 'SHARE');
    return item && (pick(item, ['code', 'postId', 'path', 'gone']) as unknown as ShareLink);
  }

  private async countName(kind: TaxonomyKind, name: string, delta: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: key(`NAMES#${kind}`, name),
        UpdateExpression: 'SET #name = :name ADD #count :delta',
        ExpressionAttributeNames: { '#name': 'name', '#count': 'count' },
        ExpressionAttributeValues: marshall({ ':name': name, ':delta': delta }),
      }),
    );
  }

  private async get(pk: string, sk: string): Promise<Record<string, unknown> | undefined> {
    const result = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key(pk, sk) }));
    return result.Item && unmarshall(result.Item);
  }

  private async put(item: Record<string, unknown>): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(item) }));
  }

  private async delete(pk: string, sk: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: key(pk, sk) }));
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

function key(pk: string, sk: string): Item {
  return { [PK]: { S: pk }, [SK]: { S: sk } };
}

function toItem(value: Record<string, unknown>): Item {
  return marshall(value, { removeUndefinedValues: true, convertEmptyValues: false });
}

/** Sorts newest first under ScanIndexForward=false; the id breaks ties between equal instants. */
function entrySortKey(entry: Pick<FeedEntry, 'id' | 'date'>): string {
  return `${new Date(entry.date).toISOString()}#${entry.id}`;
}

const POST_FIELDS = [
  'id', 'infoCode', 'sourceKey', 'title', 'date', 'updated', 'categories', 'tags', 'author', 'path',
  'shortCode', 'html', 'summary', 'contentHash', 'extra',
] as const;
const ENTRY_FIELDS = ['id', 'title', 'date', 'updated', 'categories', 'tags', 'author', 'path', 'shortCode', 'html', 'summary'] as const;

function toPost(item: Item | Record<string, unknown>): Post {
  return pick(isMarshalled(item) ? unmarshall(item as Item) : item, POST_FIELDS) as unknown as Post;
}

function toFeedEntry(item: Item): FeedEntry {
  return pick(unmarshall(item), ENTRY_FIELDS) as unknown as FeedEntry;
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
