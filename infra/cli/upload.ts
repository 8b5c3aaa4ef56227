/**
 * `npm run upload -- <files or folders>`: publishes posts by putting them in the content bucket,
 * where ingest picks them up.
 *
 *   npm run upload -- _posts                        the local stack of `npm start`
 *   npm run upload -- _posts --aws [--outputs FILE] the deployed bucket (cdk-outputs.json)
 *   npm run upload -- _posts --bucket NAME          a bucket by name
 *   npm run upload -- _posts --delete               also remove objects under posts/ whose files are gone
 *   npm run upload -- _posts --no-wait              do not wait for ingest's outcome
 *
 * A folder's files go to `posts/` + their path in the folder (a Jekyll `_posts` folder imports
 * as it is); a file given directly goes to `posts/<name>`. A folder with a `_config.yml` is a
 * Jekyll site: its config goes first, to `posts/_config.yml` (ingest reads it for every post, and
 * a change of it re-publishes them all), then every file of its `_posts` and `_drafts` folders
 * and every picture or file the site serves (docs/assets.md: `assets/…`, files beside posts),
 * streamed; its other files (pages, layouts, styles) are left out. Files whose MD5 is the object's ETag
 * are skipped. Files ingest would refuse (`npm run check`) are reported and not uploaded, so
 * the last good version stays up; the exit code is then 1.
 *
 * Then it waits (at most WAIT_SECONDS) for ingest's outcome of each file it put, read from the
 * table (each key's state records the ETag of the version it applied), and prints the page and
 * share link of each post published, or why ingest refused it (a refusal `check` cannot see
 * offline: an id or infoCode another file holds); any refusal makes the exit code 1.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SingleBar } from 'cli-progress';
import { POSTS_PREFIX } from '../../functions/config-names';
import { PostRejected } from '../../functions/core/errors';
import { inParallel } from '../../functions/core/in-parallel';
import type { PostStore, SourceState } from '../../functions/core/store';
import { absoluteUrl, shareLinkPath } from '../../functions/core/urls';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { contentTypeOf, listETags, md5Hex, md5OfFile, putFile } from '../local/sync-content';
import {
  checkPost,
  collectPostFiles,
  describeProblem,
  missingFileWarnings,
  type PostFile,
  readSiteFile,
} from './post-files';
import {
  type BucketTarget,
  type CliTarget,
  commandFailed,
  parseCommandLine,
  readOutputs,
  resolveBucketTarget,
  resolveTarget,
  TARGET_OPTIONS,
  UsageError,
} from './target';

const USAGE =
  'usage: npm run upload -- <files or folders> [--aws [--outputs FILE] | --bucket NAME [--table NAME]] [--delete] [--no-wait]';
/** How long to wait for ingest's outcomes: ingest takes seconds; a backlog of thousands takes longer. */
const WAIT_SECONDS = 120;
const POLL_MS = 500;
/** Above this many files a progress bar replaces the line per file. */
const LINES_UP_TO = 20;
const CONCURRENCY = 8;

type Result = 'new' | 'updated' | 'unchanged' | 'deleted' | 'refused';

