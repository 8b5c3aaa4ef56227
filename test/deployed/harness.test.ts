import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaTwin } from './support/lambda';
import type { DeployedFunction } from './support/template';

// The harness the contract suite runs the bundles in, checked on a bundle of its own: if it
// did not report a timeout, a crash or a throw as Lambda does, the suite's cases would prove less.

const BUNDLE = `
let invocations = 0;
exports.handler = async (event, context) => {
  invocations++;
  switch (event.kind) {
    case 'echo': return { event, invocations, remaining: context.getRemainingTimeInMillis() };
    case 'undefined': return undefined;
    case 'throw': throw Object.assign(new Error('no such thing'), { name: 'NotThere' });
    case 'hang': return new Promise(() => {});
    case 'exit': process.exit(3);
    case 'allocate': { const kept = []; for (;;) kept.push(new Array(1e6).fill(kept.length)); }
    case 'log': console.log('to stdout'); console.error('to stderr'); return 'logged';
    case 'environment': return { cwd: process.cwd(), env: process.env, heap: require('v8').getHeapStatistics().heap_size_limit };
  }
};
`;

let dir: string;

function fakeFunction(memorySize = 256): DeployedFunction {
  return {
    logicalId: 'FakeFunction',
    handler: 'index.handler',
    runtime: 'nodejs24.x',
    environment: { NODE_OPTIONS: '--enable-source-maps', SOMETHING: 'from the template' },
    memorySize,
    timeoutSeconds: 3,
    assetDir: dir,
  };
}

const twins: LambdaTwin[] = [];
function twin(options: { memorySize?: number; timeoutMs?: number } = {}): LambdaTwin {
  const started = new LambdaTwin(fakeFunction(options.memorySize), {
    extraEnvironment: { EXTRA: 'endpoint' },
    timeoutMs: options.timeoutMs,
  });
  twins.push(started);
  return started;
}

beforeAll(async () => {
  // realpath: the process reports its cwd resolved (macOS /tmp is a link).
  dir = await realpath(await mkdtemp(join(tmpdir(), 'lambda-harness-')));
  await writeFile(join(dir, 'index.js'), BUNDLE);
});

afterAll(async () => {
  await Promise.all(twins.map((started) => started.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the Lambda stand-in of test/deployed', () => {
  it('answers each event with the handler result as JSON, in one warm process', async () => {
    const lambda = twin();
    const first = await lambda.invoke({ kind: 'echo', n: 1 });
    const second = await lambda.invoke({ kind: 'echo', n: 2 });
    expect(first).toMatchObject({ outcome: 'result', result: { event: { kind: 'echo', n: 1 }, invocations: 1 } });
    expect(second).toMatchObject({ outcome: 'result', result: { invocations: 2 } });
    expect(second.pid).toBe(first.pid);
    expect(lambda.coldStarts).toBe(1);
    expect((first as { result: { remaining: number } }).result.remaining).toBeGreaterThan(2000);
    expect(await lambda.invoke({ kind: 'undefined' })).toMatchObject({ outcome: 'result', result: null });
  });

  it('reports a thrown error by name and message, and stays warm', async () => {
    const lambda = twin();
    const thrown = await lambda.invoke({ kind: 'throw' });
    expect(thrown).toMatchObject({ outcome: 'error', error: { name: 'NotThere', message: 'no such thing' } });
    expect(await lambda.invoke({ kind: 'echo' })).toMatchObject({
      outcome: 'result',
      pid: thrown.pid,
      result: { invocations: 2 },
    });
  });

  it('kills an invocation that outlives the timeout, and starts the next one cold', async () => {
    const lambda = twin({ timeoutMs: 500 });
    const hung = await lambda.invoke({ kind: 'hang' });
    expect(hung.outcome).toBe('timeout');
    expect(hung.durationMs).toBeGreaterThanOrEqual(500);
    const next = await lambda.invoke({ kind: 'echo' });
    expect(next).toMatchObject({ outcome: 'result', result: { invocations: 1 } });
    expect(next.pid).not.toBe(hung.pid);
    expect(lambda.coldStarts).toBe(2);
  });

  it('reports a process that exits during an invocation as died', async () => {
    const lambda = twin();
    expect(await lambda.invoke({ kind: 'exit' })).toMatchObject({ outcome: 'died', exitCode: 3 });
    expect(await lambda.invoke({ kind: 'echo' })).toMatchObject({ outcome: 'result', result: { invocations: 1 } });
  });

  it('limits the heap by the memory size: a function that keeps allocating dies', async () => {
    const lambda = twin({ memorySize: 128 });
    const environment = await lambda.invoke({ kind: 'environment' });
    const heap = (environment as { result: { heap: number } }).result.heap;
    expect(heap).toBeLessThan(128 * 1024 * 1024);
    expect(await lambda.invoke({ kind: 'allocate' })).toMatchObject({ outcome: 'died' });
  });

  it('runs in the asset folder with the template environment, the Lambda variables and no NODE_PATH', async () => {
    const lambda = twin();
    const { result } = (await lambda.invoke({ kind: 'environment' })) as {
      result: { cwd: string; env: Record<string, string> };
    };
    expect(result.cwd).toBe(dir);
    expect(result.env).toMatchObject({
      SOMETHING: 'from the template',
      EXTRA: 'endpoint',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_FUNCTION_NAME: 'PublishingStack-FakeFunction',
      AWS_REGION: 'us-east-1',
      AWS_SESSION_TOKEN: expect.any(String),
      LAMBDA_TASK_ROOT: dir,
      TZ: ':UTC',
    });
    expect(result.env.NODE_PATH).toBeUndefined();
    expect(Object.keys(result.env).filter((name) => name.startsWith('VITEST'))).toEqual([]);
  });

  it("keeps the function's stdout and stderr as its log, apart from the replies", async () => {
    const lambda = twin();
    expect(await lambda.invoke({ kind: 'log' })).toMatchObject({ outcome: 'result', result: 'logged' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lambda.logs).toEqual(expect.arrayContaining(['to stdout', 'to stderr']));
  });
});
