/**
 * `npm run check -- <files or folders>`: says, offline, which posts ingest would refuse and
 * why, with the very rules ingest applies (functions/core: decodePostText, parsePost).
 *
 *   npm run check -- _posts                  a Jekyll _posts folder, recursively (dotfiles skipped)
 *   npm run check -- a.md b.html             single files
 *
 * Prints `file:line:column: what is wrong` per refused post and `N posts checked, M refused`;
 * exits 1 when any post would be refused, 2 on a usage error. MAX_POST_BYTES comes from the
 * environment, as for ingest. Not checked here: whether another file already publishes the
 * same post id (that needs the table).
 */
import { readFile } from 'node:fs/promises';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { checkPost, collectPostFiles, describeProblem } from './post-files';
import { commandFailed, parseCommandLine } from './target';

const USAGE = 'usage: npm run check -- <files or folders>';

async function main(): Promise<number> {
  try {
    const { values, positionals } = parseCommandLine({ help: { type: 'boolean', short: 'h' } }, USAGE, true);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const settings = ingestSettingsFromEnv(process.env);
    const { files } = await collectPostFiles(positionals);
    let refused = 0;
    for (const file of files) {
      const rejection = checkPost(file.key, await readFile(file.path), settings);
      if (!rejection) continue;
      refused++;
      console.log(describeProblem(file.path, rejection));
    }
    console.log(`${files.length} post${files.length === 1 ? '' : 's'} checked, ${refused} refused`);
    return refused > 0 ? 1 : 0;
  } catch (error) {
    return commandFailed('check', error);
  }
}

void main().then((code) => process.exit(code));
