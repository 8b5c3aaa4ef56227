// Runs one emulator (dynalite or s3rver) on a thread of its own, so that storage work in the
// local stack uses a second core instead of queueing behind the functions' own work.
// Plain JavaScript: a worker thread loads it without the TypeScript loader (tsx, vitest).
import { AsyncLocalStorage } from 'node:async_hooks';
import { once } from 'node:events';
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import S3rver from 's3rver';
import { LocalS3Store } from './s3-store.mjs';

const { kind, options } = workerData;

async function start() {
  if (kind === 'dynalite') {
    const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    server.listen(options.port, '127.0.0.1');
    await once(server, 'listening');
    return { port: server.address().port, close: () => new Promise((resolve) => server.close(resolve)) };
  }
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: options.port,
    silent: true,
    directory: options.directory,
    configureBuckets: [{ name: options.bucket }],
  });
  // Every request reaches the files through this one object (./s3-store.mjs says why).
  const store = new LocalS3Store(options.directory);
  s3rver.store = s3rver.context.store = store;
  const setAside = await store.recover(options.damagedDirectory);
  // Each request runs in an async context of its own, which answerStrayErrors() looks up.
  const requests = new AsyncLocalStorage();
  s3rver.middleware.unshift((ctx, next) => requests.run(ctx, next));
  // Object events go to the main thread, in order, where the functions run. The request that
  // made one is held until the main thread has taken it, as when s3rver ran on that thread: a
  // client holding its PutObject answer can wait for ingest with the local stack's idle().
  const taken = new Int32Array(options.eventsTaken);
  let sent = 0;
  s3rver.on('event', (event) => {
    sent++;
    parentPort.postMessage({ type: 'event', event });
    for (let seen = Atomics.load(taken, 0); seen < sent; seen = Atomics.load(taken, 0)) {
      if (Atomics.wait(taken, 0, seen, 5000) === 'timed-out') break;
    }
  });
  const { port } = await s3rver.run();
  answerStrayErrors(s3rver, requests);
  return { port, setAside, close: () => s3rver.close() };
}

/**
 * Koa answers an error thrown in a request's promise chain with a 500, but s3rver also does work
 * in stream callbacks, where an error is thrown outside any promise and would end this thread,
 * and with it the local S3, while the rest of the process went on. Such an error is answered
 * with a 500 on the request whose async context it came from, and the thread goes on. Either way
 * it is reported to the main thread (onError). Installed once serving: a failure to start still
 * ends the thread, which startEmulators() reports.
 */
function answerStrayErrors(s3rver, requests) {
  const report = (error, ctx) => {
    const where = ctx ? ` on ${ctx.method} ${ctx.path}` : '';
    parentPort.postMessage({ type: 'error', error: `${error?.stack ?? error}${where}` });
  };
  // s3rver's own handler (context.onerror) answers with an S3 error document; this hears of those
  // it answers with a 500, which are failures of the emulator, not of the request.
  s3rver.on('error', (error, ctx) => {
    if (!(error.status < 500)) report(error, ctx);
  });
  const stray = (error) => {
    const ctx = requests.getStore();
    if (ctx && !ctx.headerSent && ctx.writable) ctx.onerror(error);
    else report(error, ctx);
  };
  process.on('uncaughtException', stray);
  process.on('unhandledRejection', stray);
}

/** This thread's id in /proc/self/task (Linux), so the benchmark can read its CPU time. */
function linuxThreadId() {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return undefined;
  }
}

start().then(
  (emulator) => {
    parentPort.on('message', async (message) => {
      if (message !== 'stop') return;
      await emulator.close();
      parentPort.close();
    });
    parentPort.postMessage({
      type: 'listening',
      port: emulator.port,
      threadId: linuxThreadId(),
      setAside: emulator.setAside,
    });
  },
  (error) => parentPort.postMessage({ type: 'failed', error: String(error?.message ?? error) }),
);
