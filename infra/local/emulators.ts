import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { TABLE_SCHEMA } from '../../functions/adapters/table-schema';

export interface EmulatorOptions {
  /** Where s3rver and dynalite keep their data; undefined keeps DynamoDB in memory and S3 in a temp dir. */
  s3Directory: string;
  dynamoDirectory?: string;
  s3Port: number;
  dynamoPort: number;
  bucket: string;
}

export interface Emulators {
  s3rver: S3rver;
  s3Endpoint: string;
  dynamoEndpoint: string;
  stop(): Promise<void>;
}

/** Starts s3rver (S3 API) and dynalite (DynamoDB API) in this process, on loopback. */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  await mkdir(options.s3Directory, { recursive: true });
  if (options.dynamoDirectory) await mkdir(options.dynamoDirectory, { recursive: true });

  const dynamo = dynalite({ path: options.dynamoDirectory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  dynamo.listen(options.dynamoPort, '127.0.0.1');
  await once(dynamo, 'listening');
  const dynamoPort = (dynamo.address() as AddressInfo).port;

  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.s3Port,
    silent: true,
    directory: options.s3Directory,
    configureBuckets: [{ name: options.bucket }],
  });
  let s3Address: { port: number };
  try {
    s3Address = await s3rver.run();
  } catch (error) {
    await new Promise((resolve) => dynamo.close(resolve));
    throw error;
  }

  return {
    s3rver,
    s3Endpoint: `http://127.0.0.1:${s3Address.port}`,
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    async stop() {
      await s3rver.close();
      await new Promise((resolve) => dynamo.close(resolve));
    },
  };
}

/** Creates the posts table from the same schema the CDK stack deploys, unless it exists; true when it did. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName);
    if (indexes.includes(TABLE_SCHEMA.pathIndex.name)) return false;
    // Written by an earlier version with another index: the table is derived data, so it is
    // made again and the start-up reconciliation refills it from the bucket.
    await client.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { partitionKey, sortKey, pathIndex } = TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: pathIndex.partitionKey, AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: pathIndex.name,
          KeySchema: [{ AttributeName: pathIndex.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return true;
}

export function dataPaths(dataDir: string) {
  return {
    s3: join(dataDir, 's3'),
    dynamo: join(dataDir, 'dynamodb'),
    contentManifest: join(dataDir, 'content-manifest.json'),
    deadLetters: join(dataDir, 'dead-letters.jsonl'),
  };
}
