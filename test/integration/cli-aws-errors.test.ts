import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/local-stack';

// The command-line tools pointed at AWS by someone whose AWS configuration is missing: each
// answer names what to set, in one line, with no stack trace.

const run = promisify(execFile);
let home: string;
beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cli-aws-errors-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

/** Runs a tool with no AWS configuration at all: an empty HOME, no AWS variables, no instance metadata. */
async function withoutAws(tool: string, args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
  try {
    await run(process.execPath, [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), `infra/cli/${tool}.ts`, ...args], {
      cwd: REPO_ROOT,
      env: { ...clean, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', ...env },
      timeout: 30_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('AWS configuration missing', () => {
  it('says which setting is missing: the region, then the credentials', async () => {
    const [noRegion, noUploadRegion, noDeployRegion, noCredentials, noDeployCredentials] = await Promise.all([
      withoutAws('errors', ['--table', 'posts']),
      withoutAws('upload', ['content/posts', '--bucket', 'content']),
      withoutAws('deploy', []),
      withoutAws('errors', ['--table', 'posts'], { AWS_REGION: 'us-east-1' }),
      // Before cdk runs: no synth, no "Unable to resolve AWS account to use".
      withoutAws('deploy', [], { AWS_REGION: 'us-east-1' }),
    ]);
    for (const [command, outcome] of [
      ['errors', noRegion],
      ['upload', noUploadRegion],
      ['deploy', noDeployRegion],
    ] as const) {
      expect(outcome.stderr, command).toContain(`npm run ${command}: no AWS region: set AWS_REGION`);
      expect(outcome.code, command).toBe(1);
    }
    for (const [command, outcome] of [
      ['errors', noCredentials],
      ['deploy', noDeployCredentials],
    ] as const) {
      expect(outcome.stderr, command).toContain(
        `npm run ${command}: no AWS credentials: run \`aws configure\`, or set AWS_PROFILE`,
      );
      expect(outcome.code, command).toBe(1);
    }
    for (const outcome of [noRegion, noUploadRegion, noDeployRegion, noCredentials, noDeployCredentials]) {
      expect(outcome.stderr).not.toMatch(/^\s+at /m);
      expect(outcome.stderr).not.toContain('cdk deploy');
    }
  }, 40_000);
});
