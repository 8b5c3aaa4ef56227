import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { dynamoClient } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { settingsFromEnv } from '../../functions/adapters/env';
import { budgetedReader } from '../../functions/adapters/parse-worker';
import { s3Client } from '../../functions/adapters/s3-client';
import { ENV } from '../../functions/config-names';
import type { ReadPost } from '../../functions/core/ingest';
import { httpHandlerFromEnv } from '../../functions/handlers/http';
import { ingestHandlerFromEnv, ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { dataPaths, ensureTable, type SetAsideObject, startEmulators } from './emulators';
import { createLocalApiServer } from './http-server';
import { bucketFiles } from './local-files';
import { LocalAnnouncementQueue } from './local-queue';
import { LocalScheduler } from './local-scheduler';
import { S3EventBridge } from './s3-events';

export const LOCAL_BUCKET = 'content';
export const LOCAL_TABLE = 'posts';
/**
 * Object events ingested at once. Lambda runs an event per invocation, many at a time; ingest
 * is built for any interleaving, and on 2 cores 8 keeps the functions' thread busy (bulk load
 * ~1.5× one at a time, `npm run bench -- --only e`).
 */
export const INGEST_CONCURRENCY = 8;

export interface LocalStackOptions {
  /** Persistent data directory; undefined runs on throw-away storage (tests). */
  dataDir?: string;
  /** 0 picks a free port. */
  port: number;
  s3Port: number;
  dynamoPort: number;
  /** Extra settings for the functions (SITE_TITLE, FEED_LENGTH, …), as on Lambda. */
  env?: Record<string, string>;
  onError?: (error: unknown) => void;
  /** The budget posts are read within (functions/adapters/parse-worker.ts); its defaults unless given (tests lower it). */
  readLimits?: { heapMb?: number; deadlineMs?: number };
}

export interface LocalStack {
  url: string;
  s3Endpoint: string;
  dynamoEndpoint: string;
  bucket: string;
  tableName: string;
  /** The environment the functions run with, as Lambda would set it. */
  functionEnv: Record<string, string>;
  s3: S3Client;
  dynamo: DynamoDBClient;
  store: DynamoPostStore;
  /** Timers of scheduled posts, standing in for EventBridge Scheduler. */
  scheduler: LocalScheduler;
  /** How ingest reads posts (within a budget, on a worker): reindex reads them the same way. */
  readPost: ReadPost;
  /** Resolves when every S3 event so far has been ingested. */
  idle(): Promise<void>;
  /** Linux thread ids of dynalite's and s3rver's threads (for the benchmark); undefined elsewhere. */
  emulatorThreadIds: { dynalite?: number; s3rver?: number };
  /** Objects found damaged in S3's data at start, moved to DATA_DIR/s3-damaged. */
  setAside: SetAsideObject[];
  stop(): Promise<void>;
}

/**
 * The deployed system on one machine: s3rver and dynalite on threads of their own, the
 * bucket's object events delivered to the real ingest handler, and the real HTTP handler
 * behind a local API Gateway stand-in.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  // Refuse bad settings before anything starts, naming the variable.
  settingsFromEnv(options.env ?? {});
  ingestSettingsFromEnv(options.env ?? {});
  const scratch = options.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'publishing-local-'));
  const paths = dataPaths(options.dataDir ?? scratch!);
  const onError = options.onError ?? ((error) => console.error(error));
  const emulators = await startEmulators({
    s3Directory: paths.s3,
    s3DamagedDirectory: paths.s3Damaged,
    dynamoDirectory: options.dataDir ? paths.dynamo : undefined,
    s3Port: options.s3Port,
    dynamoPort: options.dynamoPort,
    bucket: LOCAL_BUCKET,
    onError,
  });

  // As Lambda sets them (region and credentials), plus the SDK's endpoint variables for the emulators.
  const functionEnv: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    ...options.env,
    [ENV.tableName]: LOCAL_TABLE,
    [ENV.bucketName]: LOCAL_BUCKET,
    [ENV.s3Endpoint]: emulators.s3Endpoint,
    [ENV.dynamoEndpoint]: emulators.dynamoEndpoint,
  };
  const dynamo = dynamoClient(functionEnv);
  const s3 = s3Client(functionEnv);
  try {
    await ensureTable(dynamo, LOCAL_TABLE);
  } catch (error) {
    await emulators.stop();
    throw error;
  }

  // Posts are read on a worker thread with a heap limit, as the deployed ingest reads them: a
  // file that would exhaust it is refused, and the web server on this thread keeps answering.
  const reader = budgetedReader(options.readLimits);
  // Scheduled posts' call backs go through the bridge, as EventBridge Scheduler invokes the function.
  const scheduler = new LocalScheduler((entry) => bridge.invoke({ scheduledPublish: entry }));
  // WebSub announcements wait out the edge window in a queue, delivered through the bridge as SQS invokes the function.
  const announcements = new LocalAnnouncementQueue((event) => bridge.invoke(event));
  const bridge: S3EventBridge = new S3EventBridge({
    handler: ingestHandlerFromEnv(functionEnv, reader.readPost, scheduler, undefined, announcements),
    concurrency: INGEST_CONCURRENCY,
    deadLetterFile: paths.deadLetters,
    onDeadLetter: (_event, error) => onError(error),
  });
  emulators.onObjectEvent(bridge.accept);
  const store = new DynamoPostStore(dynamo, LOCAL_TABLE);
  // The timers of posts scheduled before this start (any whose instant passed fire now).
  try {
    for (const state of (await store.listSources()).states) {
      if (state.status === 'scheduled' && state.publishAt) {
        await scheduler.schedule({ key: state.key, at: state.publishAt, token: state.sequencer });
      }
    }
  } catch (error) {
    await emulators.stop();
    throw error;
  }

  // Files beside the posts are streamed from the bucket here; deployed, the function redirects to S3.
  const server = createLocalApiServer(httpHandlerFromEnv(functionEnv), onError, bucketFiles(s3, LOCAL_BUCKET));
  server.listen(options.port, '127.0.0.1');
  try {
    await once(server, 'listening');
  } catch (error) {
    await emulators.stop();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://localhost:${port}`,
    s3Endpoint: emulators.s3Endpoint,
    dynamoEndpoint: emulators.dynamoEndpoint,
    bucket: LOCAL_BUCKET,
    tableName: LOCAL_TABLE,
    functionEnv,
    s3,
    dynamo,
    store,
    scheduler,
    idle: () => bridge.idle(),
    readPost: reader.readPost,
    emulatorThreadIds: emulators.threadIds,
    setAside: emulators.setAside,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      scheduler.stop();
      announcements.stop();
      await bridge.idle();
      await reader.close();
      await emulators.stop();
      s3.destroy();
      dynamo.destroy();
      if (scratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}
