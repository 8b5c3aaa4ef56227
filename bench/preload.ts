// Fills the local stack's table with the rows ingest writes for many corpus posts, fast: the
// posts go through the real ingest (parse, render, the same row layout) against the in-memory
// store, and its rows are copied into dynalite with BatchWriteItem. For the sizes (10k, 100k)
// at which publish latency is measured: how the existing posts got there does not matter to
// one new post's cost, and the S3 path would take hours at 100k. The bulk load figure itself
// is measured through S3 (bench/run.ts, section e). The posts' objects are not put in the
// bucket: nothing in a publish reads them.

import { BatchWriteItemCommand, type BatchWriteItemCommandOutput, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
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
        { key, kind: 'created', sequencer: (index + 1).toString(16).padStart(16, '0'), eventTime: '2023-01-01T00:00:00.000Z' },
        { store, readObject: async () => ({ bytes: new Uint8Array(bytes), etag: 'preloaded' }) },
      );
      if (outcome.result !== 'published') throw new Error(`preload: ${key} was ${outcome.result}: ${JSON.stringify(outcome)}`);
    }
    const rows: Row[] = [];
    for (const row of store.dump()) {
      if (row.sk === '~META') versions.set(row.pk, { ...row, version: Number(versions.get(row.pk)?.version ?? 0) + Number(row.version) });
      else if (row.pk.startsWith('NAMES#')) {
        const id = `${row.pk}\n${row.sk}`;
        counts.set(id, { ...row, count: Number(counts.get(id)?.count ?? 0) + Number(row.count) });
      } else rows.push(row);
    }
    await batchWrite(stack, rows);
    onProgress(Math.min(to, start + CHUNK) - from);
  }
  await batchWrite(stack, [...versions.values(), ...counts.values()]);
}

async function batchWrite(stack: LocalStack, rows: Row[]): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < rows.length; i += 25) {
    batches.push(rows.slice(i, i + 25).map((row) => ({ PutRequest: { Item: marshall(row, { removeUndefinedValues: true, convertEmptyValues: false }) } })));
  }
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < batches.length) {
      let pending: WriteRequest[] | undefined = batches[next++];
      while (pending?.length) {
        const result: BatchWriteItemCommandOutput = await stack.dynamo.send(new BatchWriteItemCommand({ RequestItems: { [stack.tableName]: pending } }));
        pending = result.UnprocessedItems?.[stack.tableName];
      }
    }
  }));
}
