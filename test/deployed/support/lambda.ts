import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { DeployedFunction } from './template';

/*
 * A deployed function run as Lambda runs it: its bundle, from its asset folder, in a Node process
 * of its own, with the environment the template gives it plus what Lambda sets. The process stays
 * up across invocations (a warm execution environment), runs one invocation at a time, and is
 * killed when an invocation outlives the function's Timeout; the next invocation then starts a new
 * one (a cold start), as Lambda does.
 */

const RUNNER = join(__dirname, 'lambda-runner.cjs');
const REGION = 'us-east-1';
/** Lambda's limit for the init phase (loading the bundle). */
const INIT_LIMIT_MS = 10_000;

export type Invocation = (
  | { outcome: 'result'; result: unknown }
  /** The handler threw or rejected: Lambda reports a function error (and retries an asynchronous event). */
  | { outcome: 'error'; error: { name: string; message: string } }
  /** Outlived the function's Timeout: Lambda stops it ("Task timed out") and the process is gone. */
  | { outcome: 'timeout' }
  /** The process ended during the invocation (crash, out of memory, exit). */
  | { outcome: 'died'; exitCode: number | null; signal: string | null; stderr: string }
) & {
  durationMs: number;
  /** The process that ran it: the same pid across invocations means the environment stayed warm. */
  pid: number | undefined;
};

export interface LambdaOptions {
  /** Variables besides the template's and Lambda's own: the emulators' endpoints. */
  extraEnvironment: Record<string, string>;
  /** Test-only override of the function's Timeout (the harness's own tests). */
  timeoutMs?: number;
}

interface Running {
  child: ChildProcess;
  replies: AsyncIterator<string>;
  exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /** Set when the process has ended, between invocations too. */
  ended: boolean;
  stderr: string[];
}

