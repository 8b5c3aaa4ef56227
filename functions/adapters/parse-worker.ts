import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { PostRejected } from '../core/errors';
import { type ReadPost, readPostInProcess } from '../core/ingest';

/*
 * Reading a post (decoding, front matter, Markdown, sanitizing) is bounded by its own limits
 * (functions/core/parse-post.ts, render-body.ts; measured by bench/ingest-budget.ts), but it is
 * the one part of ingest whose cost a publisher's file decides. It runs here, on a worker thread
 * with a heap limit and a deadline: a file that would still take more is refused with that reason,
 * at the first attempt, and never takes down the process that read it — a Lambda environment
 * (which would otherwise crash, be retried twice and land in the dead-letter queue unrecorded)
 * or `npm start` (whose web server shares the process).
 *
 * The worker runs this very module: in a Lambda bundle that is the bundle file; from TypeScript
 * sources (npm start, the tests), tsx's CommonJS hook loads it.
 */

/**
 * Heap the worker may use, beyond which a file is refused: the budget is 128 MB and measured
 * peaks stay below 90 (`npm run bench -- --only f`); with the function's own ~100 MB it stays
 * well inside ingest's 512 MB.
 */
export const PARSE_HEAP_MB = 192;
/** Time a file may take to read (the budget is 1 s; a loaded machine may be several times slower). */
export const PARSE_DEADLINE_MS = 10_000;

const ROLE = 'publishing-parse-worker';

interface Request {
  id: number;
  key: string;
  bytes: Uint8Array;
  options: Parameters<ReadPost>[2];
}

type Answer =
  | { id: number; parsed: Awaited<ReturnType<ReadPost>> }
  | { id: number; rejected: { message: string; line?: number; column?: number } }
  | { id: number; failed: string };

if (!isMainThread && (workerData as { role?: string } | undefined)?.role === ROLE) {
  parentPort!.postMessage('ready');
  parentPort!.on('message', async (request: Request) => {
    let answer: Answer;
    try {
      answer = { id: request.id, parsed: await readPostInProcess(request.key, request.bytes, request.options) };
    } catch (error) {
      answer =
        error instanceof PostRejected
          ? { id: request.id, rejected: { message: error.message, line: error.line, column: error.column } }
          : { id: request.id, failed: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    parentPort!.postMessage(answer);
  });
}

export interface BudgetedReader {
  readPost: ReadPost;
  /** Stops the worker (the local stack's stop; a Lambda environment never needs to). */
  close(): Promise<void>;
}

/**
 * A ReadPost that reads each file on one long-lived worker thread, within PARSE_HEAP_MB and
 * PARSE_DEADLINE_MS. A file that exhausts the heap or misses the deadline is refused
 * (PostRejected) and the worker is started afresh for the next; other reads in flight on the
 * worker that died are read again on the new one, so only the file that cannot be read is refused.
 */
export function budgetedReader(limits: { heapMb?: number; deadlineMs?: number } = {}): BudgetedReader {
  const heapMb = limits.heapMb ?? PARSE_HEAP_MB;
  const deadlineMs = limits.deadlineMs ?? PARSE_DEADLINE_MS;
  let worker: { thread: Worker; ready: Promise<void> } | undefined;
  let next = 0;
  const pending = new Map<
    number,
    { settle: (answer: Answer) => void; fail: (reason: 'memory' | 'time' | string) => void }
  >();

  const start = (): { thread: Worker; ready: Promise<void> } => {
    const started = new Worker(__filename, {
      workerData: { role: ROLE },
      execArgv: __filename.endsWith('.ts') ? ['--require', 'tsx/cjs'] : [],
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 },
      stdout: false,
      stderr: false,
    });
    started.unref();
    // The deadline counts from when the worker has loaded, not from a cold start.
    let loaded: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      loaded = resolve;
    });
    started.on('message', (answer: Answer | 'ready') =>
      answer === 'ready' ? loaded() : pending.get(answer.id)?.settle(answer),
    );
    let why: string | undefined;
    started.on('error', (error: Error & { code?: string }) => {
      why = error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : error.message;
    });
    started.on('exit', () => {
      if (worker?.thread === started) worker = undefined;
      loaded();
      for (const entry of [...pending.values()]) entry.fail(why ?? 'exit');
    });
    return { thread: started, ready };
  };

  // While a file is read alone, no other read is sent.
  let gate: Promise<void> = Promise.resolve();
  const readOnce = async (key: string, bytes: Uint8Array, options: Parameters<ReadPost>[2], solo = false) => {
    if (!solo) await gate;
    return send(key, bytes, options);
  };
  const send = async (key: string, bytes: Uint8Array, options: Parameters<ReadPost>[2]) => {
    worker ??= start();
    const current = worker;
    await current.ready;
    return new Promise<Answer | { died: string }>((resolve) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve({ died: 'time' });
        // Whatever else was in flight is read again on a fresh worker.
        void current.thread.terminate();
      }, deadlineMs);
      timer.unref();
      pending.set(id, {
        settle: (answer) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve(answer);
        },
        fail: (reason) => {
          clearTimeout(timer);
          pending.delete(id);
          resolve({ died: reason });
        },
      });
      current.thread.postMessage({ id, key, bytes, options } satisfies Request);
    });
  };

  const readPost: ReadPost = async (key, bytes, options) => {
    // A worker that died while reading this and others may have died of any of them: the second
    // time, a file is read alone (no other read is sent until it is done) and judged by its own death.
    let answer = await readOnce(key, bytes, options);
    if ('died' in answer && answer.died !== 'time') answer = await alone(() => readOnce(key, bytes, options, true));
    if ('died' in answer) {
      if (answer.died === 'memory')
        throw new PostRejected(`file needs more than ${heapMb} MB of memory to read; nothing was published from it`);
      if (answer.died === 'time')
        throw new PostRejected(`file takes more than ${deadlineMs / 1000} s to read; nothing was published from it`);
      throw new Error(`the worker reading ${key} stopped: ${answer.died}`);
    }
    if ('rejected' in answer)
      throw new PostRejected(answer.rejected.message, answer.rejected.line, answer.rejected.column);
    if ('failed' in answer) throw new Error(`reading ${key} failed: ${answer.failed}`);
    return answer.parsed;
  };

  // One at a time, each after the reads already sent are done, and before any new one is sent.
  const alone = <T>(read: () => Promise<T>): Promise<T> => {
    const run = gate.then(async () => {
      while (pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      return read();
    });
    gate = run.then(
      () => {},
      () => {},
    );
    return run;
  };

  return {
    readPost,
    async close() {
      const current = worker;
      worker = undefined;
      await current?.thread.terminate();
    },
  };
}
