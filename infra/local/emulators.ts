import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import type { S3Event } from 'aws-lambda';
import { TABLE_SCHEMA } from '../../functions/adapters/table-schema';

export interface EmulatorOptions {
  /** Where s3rver and dynalite keep their data; undefined keeps DynamoDB in memory and S3 in a temp dir. */
  s3Directory: string;
  /** Where damaged objects found at start are moved (default: `<s3Directory>-damaged`). */
  s3DamagedDirectory?: string;
  dynamoDirectory?: string;
  s3Port: number;
  dynamoPort: number;
  bucket: string;
  /** An emulator that fails after it started (its thread ends; requests to it then fail). */
  onError?: (error: Error) => void;
}

/** An object found damaged at start (an interrupted write, or an older s3rver's files), moved out of the bucket. */
export interface SetAsideObject {
  bucket: string;
  key: string;
  reason: string;
  /** Where its files are now. */
  files: string[];
}

export interface Emulators {
  s3Endpoint: string;
  dynamoEndpoint: string;
  /** What was found damaged in S3's data at start and moved aside (never deleted). */
  setAside: SetAsideObject[];
  /** Receives s3rver's object events (as s3rver emits them), in order. */
  onObjectEvent(listener: (event: S3Event) => void): void;
  /** Linux thread ids of the emulators' threads, for reading their CPU time (the benchmark); undefined elsewhere. */
  threadIds: { dynalite?: number; s3rver?: number };
  stop(): Promise<void>;
}

/** One emulator on its own worker thread (./emulator-worker.mjs). */
interface EmulatorThread {
  port: number;
  threadId?: number;
  setAside?: SetAsideObject[];
  worker: Worker;
  stop(): Promise<void>;
}

async function startThread(
  kind: 'dynalite' | 's3rver',
  options: Record<string, unknown>,
  onError: (error: Error) => void = (error) => console.error(error),
): Promise<EmulatorThread> {
  const worker = new Worker(new URL('./emulator-worker.mjs', pathToFileURL(__filename)), {
    workerData: { kind, options },
  });
  type Listening = { port: number; threadId?: number; setAside?: SetAsideObject[] };
  const { port, threadId, setAside } = await new Promise<Listening>((resolve, reject) => {
    const failed = (reason: string) => reject(new Error(`${kind} did not start: ${reason}`));
    const onStartError = (error: Error) => failed(error.message);
    const onExit = (code: number) => failed(`its thread stopped (exit code ${code})`);
    worker.once('error', onStartError);
    worker.once('exit', onExit);
    worker.once('message', (message: Listening & { type: string; error?: string }) => {
      worker.off('error', onStartError);
      worker.off('exit', onExit);
      if (message.type === 'listening') resolve(message);
      else failed(message.error!);
    });
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  worker.on('error', (error) => onError(new Error(`${kind} failed: ${error.message}`)));
  // A request the emulator failed (answered 500); the emulator goes on.
  worker.on('message', (message: { type: string; error?: string }) => {
    if (message.type === 'error') onError(new Error(`${kind}: ${message.error}`));
  });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  return {
    port,
    threadId,
    setAside,
    worker,
    async stop() {
      worker.postMessage('stop');
      await exited;
    },
  };
}

/**
 * Starts s3rver (S3 API) and dynalite (DynamoDB API) on loopback, each on a worker thread of
 * this process: the storage work of the local stack runs beside the functions' work, on
 * another core, instead of queueing behind it.
 */
export async function startEmulators(options: EmulatorOptions): Promise<Emulators> {
  await mkdir(options.s3Directory, { recursive: true });
  if (options.dynamoDirectory) await mkdir(options.dynamoDirectory, { recursive: true });

  const dynamo = await startThread(
    'dynalite',
    { path: options.dynamoDirectory, port: options.dynamoPort },
    options.onError,
  );
  // How many object events this thread has taken; s3rver's thread waits on it (emulator-worker.mjs).
  const eventsTaken = new Int32Array(new SharedArrayBuffer(4));
  let s3: EmulatorThread;
  try {
    s3 = await startThread(
      's3rver',
      {
        port: options.s3Port,
        directory: options.s3Directory,
        damagedDirectory: options.s3DamagedDirectory ?? `${options.s3Directory}-damaged`,
        bucket: options.bucket,
        eventsTaken: eventsTaken.buffer,
      },
      options.onError,
    );
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  const listeners: Array<(event: S3Event) => void> = [];
  s3.worker.on('message', (message: { type: string; event?: S3Event }) => {
    if (message.type !== 'event') return;
    for (const listener of listeners) listener(message.event!);
    Atomics.add(eventsTaken, 0, 1);
    Atomics.notify(eventsTaken, 0);
  });

  return {
    s3Endpoint: `http://127.0.0.1:${s3.port}`,
    dynamoEndpoint: `http://127.0.0.1:${dynamo.port}`,
    setAside: s3.setAside ?? [],
    onObjectEvent: (listener) => listeners.push(listener),
    threadIds: { dynalite: dynamo.threadId, s3rver: s3.threadId },
    async stop() {
      await s3.stop();
      await dynamo.stop();
    },
  };
}

/** Creates the posts table from the same schema the CDK stack deploys, unless it exists; true when it did. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName);
    if (indexes.includes(TABLE_SCHEMA.pathIndex.name) && indexes.includes(TABLE_SCHEMA.sitemapIndex.name)) return false;
    // Written by an earlier version with another index: the table is derived data, so it is
    // made again and the start-up reconciliation refills it from the bucket.
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    await waitForTable(client, tableName, 'gone');
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const { partitionKey, sortKey, pathIndex, sitemapIndex } = TABLE_SCHEMA;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: partitionKey, AttributeType: 'S' },
        { AttributeName: sortKey, AttributeType: 'S' },
        { AttributeName: pathIndex.partitionKey, AttributeType: 'S' },
        { AttributeName: sitemapIndex.partitionKey, AttributeType: 'S' },
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
        {
          IndexName: sitemapIndex.name,
          KeySchema: [
            { AttributeName: sitemapIndex.partitionKey, KeyType: 'HASH' },
            { AttributeName: sitemapIndex.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...sitemapIndex.projected] },
        },
      ],
    }),
  );
  await waitForTable(client, tableName, 'ACTIVE');
  return true;
}

/**
 * dynalite answers CreateTable and DeleteTable before the table's status changes (a timer, even at
 * 0 ms, then a write of its own): a request in between finds no table (ResourceNotFoundException).
 * DynamoDB documents the same (a table is CREATING until ACTIVE), so wait as an AWS client would.
 */
async function waitForTable(client: DynamoDBClient, tableName: string, until: 'ACTIVE' | 'gone'): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
      const indexes = Table?.GlobalSecondaryIndexes ?? [];
      if (until === 'ACTIVE' && Table?.TableStatus === 'ACTIVE' && indexes.every((i) => i.IndexStatus === 'ACTIVE'))
        return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      if (until === 'gone') return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`table ${tableName} did not become ${until} within 5 s`);
}

export function dataPaths(dataDir: string) {
  return {
    s3: join(dataDir, 's3'),
    s3Damaged: join(dataDir, 's3-damaged'),
    dynamo: join(dataDir, 'dynamodb'),
    contentManifest: join(dataDir, 'content-manifest.json'),
    deadLetters: join(dataDir, 'dead-letters.jsonl'),
  };
}
