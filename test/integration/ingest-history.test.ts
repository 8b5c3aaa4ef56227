import { DescribeTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { ensureTable } from '../../infra/local/emulators';
import type { LocalStack } from '../../infra/local/local-stack';
import { expectConverged, historyArbitrary, runHistory } from '../support/histories';
import { startTestStack } from '../support/local-stack';
import { MemoryPostStore, type Row } from '../support/memory-store';

// The property tests of ingest run against MemoryPostStore (test/unit/ingest-history.test.ts).
// Here the same random histories run against DynamoPostStore on a real dynalite: both stores
// must end with the same rows, and those rows must pass the same convergence check.
const HISTORIES = 30;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** dynalite answers a new table's first requests with ResourceNotFound until it is ACTIVE. */
async function untilActive(client: DynamoDBClient, tableName: string): Promise<void> {
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function scanRows(client: DynamoDBClient, tableName: string): Promise<Row[]> {
  const rows: Row[] = [];
  let startKey: Record<string, never> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
    rows.push(...(page.Items ?? []).map((item) => unmarshall(item) as Row));
    startKey = page.LastEvaluatedKey as typeof startKey;
  } while (startKey);
  return normalize(rows);
}

/** Sorted by key, without the instant a feed's version changed (the clock, not the history). */
function normalize(rows: Row[]): Row[] {
  return rows
    .map(({ lastModified: _lastModified, ...row }) => row as Row)
    .sort((a, b) => (`${a.pk}\0${a.sk}` < `${b.pk}\0${b.sk}` ? -1 : 1));
}

describe('ingest histories: DynamoDB store and in-memory store agree', () => {
  it(`end with the same rows after ${HISTORIES} random histories, and both converge`, async () => {
    const histories = fc.sample(historyArbitrary(6), { numRuns: HISTORIES, seed: 20240501 });
    for (const [index, history] of histories.entries()) {
      const tableName = `history-${index}`;
      await ensureTable(stack.dynamo, tableName);
      await untilActive(stack.dynamo, tableName);
      const dynamo = new DynamoPostStore(stack.dynamo, tableName);
      const memory = new MemoryPostStore();
      await runHistory(history, dynamo);
      await runHistory(history, memory);
      const rows = await scanRows(stack.dynamo, tableName);
      expect(rows, `history ${index}: ${JSON.stringify(history)}`).toEqual(normalize(memory.dump()));
      await expectConverged(history, rows, dynamo);
    }
  }, 120_000);
});
