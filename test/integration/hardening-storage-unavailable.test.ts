import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, S3Event } from 'aws-lambda';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient, WORST_CALL_MS } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { settingsFromEnv } from '../../functions/adapters/env';
import { setLogSink } from '../../functions/adapters/logger';
import { s3Client } from '../../functions/adapters/s3-client';
import { ENV } from '../../functions/config-names';
import { StorageUnavailable } from '../../functions/core/errors';
import { createHttpHandler } from '../../functions/handlers/http';
import { createIngestHandler } from '../../functions/handlers/ingest';
import { ensureTable } from '../../infra/local/emulators';
import { HTTP_FUNCTION_TIMEOUT_SECONDS } from '../../infra/stack';

// Storage goes away for real: a persistent dynalite is closed and started again on the same
// port and data; and a storage endpoint hangs. The clients are built as the functions build them.
const TABLE = 'posts';
const BUCKET = 'content';

let dataDir: string;
let dynamoPort: number;
let dynamoServer: Server | undefined;
let s3rver: S3rver;
let s3: S3Client;
let dynamo: DynamoDBClient;
let store: DynamoPostStore;

async function startDynalite(): Promise<void> {
  const server = dynalite({
    path: join(dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  server.listen(dynamoPort, '127.0.0.1');
  await once(server, 'listening');
  dynamoPort = (server.address() as AddressInfo).port;
  dynamoServer = server;
}

async function stopDynalite(): Promise<void> {
  const server = dynamoServer;
  dynamoServer = undefined;
  if (server) await new Promise((resolve) => server.close(resolve));
}

function readRequest(path: string): APIGatewayProxyEventV2 {
  const routeKey = path === '/feed.rss' ? 'GET /feed.rss' : 'GET /category/{file}';
  const file = path.split('/').pop()!;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'localhost' },
    isBase64Encoded: false,
    ...(routeKey.includes('{file}') ? { pathParameters: { file } } : {}),
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      requestId: 'r',
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    },
  };
}

function createdEvent(key: string, sequencer: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'test' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'r', 'x-amz-id-2': 'r' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'test',
          bucket: { name: BUCKET, ownerIdentity: { principalId: 'test' }, arn: `arn:aws:s3:::${BUCKET}` },
          object: { key, size: 1, eTag: 'e', sequencer },
        },
      },
    ],
  } as S3Event;
}

function post(title: string): string {
  return `---\ntitle: ${title}\ndate: 2022-01-12 02:44:46 +0800\ncategories: outage\n---\nBody of ${title}.\n`;
}

beforeAll(async () => {
  if (!process.env.LOG) setLogSink(() => {});
  dataDir = await mkdtemp(join(tmpdir(), 'hardening-storage-'));
  dynamoPort = 0;
  await startDynalite();
  s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: join(dataDir, 's3'),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port: s3Port } = await s3rver.run();
  s3 = s3Client({ [ENV.s3Endpoint]: `http://127.0.0.1:${s3Port}` });
  // The functions' own client configuration (timeouts, retries), as deployed.
  dynamo = dynamoClient({ [ENV.dynamoEndpoint]: `http://127.0.0.1:${dynamoPort}` });
  await ensureTable(dynamo, TABLE);
  store = new DynamoPostStore(dynamo, TABLE);
});

afterAll(async () => {
  await stopDynalite();
  await s3rver?.close();
  s3?.destroy();
  dynamo?.destroy();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('when DynamoDB is unreachable', () => {
  it('read handlers answer 503 with Retry-After and a short body, then recover; ingest throws and loses nothing', async () => {
    // Every poll reads the feed's version here: within FEED_VERSION_CACHE_MS of a read, a poll
    // is answered without storage, which is not what this test is about.
    const readSite = createHttpHandler({ store, settings: settingsFromEnv({ [ENV.feedVersionCacheMs]: '0' }) });
    const ingest = createIngestHandler({ store, s3, bucket: BUCKET });

    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'posts/2022-01-12-before.md', Body: post('Before') }));
    await ingest(createdEvent('posts/2022-01-12-before.md', '0000000000000001'));
    expect((await readSite(readRequest('/category/outage.rss'))).statusCode).toBe(200);

    await stopDynalite();

    for (const path of ['/feed.rss', '/category/outage.rss', '/category/outage.html']) {
      const response = await readSite(readRequest(path));
      expect(response.statusCode, path).toBe(503);
      expect(response.headers?.['retry-after'], path).toBe('5');
      expect(response.headers?.['cache-control'], path).toBe('no-store');
      expect(String(response.body).length, path).toBeLessThan(100);
      expect(String(response.body), path).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at .*\.ts|dynamo/i);
    }

    // The upload lands in S3 while the table is down: ingest must throw (Lambda retries it).
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'posts/2022-01-12-during.md', Body: post('During') }));
    const event = createdEvent('posts/2022-01-12-during.md', '0000000000000002');
    await expect(ingest(event)).rejects.toBeInstanceOf(StorageUnavailable);

    await startDynalite();

    // The retry delivers the same event; nothing from before or during the outage is missing.
    await ingest(event);
    const feed = await readSite(readRequest('/category/outage.rss'));
    expect(feed.statusCode).toBe(200);
    expect(feed.body).toContain('Before');
    expect(feed.body).toContain('During');
    expect(await store.listFailedSources()).toEqual([]);
  });

  it('a store pointed at a closed port fails with StorageUnavailable, not a raw socket error', async () => {
    const closed = dynamoClient({ [ENV.dynamoEndpoint]: 'http://127.0.0.1:1' });
    try {
      await expect(new DynamoPostStore(closed, TABLE).getPost('x')).rejects.toBeInstanceOf(StorageUnavailable);
    } finally {
      closed.destroy();
    }
  });

  it("when DynamoDB accepts connections and never answers, a read answers 503 within the read function's timeout and ingest throws", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const hung = dynamoClient({ [ENV.dynamoEndpoint]: `http://127.0.0.1:${(silent.address() as AddressInfo).port}` });
    try {
      const hungStore = new DynamoPostStore(hung, TABLE);
      const readSite = createHttpHandler({ store: hungStore, settings: settingsFromEnv({}) });
      const started = Date.now();
      const response = await readSite(readRequest('/category/outage.rss'));
      expect(response.statusCode).toBe(503);
      expect(response.headers?.['retry-after']).toBe('5');
      // The read function's timeout (infra/stack.ts): past it, API Gateway answers its own 5xx.
      expect(Date.now() - started).toBeLessThan(HTTP_FUNCTION_TIMEOUT_SECONDS * 1000);
      expect(WORST_CALL_MS).toBeLessThan(HTTP_FUNCTION_TIMEOUT_SECONDS * 1000);
      await expect(
        createIngestHandler({ store: hungStore, s3, bucket: BUCKET })(
          createdEvent('posts/2022-01-12-before.md', '0000000000000003'),
        ),
      ).rejects.toBeInstanceOf(StorageUnavailable);
    } finally {
      hung.destroy();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  }, 30_000);
});
