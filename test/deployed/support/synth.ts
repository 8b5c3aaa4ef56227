import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../infra/constructs/bundling';

/*
 * `cdk synth` once for every file of test/deployed, however many vitest workers run them: the
 * cloud assembly is kept in <tmp>/deployed-contract-<checkout>/<hash of what synth reads>, and
 * a lock folder makes parallel workers wait for the one that synthesizes. An unchanged tree
 * reuses the assembly of the previous run; any change to functions/, infra/, the lockfile or
 * cdk.json makes a new one. Only test/deployed imports this, so `npx vitest run test/unit` never
 * pays for it.
 */

const run = promisify(execFile);
/**
 * Outside the repository: a bundle in cdk.out/asset.<hash>/ must find no node_modules in any
 * folder above it, as on Lambda (an external package would otherwise load here and fail there).
 * One folder per checkout, so that worktrees do not share assemblies.
 */
const CACHE = join(tmpdir(), `deployed-contract-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`);
/** What `cdk synth` reads: the app, the functions it bundles, and what decides their dependencies. */
const INPUTS = ['functions', 'infra', 'patches', 'package-lock.json', 'package.json', 'cdk.json', 'tsconfig.json'];
const COMPLETE = 'synth-complete';
/** A synth takes ~20 s alone; with the other test workers on 2 cores, much longer. */
const WAIT_LIMIT_MS = 5 * 60_000;

/** The folder of a cloud assembly of the current tree (`PublishingStack.template.json`, `asset.<hash>/`). */
export async function synthesizedAssembly(): Promise<string> {
  const key = inputHash();
  const dir = join(CACHE, key);
  if (existsSync(join(dir, COMPLETE))) return dir;
  await mkdir(CACHE, { recursive: true });
  const lock = join(CACHE, `${key}.lock`);
  const started = Date.now();
  // mkdir is atomic: one worker gets the lock, the others wait for its assembly.
  while (!(await takeLock(lock))) {
    if (existsSync(join(dir, COMPLETE))) return dir;
    if (Date.now() - started > WAIT_LIMIT_MS)
      throw new Error(
        `cdk synth by another test worker did not finish within ${WAIT_LIMIT_MS / 1000} s (lock ${lock})`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    if (existsSync(join(dir, COMPLETE))) return dir;
    const out = await mkdtemp(join(CACHE, `${key}.synth-`));
    await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/aws-cdk/bin/cdk'), 'synth', '--quiet', '--output', out],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    await writeFile(join(out, COMPLETE), new Date().toISOString());
    await rm(dir, { recursive: true, force: true });
    await rename(out, dir);
    await pruneOtherAssemblies(key);
    return dir;
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** True when this process now holds the lock; a lock whose holder died is taken over. */
async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
    await writeFile(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
  // No pid yet: the holder is between mkdir and writeFile (or died there, which the age catches).
  const age = Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs;
  if ((Number.isNaN(holder) && age > 10_000) || (!Number.isNaN(holder) && !isAlive(holder))) {
    await rm(lock, { recursive: true, force: true });
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Assemblies of other trees are a few MB each: only the newest is kept. */
async function pruneOtherAssemblies(key: string): Promise<void> {
  for (const name of await readdir(CACHE)) {
    if (!name.startsWith(key) && !name.endsWith('.lock')) await rm(join(CACHE, name), { recursive: true, force: true });
  }
}

/** SHA-256 over the path and bytes of every input file, in a fixed order. */
function inputHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(REPO_ROOT, input))).sort()) {
    hash.update(relative(REPO_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

function filesUnder(path: string): string[] {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return [];
  if (!stat.isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => filesUnder(join(path, name)));
}
