import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { dynamoClient } from '../../../functions/adapters/clients';
import { DynamoPostStore } from '../../../functions/adapters/dynamo-store';
import { s3Client } from '../../../functions/adapters/s3-client';
import { SCHEDULER_ENDPOINT } from '../../../functions/adapters/scheduler';
import { ENV } from '../../../functions/config-names';
import { DEFAULT_SETTINGS } from '../../../functions/core/settings';
import { type Emulators, ensureTable, startEmulators } from '../../../infra/local/emulators';
import {
  asClientSees,
  type ClientRequest,
  type ClientResponse,
  deleteMarkerCreated,
  eTagOf,
  httpApiEvent,
  lifecycleExpirationDelete,
  newVersionId,
  objectCreatedPut,
  objectRemovedDelete,
  type S3Notification,
} from './events';
import { type Invocation, LambdaTwin } from './lambda';
import { type SchedulerStub, startSchedulerStub } from './scheduler-stub';
import { type SqsStub, startSqsStub } from './sqs-stub';
import { synthesizedAssembly } from './synth';
import { type DeployedStack, readDeployedStack } from './template';

/*
 * The deployed system with AWS replaced by emulators: the functions `cdk deploy` ships, run from
 * cdk.out as Lambda runs them (./lambda.ts), against s3rver with the project's store and dynalite
 * (infra/local/emulators.ts), reached through the SDK's standard endpoint variables. Events are the
 * ones the test builds (./events.ts); s3rver's own object events are not delivered.
 */

export const TABLE = 'PublishingStack-PostsTable-twin';
export const BUCKET = 'publishingstack-contentbucket-twin';

export interface Twin {
  stack: DeployedStack;
  emulators: Emulators;
  /** AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SCHEDULER as the functions get them. */
  endpoints: Record<string, string>;
  /** EventBridge Scheduler's stand-in (./scheduler-stub.ts): the schedules ingest set, and its requests. */
  scheduler: SchedulerStub;
  /** SQS's stand-in (./sqs-stub.ts): the announcements ingest queued. */
  sqs: SqsStub;
  ingest: LambdaTwin;
  http: LambdaTwin;
  /**
   * What the emulators reported failing. s3rver reports a read the client cut short (ingest
   * closing the connection on an oversize object) as ECONNRESET; the tests look at the rest.
   */
  emulatorErrors: Error[];
  /** The test's own clients, for arranging the bucket and looking into the table. */
  s3: S3Client;
  dynamo: DynamoDBClient;
  store: DynamoPostStore;
  stop(): Promise<void>;
}

export interface TwinOptions {
  /** A DynamoDB endpoint of the test's own (one it can stop) instead of the emulators' dynalite. */
  dynamoEndpoint?: string;
  /** Settings the deployment would give the functions by context (`-c websubHub=…`), set on both. */
  settings?: Record<string, string>;
}

