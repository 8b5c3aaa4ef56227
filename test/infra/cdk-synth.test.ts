import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/local-stack';

// The real `cdk synth` a user runs before `cdk deploy`: offline, cdk-nag on, both functions
// bundled by the local esbuild (no Docker).
const run = promisify(execFile);
let outDir: string | undefined;

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('npx cdk synth', () => {
  it('passes offline with cdk-nag on and bundles both functions with esbuild', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'cdk-out-'));
    const { stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--output', outDir],
      { cwd: REPO_ROOT, env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' }, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stderr).not.toMatch(/docker/i);
    const bundles = readdirSync(outDir).filter(
      (name) => name.startsWith('asset.') && existsSync(join(outDir!, name, 'index.js')),
    );
    const sources = bundles.map((name) => readFileSync(join(outDir!, name, 'index.js'), 'utf8'));
    const read = sources.filter((source) => source.includes('legacyShare') && !source.includes('ObjectRemoved:'));
    // Ingest knows the route table too (permalinks may not fall on a route), not the reading of S3 events the other way round.
    const ingest = sources.filter((source) => source.includes('ObjectRemoved:'));
    expect(read).toHaveLength(1);
    expect(ingest).toHaveLength(1);
  }, 180_000);
});
