/**
 * `npm run errors`: the posts whose last upload was refused, with the reason and where.
 *
 *   npm run errors                                  the local stack of `npm start`
 *   npm run errors -- --aws [--outputs FILE]        the deployed stack (cdk-outputs.json)
 *   npm run errors -- --table NAME                  a deployed table by name
 *   npm run errors -- --json                        one JSON object per refused post
 *
 * Exits 1 when it lists any refused post (so a script can tell), 0 when there is none.
 */
import { type CliTarget, commandFailed, parseCommandLine, resolveTarget, TARGET_OPTIONS } from './target';

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
    if (values.json) {
      for (const { key, error, at, postId } of failures)
        console.log(JSON.stringify({ key, error, at, ...(postId ? { keeps: postId } : {}) }));
      return failures.length > 0 ? 1 : 0;
    }
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
