import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENV } from '../../functions/config-names';
import type { LocalStack } from '../../infra/local/local-stack';
import { REPO_ROOT } from './local-stack';

const run = promisify(execFile);

/** Runs one of the command-line tools (`infra/cli/{tool}.ts`) against a local stack: its output and exit code. */
export async function runCli(
  stack: LocalStack,
  tool: 'errors' | 'reindex' | 'scheduled',
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ stdout: string; code: number }> {
  try {
    const { stdout } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), `infra/cli/${tool}.ts`, ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, [ENV.dynamoEndpoint]: stack.dynamoEndpoint, [ENV.s3Endpoint]: stack.s3Endpoint, ...env },
      },
    );
    return { stdout, code: 0 };
  } catch (error) {
    const failed = error as { stdout?: string; code?: unknown };
    if (typeof failed.code !== 'number') throw error;
    return { stdout: failed.stdout ?? '', code: failed.code };
  }
}