export async function startTwin(options: TwinOptions = {}): Promise<Twin> {
  const stack = readDeployedStack(await synthesizedAssembly(), { table: TABLE, bucket: BUCKET });
  const dataDir = await mkdtemp(join(tmpdir(), 'deployed-contract-'));
  const emulatorErrors: Error[] = [];
  const emulators = await startEmulators({
    s3Directory: join(dataDir, 's3'),
    s3Port: 0,
    dynamoPort: 0,
    bucket: BUCKET,
    onError: (error) => emulatorErrors.push(error),
  });
  const scheduler = await startSchedulerStub();
  const sqs = await startSqsStub();
  const endpoints = {
    [ENV.s3Endpoint]: emulators.s3Endpoint,
    [ENV.dynamoEndpoint]: options.dynamoEndpoint ?? emulators.dynamoEndpoint,
    [SCHEDULER_ENDPOINT]: scheduler.endpoint,
    // The SDK's own variable for SQS's endpoint, and the queue on the stand-in.
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    [ENV.announceQueueUrl]: sqs.queueUrl,
  };
  const dynamo = dynamoClient(endpoints);
  await ensureTable(dynamo, TABLE);
  const s3 = s3Client(endpoints);
  const ingest = new LambdaTwin(stack.ingest, { extraEnvironment: { ...options.settings, ...endpoints } });
  const http = new LambdaTwin(stack.http, { extraEnvironment: { ...options.settings, ...endpoints } });
  return {
    stack,
    emulators,
    emulatorErrors,
    endpoints,
    scheduler,
    sqs,
    ingest,
    http,
    s3,
    dynamo,
    store: new DynamoPostStore(dynamo, TABLE),
    async stop() {
      await Promise.all([ingest.stop(), http.stop()]);
      s3.destroy();
      dynamo.destroy();
      await emulators.stop();
      await scheduler.stop();
      await sqs.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * How long the deployed http function may answer a feed from the feed version it read last
 * (FEED_VERSION_CACHE_MS; the default when the template leaves it unset). A read right after an
 * ingest waits this long, as a reader polling the deployed API would see the change this much later.
 */
function feedVersionCacheMs(twin: Twin): number {
  const configured = twin.stack.http.environment[ENV.feedVersionCacheMs];
  return configured === undefined ? DEFAULT_SETTINGS.feedVersionCacheMs : Number(configured);
}

/** Asks the http function, as HTTP API would for this client request; the function must answer. */
export async function request(twin: Twin, client: ClientRequest): Promise<ClientResponse> {
  const method = client.method ?? 'GET';
  const invocation = await twin.http.invoke(httpApiEvent(client, twin.stack.routeKeys));
  if (invocation.outcome !== 'result') throw new Error(`${method} ${client.target}: ${describeInvocation(invocation)}`);
  return asClientSees(method, invocation.result as Parameters<typeof asClientSees>[1]);
}

export function describeInvocation(invocation: Invocation): string {
  switch (invocation.outcome) {
    case 'result':
      return `result ${JSON.stringify(invocation.result).slice(0, 300)}`;
    case 'error':
      return `threw ${invocation.error.name}: ${invocation.error.message}`;
    case 'timeout':
      return `timed out after ${invocation.durationMs} ms`;
    case 'died':
      return `process died (exit ${invocation.exitCode}, signal ${invocation.signal}): ${invocation.stderr}`;
  }
}

// ---------------------------------------------------------------------------------------------
// A key of the versioned content bucket

/** One change of a key, ready to deliver: its event, and what S3 would answer the reads it causes. */
export interface Delivery {
  event: S3Notification;
  /**
   * The bytes the function's GetObject must find when the event is delivered (undefined: no object).
   * s3rver has no versions and ignores ?versionId= (it answers the current object), so the twin's
   * bucket holds, at each delivery, what the read the event leads to would get from S3: the named
   * version for a created event, the key's newest version for a removed one.
   */
  readsAs: string | Uint8Array | undefined;
}

interface Version {
  versionId: string;
  body?: string | Uint8Array;
  marker?: boolean;
}

let sequence = 0;
/**
 * Sequencers as S3 writes them for one key: increasing, hexadecimal, of varying length (16 to
 * 20 digits), so that only a comparison that right-pads (S3 User Guide) orders them all.
 */
export function nextSequencer(): string {
  sequence++;
  const tails = ['', '00', 'A3', '', 'C3F0', '7'];
  return `0062${(Date.now() * 16 + sequence).toString(16).toUpperCase().padStart(12, '0')}${tails[sequence % tails.length]}`;
}

/**
 * A key's versions as the deployed (versioned) bucket holds them. Each method changes the model
 * and returns the change's event, not delivered yet: the test chooses when, how often and in
 * what order (S3 delivers at least once, in any order).
 */
export class VersionedKey {
  private readonly versions: Version[] = [];

  constructor(readonly key: string) {}

  /** PutObject: a new newest version. */
  put(body: string | Uint8Array, sequencer = nextSequencer()): Delivery & { versionId: string } {
    const versionId = newVersionId();
    this.versions.push({ versionId, body });
    const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    return {
      versionId,
      event: objectCreatedPut(BUCKET, { key: this.key, sequencer, versionId, size, eTag: eTagOf(body) }),
      readsAs: body,
    };
  }

  /** DeleteObject without a version id: a delete marker becomes the newest version. */
  delete(sequencer = nextSequencer()): Delivery & { versionId: string } {
    const versionId = newVersionId();
    this.versions.push({ versionId, marker: true });
    return {
      versionId,
      event: deleteMarkerCreated(BUCKET, { key: this.key, sequencer, versionId }),
      readsAs: this.current(),
    };
  }

  /** DeleteObject with a version id: that version (or delete marker) is gone for good. */
  deleteVersion(versionId: string, sequencer = nextSequencer()): Delivery {
    const index = this.versions.findIndex((version) => version.versionId === versionId);
    if (index === -1) throw new Error(`${this.key} has no version ${versionId}`);
    this.versions.splice(index, 1);
    return { event: objectRemovedDelete(BUCKET, { key: this.key, sequencer, versionId }), readsAs: this.current() };
  }

  /** A lifecycle rule deleting a noncurrent version for good. */
  expireVersion(versionId: string, sequencer = nextSequencer()): Delivery {
    const index = this.versions.findIndex((version) => version.versionId === versionId);
    if (index === -1 || index === this.versions.length - 1)
      throw new Error(`${versionId} is not a noncurrent version of ${this.key}`);
    this.versions.splice(index, 1);
    return { event: lifecycleExpirationDelete(BUCKET, { key: this.key, sequencer }), readsAs: this.current() };
  }

  /** What a GetObject without a version id answers now. */
  current(): string | Uint8Array | undefined {
    const newest = this.versions.at(-1);
    return newest && !newest.marker ? newest.body : undefined;
  }
}

/** Sets the twin's bucket to what the event's reads would find on S3, then invokes ingest with the event. */
export async function deliver(twin: Twin, key: string, delivery: Delivery): Promise<Invocation> {
  await setObject(twin, key, delivery.readsAs);
  const invocation = await twin.ingest.invoke(delivery.event);
  // A reader polling right after would see the change this much later on a warm http instance.
  await new Promise((resolve) => setTimeout(resolve, feedVersionCacheMs(twin) + 5));
  return invocation;
}

export async function setObject(twin: Twin, key: string, body: string | Uint8Array | undefined): Promise<void> {
  if (body === undefined) await twin.s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
  else await twin.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}
