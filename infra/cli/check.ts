/**
 * `npm run check -- <files or folders>`: says, offline, which posts ingest would refuse and
 * why, with the very rules ingest applies (functions/core: decodePostText, parsePost).
 *
 *   npm run check -- _posts                  a Jekyll _posts folder, recursively (dotfiles skipped)
 *   npm run check -- my-site                 a Jekyll site: its _config.yml and every _posts folder in it
 *   npm run check -- a.md b.html             single files
 *
 * Prints `file:line:column: what is wrong` per refused post, `file: not published: why` per file
 * Jekyll would not publish either (a draft, `published: false`, no date in the file name), and
 * `N posts checked, M refused` (`, K not published` when there are some); and
 * `file: warning: /news/_posts/a.png (posts/news/_posts/a.png) is missing; …` for each picture or
 * file of the site a post refers to that is not among the files given (not a refusal);
 * exits 1 when any post would be refused, 2 on a usage error. MAX_POST_BYTES comes from the
 * environment, as for ingest. Not checked here: whether another file already publishes the
 * same post id (that needs the table).
 */
import { readFile } from 'node:fs/promises';
import { PostRejected } from '../../functions/core/errors';
import { ingestSettingsFromEnv } from '../../functions/handlers/ingest';
import { checkPost, collectPostFiles, describeProblem, missingFileWarnings, readSiteFile } from './post-files';
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
    const { files, config } = await collectPostFiles(positionals);
    const site = await readSiteFile(config);
    if (site instanceof PostRejected) {
      console.log(describeProblem(config!.path, site));
      console.log(`${config!.path} is refused, and with it every post of the site`);
      return 1;
    }
    let refused = 0;
    let skipped = 0;
    let missing = 0;
    const given = new Set(files.filter((file) => file.file).map((file) => file.key));
    const posts = files.filter((file) => !file.file);
    for (const file of posts) {
      const result = checkPost(file.key, await readFile(file.path), settings, site);
      if ('published' in result) {
        for (const warning of missingFileWarnings(file, result.files, (key) => given.has(key))) {
          missing++;
          console.log(warning);
        }
      } else if ('refused' in result) {
        refused++;
        console.log(describeProblem(file.path, result.refused));
      } else if ('skipped' in result) {
        skipped++;
        console.log(`${file.path}: not published: ${result.skipped}`);
      }
    }
    const served = files.length - posts.length;
    console.log(
      `${posts.length} post${posts.length === 1 ? '' : 's'} checked, ${refused} refused${skipped ? `, ${skipped} not published` : ''}${served ? `, ${served} file${served === 1 ? '' : 's'} served beside them` : ''}${missing ? `, ${missing} missing file${missing === 1 ? '' : 's'} (warnings)` : ''}`,
    );
    return refused > 0 ? 1 : 0;
  } catch (error) {
    return commandFailed('check', error);
  }
}

void main().then((code) => process.exit(code));
