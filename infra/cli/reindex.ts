/**
 * `npm run reindex`: rebuilds the posts table from the content bucket – every object
 * published (or refused) as its current bytes say, every post whose object is gone removed.
 * Idempotent, and safe while uploads continue (functions/core/reindex.ts).
 *
 *   npm run reindex                                 the local stack of `npm start`
 *   npm run reindex -- --aws [--outputs FILE]       the deployed stack (cdk-outputs.json)
 *   npm run reindex -- --table NAME --bucket NAME   a deployed table and bucket by name
 *   npm run reindex -- --force                      re-apply every object, even unchanged ones
 *
 * Ingest settings (MAX_POST_BYTES, IFRAME_HOSTS) come from this command's environment: give
 * the values the stack was deployed with.
 */
import { SingleBar } from 'cli-progress';
import { type BudgetedReader, budgetedReader } from '../../functions/adapters/parse-worker';
import { listObjects, s3ObjectReader } from '../../functions/adapters/s3-objects';
import { POSTS_PREFIX } from '../../functions/config-names';
import { describeSummary, reindex } from '../../functions/core/reindex';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { type CliTarget, commandFailed, parseCommandLine, resolveTarget, TARGET_OPTIONS, UsageError } from './target';

const USAGE =
  'usage: npm run reindex [-- --aws [--outputs FILE] | --table NAME --bucket NAME] [--force] [--concurrency N]';

async function main(): Promise<number> {
  let target: CliTarget | undefined;
  let bar: SingleBar | undefined;
  let reader: BudgetedReader | undefined;
  try {
    const { values } = parseCommandLine(
      { ...TARGET_OPTIONS, force: { type: 'boolean' }, concurrency: { type: 'string' } },
      USAGE,
    );
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const settings = ingestSettingsFromEnv(process.env);
    target = resolveTarget(values);
    if (!target.bucket)
      throw new UsageError('no bucket: pass --bucket NAME (or --outputs FILE with ContentBucketName)');
    const concurrency = Number(values.concurrency ?? 8);
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new UsageError('--concurrency must be a whole number from 1');

    console.log(`Reindexing ${target.description} from ${POSTS_PREFIX}…`);
    reader = budgetedReader();
    const { s3, bucket, store } = target;
    if (process.stderr.isTTY) {
      bar = new SingleBar({ format: '  {bar} {value}/{total} keys', hideCursor: true, clearOnComplete: true });
    }
    const summary = await reindex({
      store,
      listObjects: () => listObjects(s3, bucket, POSTS_PREFIX),
      readObject: s3ObjectReader(s3, bucket),
      readPost: reader.readPost,
      settings,
      force: values.force === true,
      concurrency,
      onProgress: (done, total) => {
        if (!bar) return;
        if (done === 0) bar.start(total, 0);
        else bar.update(done);
      },
    });
    bar?.stop();
    console.log(describeSummary(summary));
    if (summary.failed > 0) console.log(`Refused posts: npm run errors${target.local ? '' : ' -- --aws'}`);
    return 0;
  } catch (error) {
    bar?.stop();
    return commandFailed('reindex', error, target);
  } finally {
    target?.close();
    await reader?.close();
  }
}

void main().then((code) => process.exit(code));
