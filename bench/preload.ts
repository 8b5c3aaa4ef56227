// Fills the local stack's table with the rows ingest writes for many corpus posts, fast: the
// posts go through the real ingest (parse, render, the same row layout) against the in-memory
// store, and its rows are copied into dynalite with BatchWriteItem. For the sizes (10k, 100k)
// at which publish latency is measured: how the existing posts got there does not matter to
// one new post's cost, and the S3 path would take hours at 100k. The bulk load figure itself
// is measured through S3 (bench/run.ts, section e). The posts' objects are not put in the
// bucket: nothing in a publish reads them. Each chunk of posts is ingested into its own
// in-memory store, so a short-code collision between chunks would go unnoticed (7 base62
// characters: about one chance in 700 at 100k posts).

import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  type DynamoDBClient,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { inParallel } from '../functions/core/in-parallel';
import { ingestChange } from '../functions/core/ingest';
import type { LocalStack } from '../infra/local/local-stack';
import { MemoryPostStore, type Row } from '../test/support/memory-store';
import type { CorpusPost } from './corpus';

const CHUNK = 500;

export async function preload(
  stack: LocalStack,
  post: (index: number) => CorpusPost,
  from: number,
  to: number,
  onProgress: (done: number) => void = () => {},
): Promise<void> {
  // Feed versions and name counts span chunks: summed here, written once at the end.
  const versions = new Map<string, Row>();
  const counts = new Map<string, Row>();
  for (let start = from; start < to; start += CHUNK) {
    const store = new MemoryPostStore();
    for (let index = start; index < Math.min(to, start + CHUNK); index++) {
      const { key, bytes } = post(index);
      const outcome = await ingestChange(
        {
          key,
          kind: 'created',
          sequencer: (index + 1).toString(16).padStart(16, '0'),
          eventTime: '2023-01-01T00:00:00.000Z',
        },
        // The post's bytes for its key; the bench site has no _config.yml (ingest looks for one).
        {
          store,
          readObject: async (read) => (read === key ? { bytes: new Uint8Array(bytes), etag: 'preloaded' } : undefined),
        },
      );
      if (outcome.result !== 'published')
        throw new Error(`preload: ${key} was ${outcome.result}: ${JSON.stringify(outcome)}`);
    }
    const rows: Row[] = [];
    for (const row of store.dump()) {
      if (row.sk === '~META')
        versions.set(row.pk, { ...row, version: Number(versions.get(row.pk)?.version ?? 0) + Number(row.version) });
      else if (row.pk.startsWith('NAMES#')) {
        const id = `${row.pk}\n${row.sk}`;
        counts.set(id, { ...row, count: Number(counts.get(id)?.count ?? 0) + Number(row.count) });
      } else rows.push(row);
    }
    await batchWrite(stack, rows);
    onProgress(Math.min(to, start + CHUNK) - from);
  }
  // Added to what the table holds (the posts loaded before): a version never goes back to a
  // number a reader may have cached, and counts stay right.
  for (const row of versions.values()) {
    await stack.dynamo.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: marshall({ pk: row.pk, sk: row.sk }),
        UpdateExpression: 'ADD version :n SET lastModified = :at',
        ExpressionAttributeValues: marshall({ ':n': row.version, ':at': row.lastModified }),
      }),
    );
  }
  for (const row of counts.values()) {
    await stack.dynamo.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: marshall({ pk: row.pk, sk: row.sk }),
        // As ingest writes them: listed by the sitemap index; a day's count says when its posts last changed.
        UpdateExpression: `SET #name = :name, #sitemap = :sitemap${row.lastModified ? ', lastModified = :at' : ''} ADD #count :n`,
        ExpressionAttributeNames: { '#name': 'name', '#count': 'count', '#sitemap': 'sitemap' },
        ExpressionAttributeValues: marshall({
          ':name': row.name,
          ':n': row.count,
          ':sitemap': row.sitemap,
          ...(row.lastModified ? { ':at': row.lastModified } : {}),
        }),
      }),
    );
  }
}

async function batchWrite(stack: LocalStack, rows: Row[]): Promise<void> {
  const items = rows.map((row) => marshall(row, { removeUndefinedValues: true, convertEmptyValues: false }));
  await batchWriteItems(stack.dynamo, stack.tableName, items);
}

/** Raw BatchWriteItem of `items` into `table`: batches of 25, 8 in flight, unprocessed items sent again. */
export async function batchWriteItems(
  dynamo: DynamoDBClient,
  table: string,
  items: Array<Record<string, AttributeValue>>,
): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += 25)
    batches.push(items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })));
  await inParallel(batches, 8, async (batch) => {
    let pending: WriteRequest[] | undefined = batch;
    while (pending?.length) {
      const result: BatchWriteItemCommandOutput = await dynamo.send(
        new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
      );
      pending = result.UnprocessedItems?.[table];
    }
  });
}
