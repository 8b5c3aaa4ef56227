import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoClient } from '../../functions/adapters/clients';
import { s3Client } from '../../functions/adapters/s3-client';
import { ENV } from '../../functions/config-names';
import { ensureTable, startEmulators } from '../../infra/local/emulators';

// s3rver and dynalite run on worker threads of their own (infra/local/emulator-worker.mjs):
// what crosses the thread boundary (start-up failures, object events, the data directory's
// lock at stop) is checked here.

let dataDir: string;
let blocker: Server;
let busyPort: number;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'emulators-'));
  blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  busyPort = (blocker.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => blocker?.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});

const options = (name: string) => ({
  s3Directory: join(dataDir, name, 's3'),
  dynamoDirectory: join(dataDir, name, 'dynamodb'),
  s3Port: 0,
  dynamoPort: 0,
  bucket: 'content',
});

describe('emulators on worker threads', () => {
  it('names the emulator that could not start, and why', async () => {
    await expect(startEmulators({ ...options('busy-dynamo'), dynamoPort: busyPort })).rejects.toThrow(
      /^dynalite did not start: listen EADDRINUSE/,
    );
    await expect(startEmulators({ ...options('busy-s3'), s3Port: busyPort })).rejects.toThrow(
      /^s3rver did not start: listen EADDRINUSE/,
    );
  });

  it('delivers object events to this thread in the order of the uploads, each before its upload is answered', async () => {
    const emulators = await startEmulators(options('events'));
    const s3 = s3Client({ [ENV.s3Endpoint]: emulators.s3Endpoint });
    const keys: string[] = [];
    emulators.onObjectEvent((event: S3Event) => keys.push(...event.Records.map((record) => record.s3.object.key)));
    try {
      const uploaded: string[] = [];
      for (const key of ['posts/a.md', 'posts/b.md', 'posts/c.md']) {
        await s3.send(new PutObjectCommand({ Bucket: 'content', Key: key, Body: 'x' }));
        uploaded.push(key);
        // Taken by this thread before the upload was answered, so idle() right after sees it.
        expect(keys).toEqual(uploaded);
      }
      // Each emulator has a thread of its own, which the benchmark reads the CPU time of.
      if (process.platform === 'linux') {
        const { dynalite, s3rver } = emulators.threadIds;
        expect(new Set([process.pid, dynalite, s3rver]).size).toBe(3);
        for (const id of [dynalite, s3rver])
          expect(existsSync(`/proc/self/task/${id}/stat`), `thread ${id}`).toBe(true);
      }
    } finally {
      s3.destroy();
      await emulators.stop();
    }
  });

  it('releases the data directory at stop: the same directory starts again with its data', async () => {
    const write = await startEmulators(options('reopen'));
    const first = dynamoClient({ [ENV.dynamoEndpoint]: write.dynamoEndpoint });
    await ensureTable(first, 'posts');
    await first.send(
      new PutItemCommand({ TableName: 'posts', Item: { pk: { S: 'k' }, sk: { S: 's' }, value: { S: 'kept' } } }),
    );
    first.destroy();
    await write.stop();

    const read = await startEmulators(options('reopen'));
    const second = dynamoClient({ [ENV.dynamoEndpoint]: read.dynamoEndpoint });
    try {
      const { Item } = await second.send(
        new GetItemCommand({ TableName: 'posts', Key: { pk: { S: 'k' }, sk: { S: 's' } } }),
      );
      expect(Item?.value).toEqual({ S: 'kept' });
    } finally {
      second.destroy();
      await read.stop();
    }
  });
});