async function main(): Promise<number> {
  let target: BucketTarget | undefined;
  let table: CliTarget | undefined;
  let bar: SingleBar | undefined;
  try {
    const { values, positionals } = parseCommandLine(
      { ...TARGET_OPTIONS, delete: { type: 'boolean' }, 'no-wait': { type: 'boolean' } },
      USAGE,
      true,
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const settings = ingestSettingsFromEnv(process.env);
    const { files, folders, config, leftOut } = await collectPostFiles(positionals);
    const site = await readSiteFile(config);
    if (site instanceof PostRejected) {
      console.log(`  refused   ${describeProblem(config!.path, site)}`);
      console.log(`${config!.path} is refused, and with it every post of the site: nothing was uploaded`);
      return 1;
    }
    if (values.delete && !folders)
      throw new UsageError(
        '--delete needs a folder: it removes objects under posts/ whose files are no longer in the folders given',
      );
    target = resolveBucketTarget(values);
    const { s3, bucket } = target;
    // Where ingest's outcomes are read: the stack's table (none known for a bare --bucket).
    const waitFor = values['no-wait'] ? undefined : tableOf(values);
    if (waitFor) table = waitFor;

    console.log(`Uploading ${files.length} file${files.length === 1 ? '' : 's'} to ${target.description}…`);
    if (leftOut > 0)
      console.log(
        `  (${leftOut} file${leftOut === 1 ? '' : 's'} of the site outside _posts and _drafts left out: pages, layouts and styles are not published here)`,
      );
    const existing = await listETags(s3, bucket);
    if (config) {
      // Before the posts, so that each is read with it; a change re-publishes the posts already there.
      const body = await readFile(config.path);
      const etag = existing.get(config.key);
      if (etag !== md5Hex(body))
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: config.key,
            Body: body,
            ContentType: 'text/yaml; charset=utf-8',
          }),
        );
      console.log(
        `  ${etag === undefined ? 'new      ' : etag === md5Hex(body) ? 'unchanged' : 'updated  '} ${config.key}`,
      );
    }
    const counts: Record<Result, number> = { new: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0 };
    const problems: string[] = [];
    if (files.length > LINES_UP_TO) {
      // Also when not on a terminal (CI logs, pipes): one line at the start, one at the end.
      bar = new SingleBar({
        format: '  {bar} {value}/{total} files',
        hideCursor: true,
        noTTYOutput: true,
        stream: process.stdout,
      });
      bar.start(files.length, 0);
    }
    const report = (result: Result, label: string, problem?: string) => {
      counts[result]++;
      if (problem) problems.push(problem);
      if (bar) bar.increment();
      else console.log(`  ${result.padEnd(9)} ${problem ?? label}`);
    };

    const put: Array<{ file: PostFile; etag: string }> = [];
    const given = new Set(files.map((file) => file.key));
    const warnings: string[] = [];
    const uploadOne = async (file: PostFile) => {
      if (file.file) {
        // A picture or file: streamed as it is, never read as a post (ingest skips it too).
        const md5 = await md5OfFile(file.path);
        const etag = existing.get(file.key);
        const label = `${file.key} (served at ${file.key.slice(POSTS_PREFIX.length - 1)})`;
        if (etag === md5) return report('unchanged', label);
        await putFile(s3, bucket, file.key, file.path);
        return report(etag === undefined ? 'new' : 'updated', label);
      }
      const body = await readFile(file.path);
      const result = checkPost(file.key, body, settings, site);
      if ('refused' in result) return report('refused', file.key, describeProblem(file.path, result.refused));
      if ('published' in result)
        warnings.push(...missingFileWarnings(file, result.files, (key) => given.has(key) || existing.has(key)));
      // Uploaded all the same: `published: false` takes down a version published before.
      const label = 'skipped' in result ? `${file.key} (not published: ${result.skipped})` : file.key;
      const etag = existing.get(file.key);
      if (etag === md5Hex(body)) return report('unchanged', label);
      const answer = await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: body, ContentType: contentTypeOf(file.key) }),
      );
      put.push({ file, etag: unquote(answer.ETag ?? md5Hex(body)) });
      report(etag === undefined ? 'new' : 'updated', label);
    };
    await inParallel(files, CONCURRENCY, uploadOne);
    bar?.stop();
    bar = undefined;

    if (values.delete) {
      // Refused files still exist: their objects (the last good version) stay.
      const kept = new Set([...files.map((file) => file.key), ...(config ? [config.key] : [])]);
      for (const key of [...existing.keys()].sort()) {
        if (!key.startsWith(POSTS_PREFIX) || kept.has(key)) continue;
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        counts.deleted++;
        console.log(`  deleted   ${key}`);
      }
    }

    if (files.length > LINES_UP_TO) for (const problem of problems) console.log(`  refused   ${problem}`);
    // Not refusals: the post is published, without the picture, until the file is uploaded.
    for (const warning of warnings.sort()) console.log(`  warning   ${warning}`);
    console.log(
      `${files.length} file${files.length === 1 ? '' : 's'}: ${counts.new} new, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.deleted} deleted, ${counts.refused} refused`,
    );
    if (counts.refused > 0)
      console.log(
        'Refused files were not uploaded; fix them (npm run check -- <path> says what is wrong) and upload again.',
      );

    let ingestFailed = false;
    if (put.length > 0 && values['no-wait'])
      console.log('Not waiting for ingest (--no-wait): npm run errors lists what it refuses.');
    else if (put.length > 0 && !table)
      console.log('Not waiting for ingest: no table to read its outcomes from (give --table NAME, or --outputs FILE).');
    else if (put.length > 0) {
      console.log(`Waiting for ingest (at most ${WAIT_SECONDS} s)…`);
      if (put.length > LINES_UP_TO) {
        bar = new SingleBar({
          format: '  {bar} {value}/{total} ingested',
          hideCursor: true,
          noTTYOutput: true,
          stream: process.stdout,
        });
        bar.start(put.length, 0);
      }
      const outcomes = await waitForIngest(table!.store, put, () => bar?.increment());
      bar?.stop();
      bar = undefined;
      const base = siteBase(values, target.local);
      const tally = { published: 0, scheduled: 0, unpublished: 0, refused: 0, waiting: 0 };
      for (const { file } of [...put].sort((a, b) => (a.file.key < b.file.key ? -1 : 1))) {
        const state = outcomes.get(file.key);
        if (!state) {
          tally.waiting++;
          console.log(`  waiting   ${file.key}: not ingested after ${WAIT_SECONDS} s`);
        } else if (state.status === 'failed') {
          tally.refused++;
          console.log(`  refused   ${describeRecorded(file.path, state.error ?? 'refused')}`);
        } else if (state.status === 'published' && state.published) {
          tally.published++;
          const share = state.published.shareCodes[0];
          console.log(
            `  published ${absoluteUrl(base, state.published.path)}${share ? `  share ${absoluteUrl(base, shareLinkPath(share))}` : ''}`,
          );
        } else if (state.status === 'scheduled') {
          tally.scheduled++;
          console.log(`  scheduled ${file.key}: goes live at ${state.publishAt}`);
        } else {
          tally.unpublished++;
          console.log(`  ${state.status.padEnd(9)} ${file.key}`);
        }
      }
      console.log(
        `Ingest: ${tally.published} published,${tally.scheduled ? ` ${tally.scheduled} scheduled,` : ''} ${tally.unpublished} not published (published: false or deleted), ${tally.refused} refused, ${tally.waiting} still waiting`,
      );
      const errors = `npm run errors${target.local ? '' : ' -- --aws'}`;
      if (tally.refused > 0)
        console.log(
          `Ingest keeps the version published before, if any; fix the files and upload again (${errors} lists the refusals).`,
        );
      if (tally.waiting > 0)
        console.log(`Files still waiting are ingested in the background; ${errors} will list any refusal.`);
      ingestFailed = tally.refused > 0 || tally.waiting > 0;
    }
    return counts.refused > 0 || ingestFailed ? 1 : 0;
  } catch (error) {
    bar?.stop();
    return commandFailed('upload', error, target);
  } finally {
    target?.close();
    table?.close();
  }
}

