import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { ENV } from '../../functions/config-names';
import type { IngestOutcome } from '../../functions/core/ingest';
import { ensureTable } from '../../infra/local/emulators';
import { type ClientResponse, httpApiEvent } from './support/events';
import { type Invocation, LambdaTwin } from './support/lambda';
import {
  deliver,
  describeInvocation,
  request,
  setObject,
  startTwin,
  TABLE,
  type Twin,
  VersionedKey,
} from './support/twin';

// Storage failing under the deployed functions, as docs/testing.md promises: DynamoDB refusing
// (stopped, or nothing listening) or hanging (accepts, never answers). The http function answers
// 503 with Retry-After before its Timeout; the ingest function throws before its Timeout, so
// Lambda retries the event, and the retry publishes once storage is back.

let twin: Twin;
let dataDir: string;
let dynamoPort = 0;
let dynamoServer: HttpServer | undefined;
const extraTwins: LambdaTwin[] = [];

/** dynalite on this thread, kept on disk, so that it can be stopped and started again with its data. */
async function startDynalite(): Promise<void> {
  const server = dynalite({
    path: join(dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as HttpServer;
  server.listen(dynamoPort, '127.0.0.1');
  await once(server, 'listening');
  dynamoPort = (server.address() as AddressInfo).port;
  dynamoServer = server;
}

async function stopDynalite(): Promise<void> {
  const server = dynamoServer;
  dynamoServer = undefined;
  // Node's close() also closes idle keep-alive connections: the functions' next call finds nothing.
  if (server) await new Promise((resolve) => server.close(resolve));
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'deployed-outage-'));
  await startDynalite();
  const endpoint = `http://127.0.0.1:${dynamoPort}`;
  const client = dynamoClient({ [ENV.dynamoEndpoint]: endpoint });
  await ensureTable(client, TABLE);
  client.destroy();
  twin = await startTwin({ dynamoEndpoint: endpoint });
}, 300_000);

afterAll(async () => {
  await Promise.all(extraTwins.map((extra) => extra.stop()));
  await twin?.stop();
  await stopDynalite();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function post(title: string): string {
  return `---\ntitle: ${title}\ndate: 2022-03-01 09:00:00 +0800\ncategories: outage\n---\nBody of ${title}.\n`;
}

const READS = [
  '/category/outage.rss',
  '/category/outage.html',
  '/feed.atom',
  '/',
  '/outage/2022/03/01/before.html',
  '/s/AbCdEfG',
  '/feeds.opml',
];

/** A 503 as README promises it: Retry-After, not cached, a one-line body that says nothing of the cause. */
function expectUnavailable(answer: ClientResponse, target: string): void {
  expect(answer.status, target).toBe(503);
  expect(answer.headers['retry-after'], target).toBe('5');
  expect(answer.headers['cache-control'], target).toBe('no-store');
  expect(answer.body.length, target).toBeLessThan(100);
  expect(answer.body, target).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|dynamo|at .*\.(ts|js)/i);
}

/** The two functions again, with AWS_ENDPOINT_URL_DYNAMODB pointing at `endpoint` (a fresh environment each). */
function functionsAgainst(endpoint: string): { http: LambdaTwin; ingest: LambdaTwin } {
  const extraEnvironment = { ...twin.endpoints, [ENV.dynamoEndpoint]: endpoint };
  const http = new LambdaTwin(twin.stack.http, { extraEnvironment });
  const ingest = new LambdaTwin(twin.stack.ingest, { extraEnvironment });
  extraTwins.push(http, ingest);
  return { http, ingest };
}

async function invokeHttp(http: LambdaTwin, target: string): Promise<Invocation> {
  return http.invoke(httpApiEvent({ target }, twin.stack.routeKeys));
}

function expectThrownForRetry(invocation: Invocation): void {
  expect(invocation.outcome, describeInvocation(invocation)).toBe('error');
  expect((invocation as { error: { name: string } }).error.name).toBe('StorageUnavailable');
}

describe('DynamoDB refusing connections', () => {
  it('stopped: the http function answers 503 with Retry-After; ingest throws (Lambda retries); the retry publishes once it is back', async () => {
    const before = new VersionedKey('posts/2022-03-01-before.md');
    expect((await deliver(twin, before.key, before.put(post('Before')))).outcome).toBe('result');
    expect((await request(twin, { target: '/category/outage.rss' })).status).toBe(200);

    await stopDynalite();
    for (const target of READS) expectUnavailable(await request(twin, { target }), target);
    const head = await request(twin, { method: 'HEAD', target: '/category/outage.rss' });
    expect(head.status).toBe(503);

    const during = new VersionedKey('posts/2022-03-01-during.md');
    const upload = during.put(post('During'));
    expectThrownForRetry(await deliver(twin, during.key, upload));

    await startDynalite();
    // Lambda's retry delivers the same event again.
    const retried = await deliver(twin, during.key, upload);
    expect(retried.outcome, describeInvocation(retried)).toBe('result');
    expect((retried as { result: IngestOutcome[] }).result).toMatchObject([{ result: 'published' }]);
    const feed = await request(twin, { target: '/category/outage.rss' });
    expect(feed.status).toBe(200);
    expect(feed.body).toContain('Before');
    expect(feed.body).toContain('During');
    // The warm environments lived through the outage.
    expect(twin.http.coldStarts).toBe(1);
    expect(twin.ingest.coldStarts).toBe(1);
  });

  it('nothing listening on the port: the http function answers 503 with Retry-After at once; ingest throws', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const { http, ingest } = functionsAgainst(`http://127.0.0.1:${port}`);
    for (const target of READS.slice(0, 3)) {
      const invocation = await invokeHttp(http, target);
      expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
      expectUnavailable(asResponse(invocation), target);
      expect(invocation.durationMs, target).toBeLessThan(3_000);
    }
    const key = new VersionedKey('posts/2022-03-01-refused-port.md');
    const delivery = key.put(post('Refused port'));
    await setObject(twin, key.key, delivery.readsAs);
    expectThrownForRetry(await ingest.invoke(delivery.event));
  });
});

describe('DynamoDB accepting connections and never answering', () => {
  let hanging: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    hanging = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => hanging.close(resolve));
  });

  it('the http function answers 503 before its Timeout, and ingest throws before its Timeout', async () => {
    const { http, ingest } = functionsAgainst(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}`);
    const key = new VersionedKey('posts/2022-03-01-hanging.md');
    const delivery = key.put(post('Hanging'));
    // The object is in the bucket; only the table hangs.
    await setObject(twin, key.key, delivery.readsAs);

    // At once: each waits out the clients' timeouts (about 6 s), on its own process.
    const [read, ingested] = await Promise.all([
      invokeHttp(http, '/category/outage.rss'),
      ingest.invoke(delivery.event),
    ]);

    expect(read.outcome, describeInvocation(read)).toBe('result');
    expectUnavailable(asResponse(read), '/category/outage.rss');
    expect(read.durationMs).toBeLessThan(twin.stack.http.timeoutSeconds * 1000);

    expectThrownForRetry(ingested);
    if (process.env.LOG)
      console.log(
        `hanging DynamoDB: http answered 503 after ${read.durationMs} ms, ingest threw after ${ingested.durationMs} ms`,
      );
    expect(ingested.durationMs).toBeLessThan(twin.stack.ingest.timeoutSeconds * 1000);
  }, 60_000);
});

function asResponse(invocation: Invocation): ClientResponse {
  const result = (invocation as { result: { statusCode: number; headers: Record<string, string>; body: string } })
    .result;
  return { status: result.statusCode, headers: result.headers, body: result.body, bytes: Buffer.from(result.body) };
}
