import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { TABLE_SCHEMA } from '../../functions/adapters/table-schema';
import { ENV } from '../../functions/config-names';
import { ensureTable } from '../../infra/local/emulators';

// The local table is made from the stack's schema; one left by an older schema is made again.
const server = dynalite({ createTableMs: 0, deleteTableMs: 0 });
let client: ReturnType<typeof dynamoClient>;

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  client = dynamoClient({ [ENV.dynamoEndpoint]: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server.close(resolve));
});

async function indexNames(table: string): Promise<string[]> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
  return (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName!);
}

describe('ensureTable', () => {
  it('creates the table with the path and sitemap indexes once, then leaves it alone', async () => {
    expect(await ensureTable(client, 'fresh')).toBe(true);
    expect(await indexNames('fresh')).toEqual([TABLE_SCHEMA.pathIndex.name, TABLE_SCHEMA.sitemapIndex.name]);
    expect(await ensureTable(client, 'fresh')).toBe(false);
  });

  it('makes again a table an older version left with another index', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'old',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'path', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byPath',
            KeySchema: [{ AttributeName: 'path', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    expect(await ensureTable(client, 'old')).toBe(true);
    expect(await indexNames('old')).toEqual([TABLE_SCHEMA.pathIndex.name, TABLE_SCHEMA.sitemapIndex.name]);
  });

  it('makes again a table of the version before sitemaps (the path index only)', async () => {
    await client.send(
      new CreateTableCommand({
        TableName: 'before-sitemaps',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.pathIndex.partitionKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE_SCHEMA.pathIndex.name,
            KeySchema: [{ AttributeName: TABLE_SCHEMA.pathIndex.partitionKey, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    expect(await ensureTable(client, 'before-sitemaps')).toBe(true);
    expect(await indexNames('before-sitemaps')).toEqual([TABLE_SCHEMA.pathIndex.name, TABLE_SCHEMA.sitemapIndex.name]);
  });
});