/** The table ingest writes, when one is known: the local stack's, or the one named by --table or the outputs file. */
function tableOf(values: { aws?: boolean; outputs?: string; table?: string; bucket?: string }): CliTarget | undefined {
  try {
    return resolveTarget(values);
  } catch (error) {
    if (error instanceof UsageError) return undefined;
    throw error;
  }
}

/** The origin printed links start with: SITE_URL, else the deployed site's (CloudFront, else the API), else the local site's. */
function siteBase(values: { outputs?: string }, local: boolean): string {
  const configured =
    process.env.SITE_URL ||
    (local
      ? `http://localhost:${process.env.PORT || 3000}`
      : (readOutputs(values.outputs)?.SiteUrl ?? readOutputs(values.outputs)?.ApiUrl));
  return (configured ?? '').replace(/\/+$/, '');
}

/**
 * Each key's state once ingest applied the version put (its ETag), polled until all are or the
 * time is up; keys not applied by then are missing from the answer.
 */
async function waitForIngest(
  store: PostStore,
  put: Array<{ file: PostFile; etag: string }>,
  onSettled: () => void,
): Promise<Map<string, SourceState>> {
  const settled = new Map<string, SourceState>();
  const deadline = Date.now() + WAIT_SECONDS * 1000;
  let pending = put;
  while (pending.length > 0) {
    await inParallel(pending, CONCURRENCY, async ({ file, etag }) => {
      const state = await store.getSourceState(file.key);
      if (state && unquote(state.etag ?? '') === etag) {
        settled.set(file.key, state);
        onSettled();
      }
    });
    pending = pending.filter(({ file }) => !settled.has(file.key));
    if (pending.length === 0 || Date.now() >= deadline) break;
    await sleep(POLL_MS);
  }
  return settled;
}

/** A refusal as recorded (`line 4, column 6: …`), in the `file:line:column: message` form of `npm run check`. */
function describeRecorded(path: string, error: string): string {
  const where = /^line (\d+)(?:, column (\d+))?: ([\s\S]*)$/.exec(error);
  const rejection = where
    ? new PostRejected(where[3], Number(where[1]), where[2] === undefined ? undefined : Number(where[2]))
    : new PostRejected(error);
  return describeProblem(path, rejection);
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

void main().then((code) => process.exit(code));
