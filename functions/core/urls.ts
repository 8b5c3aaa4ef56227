import type { FeedRef } from './post';

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
  return ref.kind === 'site' ? `/feed.${format}` : `/${ref.kind}/${ref.name}.${format}`;
}

/** Decoded path of the HTML page listing a feed's posts. */
export function feedPagePath(ref: FeedRef): string {
  return ref.kind === 'site' ? '/' : `/${ref.kind}/${ref.name}.html`;
}

export function shareLinkPath(code: string): string {
  return `/s/${code}`;
}

/** Stable `tag:` URI (RFC 4151); the date part is fixed so an id never changes. */
export function tagUri(authority: string, specific: string): string {
  return `tag:${authority},2022:${encodeURI(specific)}`;
}

export function feedKey(ref: FeedRef): string {
  return ref.kind === 'site' ? 'site' : `${ref.kind}#${ref.name}`;
}
