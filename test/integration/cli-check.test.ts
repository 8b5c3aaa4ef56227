import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { CONTENT_DIR, REPO_ROOT } from '../support/local-stack';
import { BAD_POSTS, CASE_MAX_POST_BYTES, VALID_POSTS } from '../support/post-cases';

// `npm run check`, as a process. The cases are those test/integration/ingest-posts.test.ts uploads
// to the local stack and finds refused with these very messages: check and ingest agree.

const run = promisify(execFile);
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'cli-check-'));
  // A folder whose files sit at the keys the ingest cases use (posts/bad/…, posts/…).
  for (const post of [...BAD_POSTS, ...VALID_POSTS]) {
    const file = join(scratch, 'cases', post.key.replace(/^posts\//, ''));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, post.body);
  }
  await cp(join(CONTENT_DIR, 'posts'), join(scratch, '_posts'), { recursive: true });
  await writeFile(join(scratch, '_posts', '.DS_Store'), Buffer.from([0, 1, 2, 0]));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function check(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'infra/cli/check.ts', ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, [ENV.maxPostBytes]: String(CASE_MAX_POST_BYTES) },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `line 4, column 6: message` (how ingest records it) as check prints it for `path`. */
function asCheckLine(path: string, recorded: string): string {
  const where = /^line (\d+)(?:, column (\d+))?: (.*)$/s.exec(recorded);
  if (!where) return `${path}: ${recorded}`;
  return `${path}:${where[1]}${where[2] ? `:${where[2]}` : ''}: ${where[3]}`;
}

describe('npm run check', () => {
  it('passes a Jekyll _posts folder that ingest publishes, skipping dotfiles, with exit code 0', async () => {
    const { code, stdout } = await check([join(scratch, '_posts')]);
    expect(stdout).toBe(
      `${join(scratch, '_posts/2022-01-20-draft-report.md')}: not published: published: false in its front matter: Jekyll does not publish it\n7 posts checked, 0 refused, 1 not published\n`,
    );
    expect(code).toBe(0);
  }, 20_000);

  it('prints file:line:column and the reason ingest records for every refused post, a summary, and exits 1', async () => {
    const { code, stdout } = await check([join(scratch, 'cases')]);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`${BAD_POSTS.length + VALID_POSTS.length} posts checked, ${BAD_POSTS.length} refused`);
    expect(lines).toHaveLength(BAD_POSTS.length + 1);
    for (const bad of BAD_POSTS) {
      const path = join(scratch, 'cases', bad.key.replace(/^posts\//, ''));
      if (typeof bad.error === 'string') expect(lines, bad.name).toContain(asCheckLine(path, bad.error));
      else
        expect(lines.find((line) => line.startsWith(`${path}: `))?.slice(path.length + 2), bad.name).toMatch(bad.error);
    }
    expect(stdout).toContain(
      `${join(scratch, 'cases/bad/indent.md')}:4:6: front matter is not valid YAML: bad indentation of a mapping entry\n`,
    );
    expect(stdout).toContain(
      `${join(scratch, 'cases/bad/feb30.md')}:3: date "2022-02-30 10:00:00 +0800" does not exist in the calendar\n`,
    );
    expect(code).toBe(1);
  }, 20_000);

  it('checks a Jekyll site folder with its _config.yml, saying why each file Jekyll skips is not published', async () => {
    const site = join(scratch, 'jekyll-site');
    await cp(join(REPO_ROOT, 'test', 'fixtures', 'jekyll-site'), site, { recursive: true });
    const { code, stdout } = await check([site]);
    expect(stdout).toContain(
      `${join(site, '_drafts/a-draft.md')}: not published: a draft (in _drafts): Jekyll publishes drafts only when asked to (--drafts)\n`,
    );
    expect(stdout).toContain(
      `${join(site, '_posts/undated.md')}: not published: Jekyll reads only files named YYYY-MM-DD-title.ext in _posts (it never publishes this one)\n`,
    );
    expect(stdout).toContain(
      `${join(site, '_posts/2022-05-01-unpublished.md')}: not published: published: false in its front matter: Jekyll does not publish it\n`,
    );
    expect(stdout).toMatch(/^\d+ posts checked, 0 refused, 3 not published$/m);
    expect(code).toBe(0);

    await writeFile(join(site, '_config.yml'), 'timezone: Asia/Chengdu\n');
    const broken = await check([site]);
    expect(broken.stdout).toBe(
      `${join(site, '_config.yml')}: _config.yml: timezone "Asia/Chengdu" is not a time zone name such as Asia/Shanghai\n${join(site, '_config.yml')} is refused, and with it every post of the site\n`,
    );
    expect(broken.code).toBe(1);
  }, 20_000);

  it('checks single files and answers a usage error with exit code 2', async () => {
    const [one, missing, none] = await Promise.all([
      check([join(scratch, 'cases/bad/untitled.md'), join(scratch, '_posts/2022-01-13-metro-line-opens.md')]),
      check([join(scratch, 'nowhere')]),
      check([]),
    ]);
    expect(one.stdout).toBe(
      `${join(scratch, 'cases/bad/untitled.md')}:1: front matter has no title\n2 posts checked, 1 refused\n`,
    );
    expect(one.code).toBe(1);
    expect(missing.stderr).toContain('nowhere does not exist');
    expect(missing.code).toBe(2);
    expect(none.code).toBe(2);
  }, 20_000);
});
