/**
 * `npm run scheduled`: the posts dated in the future, held back until their date, soonest first.
 *
 *   npm run scheduled                                  the local stack of `npm start`
 *   npm run scheduled -- --aws [--outputs FILE]        the deployed stack (cdk-outputs.json)
 *   npm run scheduled -- --table NAME                  a deployed table by name
 *   npm run scheduled -- --json                        one JSON object per scheduled post
 *
 * It reads every key's state (a Scan of the table, as reindex does).
 */
import { type CliTarget, commandFailed, parseCommandLine, resolveTarget, TARGET_OPTIONS } from './target';

const USAGE = 'usage: npm run scheduled [-- --aws [--outputs FILE] | --table NAME] [--json]';

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
    const scheduled = (await target.store.listSources()).states
      .filter((state) => state.status === 'scheduled' && state.publishAt)
      .sort((a, b) => Date.parse(a.publishAt!) - Date.parse(b.publishAt!) || (a.key < b.key ? -1 : 1));
    if (values.json) {
      for (const { key, publishAt } of scheduled) console.log(JSON.stringify({ key, publishAt }));
      return 0;
    }
    if (scheduled.length === 0) {
      console.log(`No scheduled posts in ${target.description}.`);
      return 0;
    }
    console.log(`${scheduled.length} scheduled post${scheduled.length === 1 ? '' : 's'} in ${target.description}:\n`);
    const now = Date.now();
    for (const { key, publishAt } of scheduled) {
      const due = Date.parse(publishAt!);
      const when = due <= now ? 'overdue: `npm run reindex` publishes it' : `in ${describeWait(due - now)}`;
      console.log(`  ${publishAt}  ${key}  (${when})`);
    }
    return 0;
  } catch (error) {
    return commandFailed('scheduled', error, target);
  } finally {
    target?.close();
  }
}

/** `3 h 5 min`, `2 d 4 h`, `40 s`. */
function describeWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

void main().then((code) => process.exit(code));
