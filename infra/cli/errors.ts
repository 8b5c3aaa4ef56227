/**
 * `npm run errors`: the posts whose last upload was refused, with the reason and where; then,
 * as warnings, the pictures and files published posts refer to that are not in the bucket (the
 * post is published without them: docs/assets.md).
 *
 *   npm run errors                                  the local stack of `npm start`
 *   npm run errors -- --aws [--outputs FILE]        the deployed stack (cdk-outputs.json)
 *   npm run errors -- --table NAME                  a deployed table by name
 *   npm run errors -- --json                        one JSON object per refused post
 *
 * Exits 1 when it lists any refused post (so a script can tell), 0 when there is none (missing
 * files alone are warnings). Finding them reads every key's state (one scan of the table) and lists
 * the bucket; without a bucket (`--table NAME` alone) they are not looked for.
 */

import { listETags } from '../local/sync-content';
import type { CliTarget } from './target';
import { commandFailed, parseCommandLine, resolveTarget, TARGET_OPTIONS } from './target';

/** Each published post's recorded files (functions/core/store.ts, PublishedVersion.files) missing from the bucket. */
async function missingFiles(target: CliTarget): Promise<Array<{ key: string; file: string }>> {
  if (!target.bucket) return [];
  const [{ states }, objects] = await Promise.all([target.store.listSources(), listETags(target.s3, target.bucket)]);
  return states
    .filter((state) => state.status === 'published' || state.status === 'failed')
    .flatMap((state) => (state.published?.files ?? []).map((file) => ({ key: state.key, file })))
    .filter(({ file }) => !objects.has(file))
    .sort((a, b) => (a.key === b.key ? (a.file < b.file ? -1 : 1) : a.key < b.key ? -1 : 1));
}

const USAGE = 'usage: npm run errors [-- --aws [--outputs FILE] | --table NAME] [--json]';

async function main(): Promise<number> {
  let target: CliTarget | undefined;
  try {
    const { bucket: _bucket, ...options } = TARGET_OPTIONS;
    const { values } = parseCommandLine({ ...options, json: { type: 'boolean' } }, USAGE);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    target = resolveTarget(values);
    const failures = (await target.store.listFailedSources()).sort((a, b) => (a.key < b.key ? -1 : 1));
    // The refusals are what this command is for: a bucket it cannot list costs only the warnings.
    const missing = await missingFiles(target).catch((error: unknown) => {
      console.error(
        `warning: could not list the bucket ${target?.bucket} to look for missing files (${error instanceof Error ? error.message : String(error)})`,
      );
      return [];
    });
    if (values.json) {
      for (const { key, error, at, postId } of failures)
        console.log(JSON.stringify({ key, error, at, ...(postId ? { keeps: postId } : {}) }));
      for (const { key, file } of missing) console.log(JSON.stringify({ key, warning: 'missing file', file }));
      return failures.length > 0 ? 1 : 0;
    }
    for (const { key, file } of missing)
      console.log(`warning: ${key}: ${file} is missing from the bucket; the post is published without it`);
    if (missing.length > 0) console.log('');
    if (failures.length === 0) {
      console.log(`No refused posts in ${target.description}.`);
      return 0;
    }
    console.log(`${failures.length} refused post${failures.length === 1 ? '' : 's'} in ${target.description}:\n`);
    for (const failure of failures) {
      console.log(failure.key);
      console.log(`  ${failure.error}`);
      const kept = failure.postId ? `; its last good version (${failure.postId}) stays published` : '';
      console.log(`  uploaded ${failure.at}${kept}\n`);
    }
    console.log('Upload a fixed version of a file to clear its entry.');
    return 1;
  } catch (error) {
    return commandFailed('errors', error, target);
  } finally {
    target?.close();
  }
}

void main().then((code) => process.exit(code));
