import { slugify } from './permalink';
import type { FeedRef } from './post';

/**
 * What a category or tag name is in URLs and feed keys: the name itself, unless it holds a
 * character no path segment can keep (`/` splits it, `?` and `#` end the path, API Gateway refuses
 * `%25`, browsers read `\` as `/`); then Jekyll's slug of it (`UX/UI` is `ux-ui`). Names without
 * those characters keep the URLs and table rows they always had. Two names with one slug share
 * its feed. Pages and feeds show the name as written (`writtenName`).
 */
export function nameInUrl(name: string): string {
  return /[/\\?#%]/.test(name) ? slugify(name) : name;
}

/** The name as a post wrote it, for a feed looked up by its URL name: found in the entries' own categories or tags. */
export function writtenName<T extends FeedRef>(
  ref: T,
  entries: ReadonlyArray<{ categories: string[]; tags: string[] }>,
): T {
  if (ref.kind === 'site') return ref;
  for (const entry of entries) {
    const found = (ref.kind === 'category' ? entry.categories : entry.tags).find(
      (name) => nameInUrl(name) === ref.name,
    );
    if (found !== undefined) return { ...ref, name: found };
  }
  return ref;
}

export type FeedFormat = 'rss' | 'atom' | 'json';
export const FEED_FORMATS: readonly FeedFormat[] = ['rss', 'atom', 'json'];

/** Percent-encodes each segment of a decoded site path, keeping the slashes. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Absolute URL of a decoded site path on the given origin. */
export function absoluteUrl(baseUrl: string, path: string): string {
  return baseUrl + encodePath(path);
}

/** Decoded path of a feed document: `/category/成都.rss`, `/feed.atom`. */
export function feedPath(ref: FeedRef, format: FeedFormat): string {
  return ref.kind === 'site' ? `/feed.${format}` : `/${ref.kind}/${nameInUrl(ref.name)}.${format}`;
}

/** Decoded path of the HTML page listing a feed's posts. */
export function feedPagePath(ref: FeedRef): string {
  return ref.kind === 'site' ? '/' : `/${ref.kind}/${nameInUrl(ref.name)}.html`;
}

export function shareLinkPath(code: string): string {
  return `/s/${code}`;
}

/** Stable `tag:` URI (RFC 4151); the date part is fixed so an id never changes. */
export function tagUri(authority: string, specific: string): string {
  return `tag:${authority},2022:${encodeURI(specific)}`;
}

export function feedKey(ref: FeedRef): string {
  return ref.kind === 'site' ? 'site' : `${ref.kind}#${nameInUrl(ref.name)}`;
}

/** Feed cursors (an entry's sort key) travel in URLs as base64url: opaque, and safe in any URL. */
export function encodeCursor(cursor: string): string {
  return Buffer.from(cursor, 'utf8').toString('base64url');
}

/** undefined when the text is not a cursor this site could have written. */
export function decodeCursor(text: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(text)) return undefined;
  const cursor = Buffer.from(text, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#./.test(cursor) && encodeCursor(cursor) === text ? cursor : undefined;
}

/** Absolute URL of an RFC 5005 archive document: the entries older than `cursor`. */
export function archiveUrl(baseUrl: string, ref: FeedRef, format: FeedFormat, cursor: string): string {
  return `${absoluteUrl(baseUrl, feedPath(ref, format))}?before=${encodeCursor(cursor)}`;
}
