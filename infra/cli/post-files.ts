/**
 * The files `npm run check` and `npm run upload` work on, and the one test they share: the
 * rules ingest applies (decodePostText, then parsePost), run on this machine.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { POSTS_PREFIX } from '../../functions/config-names';
import { assetPathOf, looksLikeAsset } from '../../functions/core/assets';
import { PostRejected } from '../../functions/core/errors';
import type { IngestSettings } from '../../functions/core/ingest-settings';
import { type JekyllSite, parsePost } from '../../functions/core/parse-post';
import { decodePostText } from '../../functions/core/post-text';
import { type FileReference, referencedFiles } from '../../functions/core/referenced-files';
import { readSiteConfig, SITE_CONFIG_KEY } from '../../functions/core/site-config';
import { listFiles, postKeyOf } from '../local/sync-content';
import { UsageError } from './target';

export interface PostFile {
  /** The path to show: the argument given, or the folder given joined with the file's path in it. */
  path: string;
  /** Where it is published: `posts/` + its path relative to the folder given, or `posts/<name>` for a file given. */
  key: string;
  /** A picture or file served beside the posts (functions/core/assets.ts), not a post: uploaded as it is. */
  file?: true;
}

export interface PostFiles {
  files: PostFile[];
  /** Whether any argument was a folder (what `upload --delete` mirrors). */
  folders: boolean;
  /** A site folder's _config.yml (published at SITE_CONFIG_KEY), not among `files`. */
  config?: PostFile;
  /** Files of a site folder that are neither posts nor files the site serves (pages, layouts, styles: Jekyll's business), left out. */
  leftOut: number;
}

/**
 * Whether a file of a Jekyll site folder (its path in the folder) is one of its posts or drafts:
 * in a `_posts` or `_drafts` folder at any depth (`news/_posts/…`), below no other folder Jekyll
 * leaves out (`_site`, `_layouts`, `node_modules`, `vendor`…).
 */
const JEKYLL_LEAVES_OUT = new Set(['node_modules', 'vendor']);

function inPostsFolder(path: string): boolean {
  const folders = path.split(sep).slice(0, -1);
  const at = folders.findIndex((folder) => folder === '_posts' || folder === '_drafts');
  return (
    at !== -1 &&
    !folders.slice(0, at).some((folder) => /^[_.]/.test(folder) || folder === 'node_modules' || folder === 'vendor')
  );
}

/**
 * Files of the arguments, folders recursively (dotfiles skipped), in argument order. A folder
 * with a `_config.yml` is a Jekyll site: its config and the files of its `_posts` and `_drafts`
 * folders are taken, at `posts/` + their path in the site (`posts/news/_posts/…`), the rest left out.
 */
export async function collectPostFiles(paths: string[]): Promise<PostFiles> {
  if (paths.length === 0) throw new UsageError('give at least one file or folder of posts');
  const files: PostFile[] = [];
  const owners = new Map<string, string>();
  let folders = false;
  let config: PostFile | undefined;
  let leftOut = 0;
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info) throw new UsageError(`${given} does not exist`);
    const found: PostFile[] = [];
    if (info.isDirectory()) {
      folders = true;
      const site = await stat(join(given, '_config.yml')).then(
        (file) => file.isFile(),
        () => false,
      );
      if (site && config)
        throw new UsageError(`${config.path} and ${join(given, '_config.yml')}: give one site folder at a time`);
      if (site) config = { path: join(given, '_config.yml'), key: SITE_CONFIG_KEY };
      for (const file of await listFiles(given)) {
        const path = relative(given, file);
        const key = postKeyOf(given, file);
        // A site's pictures and files (`assets/…`, or beside its posts) are served at their path in the site.
        const served =
          assetPathOf(key) !== undefined && !path.split(sep).some((folder) => JEKYLL_LEAVES_OUT.has(folder));
        if (site && !inPostsFolder(path) && !served) {
          if (path !== '_config.yml') leftOut++;
          continue;
        }
        found.push({ path: join(given, path), key, ...(looksLikeAsset(key) ? { file: true as const } : {}) });
      }
    } else {
      const key = POSTS_PREFIX + basename(given);
      found.push({ path: given, key, ...(looksLikeAsset(key) ? { file: true as const } : {}) });
    }
    for (const file of found) {
      const owner = owners.get(file.key);
      if (owner !== undefined && owner !== file.path)
        throw new UsageError(`${owner} and ${file.path} would both be published as ${file.key}`);
      if (owner === undefined) files.push(file);
      owners.set(file.key, file.path);
    }
  }
  return { files, folders, ...(config ? { config } : {}), leftOut };
}

/** The site a folder's _config.yml gives (see functions/core/site-config.ts); refused as ingest would. */
export async function readSiteFile(config: PostFile | undefined): Promise<JekyllSite | PostRejected | undefined> {
  if (!config) return undefined;
  try {
    const { permalink, timeZone } = readSiteConfig(await readFile(config.path, 'utf8'));
    return { permalink, timeZone };
  } catch (error) {
    if (error instanceof PostRejected) return error;
    throw error;
  }
}

/** What ingest would do with a file: publish it, skip it (as Jekyll does, with why), or refuse it. */
export type CheckResult = { published: true; files: FileReference[] } | { skipped: string } | { refused: PostRejected };

/** What ingest would do with this file, published at `key`, with the site's config (when the folder has one). */
export function checkPost(key: string, bytes: Uint8Array, settings: IngestSettings, site?: JekyllSite): CheckResult {
  try {
    const parsed = parsePost(key, decodePostText(bytes, settings.maxPostBytes), {
      now: new Date().toISOString(),
      iframeHosts: settings.iframeHosts,
      legacyHosts: settings.legacyHosts,
      ...(site ? { site } : {}),
      ...(settings.timeZone ? { timeZone: settings.timeZone } : {}),
    });
    return parsed.published
      ? { published: true, files: referencedFiles(parsed.post) }
      : { skipped: parsed.reason ?? 'not published' };
  } catch (error) {
    if (error instanceof PostRejected) return { refused: error };
    throw error;
  }
}

/**
 * The warning for a file a post refers to that is neither among `present` (keys) nor, when
 * given, in the bucket: the post is published all the same, without the picture.
 */
export function missingFileWarnings(
  post: PostFile,
  files: FileReference[],
  present: (key: string) => boolean,
): string[] {
  return files
    .filter((file) => !present(file.key))
    .map((file) => `${post.path}: warning: ${file.path} (${file.key}) is missing; the post is published without it`);
}

/** `file:line:column: what is wrong`, as compilers print it (editors jump to the place). */
export function describeProblem(path: string, rejection: PostRejected): string {
  if (rejection.line === undefined) return `${path}: ${rejection.message}`;
  return `${path}:${rejection.line}${rejection.column === undefined ? '' : `:${rejection.column}`}: ${rejection.message}`;
}