export class LambdaTwin {
  /** Every line the function wrote to stdout or stderr (its CloudWatch log), across processes. */
  readonly logs: string[] = [];
  /** Processes started so far: more than one means a cold start after a timeout or a crash. */
  coldStarts = 0;
  private running: Running | undefined;
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly fn: DeployedFunction,
    private readonly options: LambdaOptions,
  ) {}

  get timeoutMs(): number {
    return this.options.timeoutMs ?? this.fn.timeoutSeconds * 1000;
  }

  /** The environment Lambda gives this function: the template's variables and the runtime's own. */
  environment(): Record<string, string> {
    const { fn } = this;
    const name = `PublishingStack-${fn.logicalId}`;
    return {
      // Lambda's defined runtime variables (Lambda developer guide, "Using Lambda environment variables").
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LAMBDA_TASK_ROOT: fn.assetDir,
      _HANDLER: fn.handler,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_REGION: REGION,
      AWS_DEFAULT_REGION: REGION,
      AWS_LAMBDA_FUNCTION_NAME: name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]0123456789abcdef',
      // The execution role's temporary credentials; s3rver checks signatures against S3RVER/S3RVER.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SESSION_TOKEN: 'deployed-contract-session-token',
      // The runtime is Node.js 24 on Lambda; here it is the test's Node, which the SDK warns about.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The template's own variables, NODE_OPTIONS included, as deployed.
      ...fn.environment,
      ...this.options.extraEnvironment,
    };
  }

  /** Invokes the handler with `event` and waits for its outcome; invocations queue, one at a time. */
  invoke(event: unknown): Promise<Invocation> {
    const invocation = this.queue.then(() => this.invokeNow(event));
    this.queue = invocation.catch(() => undefined);
    return invocation;
  }

  /** Ends the process (the environment is shut down). */
  async stop(): Promise<void> {
    await this.queue;
    const running = this.running;
    this.running = undefined;
    if (!running) return;
    running.child.stdin!.end();
    const timer = setTimeout(() => running.child.kill('SIGKILL'), 2000);
    await running.exited;
    clearTimeout(timer);
  }

  private async invokeNow(event: unknown): Promise<Invocation> {
    // A process that ended since its last invocation is replaced, as Lambda replaces an environment.
    if (this.running?.ended) this.running = undefined;
    this.running ??= await this.start();
    const running = this.running;
    const id = ++this.nextId;
    const started = Date.now();
    const pid = running.child.pid;
    running.child.stdin!.write(`${JSON.stringify({ id, event, deadlineMs: started + this.timeoutMs })}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
    });
    const outcome = await Promise.race([running.replies.next(), running.exited, timedOut]);
    clearTimeout(timer);
    const durationMs = Date.now() - started;

    if (outcome === 'timeout') {
      // Lambda ends the environment of a timed-out invocation; the next one starts afresh.
      this.running = undefined;
      running.child.kill('SIGKILL');
      await running.exited;
      return { outcome: 'timeout', durationMs, pid };
    }
    if ('exitCode' in outcome || outcome.done) {
      this.running = undefined;
      const { exitCode, signal } = await running.exited;
      return { outcome: 'died', exitCode, signal, stderr: running.stderr.slice(-20).join('\n'), durationMs, pid };
    }
    const reply = JSON.parse(outcome.value) as {
      id: number;
      type: 'result' | 'error';
      result?: unknown;
      error?: { name: string; message: string };
    };
    if (reply.id !== id) throw new Error(`reply ${reply.id} to invocation ${id}`);
    return reply.type === 'result'
      ? { outcome: 'result', result: reply.result, durationMs, pid }
      : { outcome: 'error', error: reply.error!, durationMs, pid };
  }

  private async start(): Promise<Running> {
    const { fn } = this;
    this.coldStarts++;
    const [file, exportName] = splitHandler(fn.handler);
    const child = spawn(process.execPath, [...heapLimits(fn.memorySize), RUNNER, join(fn.assetDir, file), exportName], {
      cwd: fn.assetDir,
      // Only these variables: no NODE_PATH, nothing of the test process's own environment.
      env: this.environment(),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    this.collect(child.stdout!);
    this.collect(child.stderr!, stderr);
    // Writing to a process that just died must not fail the test process: the exit is reported instead.
    child.stdin!.on('error', () => {});
    const exited = once(child, 'exit').then(([exitCode, signal]) => {
      running.ended = true;
      return { exitCode: exitCode as number | null, signal: signal as string | null };
    });
    const replies = createInterface({ input: child.stdio[3] as Readable })[Symbol.asyncIterator]();
    const running: Running = { child, replies, exited, ended: false, stderr };
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([
      replies.next(),
      exited,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), INIT_LIMIT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (first !== 'timeout' && !('exitCode' in first) && !first.done) {
      const message = JSON.parse(first.value) as { type: string; error?: { name: string; message: string } };
      if (message.type === 'ready') return running;
      child.kill('SIGKILL');
      throw new Error(`${fn.logicalId} failed to load: ${message.error?.name}: ${message.error?.message}`);
    }
    child.kill('SIGKILL');
    throw new Error(
      `${fn.logicalId} did not load (${first === 'timeout' ? 'init timed out' : 'process ended'}): ${stderr.join('\n')}`,
    );
  }

  private collect(stream: Readable, also?: string[]): void {
    createInterface({ input: stream }).on('line', (line) => {
      this.logs.push(line);
      also?.push(line);
      if (process.env.LOG) console.log(`[${this.fn.logicalId}] ${line}`);
    });
  }
}

function splitHandler(handler: string): [file: string, exportName: string] {
  const dot = handler.lastIndexOf('.');
  return [`${handler.slice(0, dot)}.js`, handler.slice(dot + 1)];
}

/**
 * The heap a function of this memory size gets. Lambda's Node.js bootstrap derives V8's limits
 * from AWS_LAMBDA_FUNCTION_MEMORY_SIZE; AWS does not publish the figures of the current runtimes,
 * so this takes those of an older bootstrap: 10 % of the memory for the young generation (half of
 * it a semi-space), at most 10 % (160 MB) for code, the rest for the old generation (410 MB of 512).
 */
export function heapLimits(memorySize: number): string[] {
  const newSpace = Math.round(memorySize * 0.1);
  const code = Math.min(Math.round(memorySize * 0.1), 160);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memorySize - newSpace - code}`];
}
