/**
 * The files `npm run check` and `npm run upload` work on, and the one test they share: the
 * rules ingest applies (decodePostText, then parsePost), run on this machine.
 */
import { stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { PostRejected } from '../../functions/core/errors';
import type { IngestSettings } from '../../functions/core/ingest-settings';
import { parsePost } from '../../functions/core/parse-post';
import { decodePostText } from '../../functions/core/post-text';
import { POSTS_PREFIX } from '../../functions/config-names';
import { listFiles, postKeyOf } from '../local/sync-content';
import { UsageError } from './target';

export interface PostFile {
  /** The path to show: the argument given, or the folder given joined with the file's path in it. */
  path: string;
  /** Where it is published: `posts/` + its path relative to the folder given, or `posts/<name>` for a file given. */
  key: string;
}

export interface PostFiles {
  files: PostFile[];
  /** Whether any argument was a folder (what `upload --delete` mirrors). */
  folders: boolean;
}

/** Files of the arguments, folders recursively (dotfiles skipped), in argument order. */
export async function collectPostFiles(paths: string[]): Promise<PostFiles> {
  if (paths.length === 0) throw new UsageError('give at least one file or folder of posts');
  const files: PostFile[] = [];
  const owners = new Map<string, string>();
  let folders = false;
  for (const given of paths) {
    const info = await stat(given).catch(() => undefined);
    if (!info) throw new UsageError(`${given} does not exist`);
    const found: PostFile[] = [];
    if (info.isDirectory()) {
      folders = true;
      for (const file of await listFiles(given)) found.push({ path: join(given, relative(given, file)), key: postKeyOf(given, file) });
    } else {
      found.push({ path: given, key: POSTS_PREFIX + basename(given) });
    }
    for (const file of found) {
      const owner = owners.get(file.key);
      if (owner !== undefined && owner !== file.path) throw new UsageError(`${owner} and ${file.path} would both be published as ${file.key}`);
      if (owner === undefined) files.push(file);
      owners.set(file.key, file.path);
    }
  }
  return { files, folders };
}

/** What ingest would refuse this file for, when published at `key`; undefined when it would take it. */
export function checkPost(key: string, bytes: Uint8Array, settings: IngestSettings): PostRejected | undefined {
  try {
    parsePost(key, decodePostText(bytes, settings.maxPostBytes), { now: new Date().toISOString(), iframeHosts: settings.iframeHosts, legacyHosts: settings.legacyHosts });
    return undefined;
  } catch (error) {
    if (error instanceof PostRejected) return error;
    throw error;
  }
}

/** `file:line:column: what is wrong`, as compilers print it (editors jump to the place). */
export function describeProblem(path: string, rejection: PostRejected): string {
  if (rejection.line === undefined) return `${path}: ${rejection.message}`;
  return `${path}:${rejection.line}${rejection.column === undefined ? '' : `:${rejection.column}`}: ${rejection.message}`;
}
