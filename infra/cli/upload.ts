/**
 * `npm run upload -- <files or folders>`: publishes posts by putting them in the content bucket,
 * where ingest picks them up.
 *
 *   npm run upload -- _posts                        the local stack of `npm start`
 *   npm run upload -- _posts --aws [--outputs FILE] the deployed bucket (cdk-outputs.json)
 *   npm run upload -- _posts --bucket NAME          a bucket by name
 *   npm run upload -- _posts --delete               also remove objects under posts/ whose files are gone
 *
 * A folder's files go to `posts/` + their path in the folder (a Jekyll `_posts` folder imports
 * as it is); a file given directly goes to `posts/<name>`. Files whose MD5 is the object's ETag
 * are skipped. Files ingest would refuse (`npm run check`) are reported and not uploaded, so
 * the last good version stays up; the exit code is then 1.
 */
import { readFile } from 'node:fs/promises';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { SingleBar } from 'cli-progress';
import { POSTS_PREFIX } from '../../functions/config-names';
import { inParallel } from '../../functions/core/in-parallel';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { contentTypeOf, listETags, md5Hex } from '../local/sync-content';
import { checkPost, collectPostFiles, describeProblem, type PostFile } from './post-files';
import { commandFailed, parseCommandLine, resolveBucketTarget, TARGET_OPTIONS, UsageError, type BucketTarget } from './target';

const USAGE = 'usage: npm run upload -- <files or folders> [--aws [--outputs FILE] | --bucket NAME] [--delete]';
/** Above this many files a progress bar replaces the line per file. */
const LINES_UP_TO = 20;
const CONCURRENCY = 8;

type Result = 'new' | 'updated' | 'unchanged' | 'deleted' | 'refused';

async function main(): Promise<number> {
  let target: BucketTarget | undefined;
  let bar: SingleBar | undefined;
  try {
    const { table: _table, ...options } = TARGET_OPTIONS;
    const { values, positionals } = parseCommandLine({ ...options, delete: { type: 'boolean' } }, USAGE, true);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const settings = ingestSettingsFromEnv(process.env);
    const { files, folders } = await collectPostFiles(positionals);
    if (values.delete && !folders) throw new UsageError('--delete needs a folder: it removes objects under posts/ whose files are no longer in the folders given');
    target = resolveBucketTarget(values);
    const { s3, bucket } = target;

    console.log(`Uploading ${files.length} file${files.length === 1 ? '' : 's'} to ${target.description}…`);
    const existing = await listETags(s3, bucket);
    const counts: Record<Result, number> = { new: 0, updated: 0, unchanged: 0, deleted: 0, refused: 0 };
    const problems: string[] = [];
    if (files.length > LINES_UP_TO) {
      // Also when not on a terminal (CI logs, pipes): one line at the start, one at the end.
      bar = new SingleBar({ format: '  {bar} {value}/{total} files', hideCursor: true, noTTYOutput: true, stream: process.stdout });
      bar.start(files.length, 0);
    }
    const report = (result: Result, label: string, problem?: string) => {
      counts[result]++;
      if (problem) problems.push(problem);
      if (bar) bar.increment();
      else console.log(`  ${result.padEnd(9)} ${problem ?? label}`);
    };

    const uploadOne = async (file: PostFile) => {
      const body = await readFile(file.path);
      const rejection = checkPost(file.key, body, settings);
      if (rejection) return report('refused', file.key, describeProblem(file.path, rejection));
      const etag = existing.get(file.key);
      if (etag === md5Hex(body)) return report('unchanged', file.key);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: file.key, Body: body, ContentType: contentTypeOf(file.key) }));
      report(etag === undefined ? 'new' : 'updated', file.key);
    };
    await inParallel(files, CONCURRENCY, uploadOne);
    bar?.stop();
    bar = undefined;

    if (values.delete) {
      // Refused files still exist: their objects (the last good version) stay.
      const kept = new Set(files.map((file) => file.key));
      for (const key of [...existing.keys()].sort()) {
        if (!key.startsWith(POSTS_PREFIX) || kept.has(key)) continue;
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        counts.deleted++;
        console.log(`  deleted   ${key}`);
      }
    }

    if (files.length > LINES_UP_TO) for (const problem of problems) console.log(`  refused   ${problem}`);
    console.log(`${files.length} file${files.length === 1 ? '' : 's'}: ${counts.new} new, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.deleted} deleted, ${counts.refused} refused`);
    if (counts.refused > 0) console.log('Refused files were not uploaded; fix them (npm run check -- <path> says what is wrong) and upload again.');
    return counts.refused > 0 ? 1 : 0;
  } catch (error) {
    bar?.stop();
    return commandFailed('upload', error, target);
  } finally {
    target?.close();
  }
}

void main().then((code) => process.exit(code));
