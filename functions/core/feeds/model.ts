/**
 * Everything a feed document says, computed once and format-independently: cleaned text,
 * absolute URLs, stable ids and dates in the post's own offset. The format writers only
 * arrange these values.
 */

import { escapeHtml } from '../html';
import type { FeedEntry, FeedRef } from '../post';
import { typeByExtension } from '../post-media';
import { absoluteImageUrl } from '../preview';
import { displayName } from '../settings';
import type { Site } from '../site';
import { absoluteUrl, archiveUrl, FEED_FORMATS, type FeedFormat, feedPagePath, feedPath, tagUri } from '../urls';
import { formatRfc822, formatRfc3339, parseTimestamp } from './dates';
import { absolutizeHtmlUrls } from './html-urls';
import { cleanXmlText, htmlToText, truncateText } from './text';

/** Length of the plain-text summary made from the body when a post has no summary. */
const FALLBACK_SUMMARY_CHARS = 280;

/** Atom requires a feed-level `<updated>`; an empty feed gets this fixed instant, never the build time. */
export const EMPTY_FEED_UPDATED = '1970-01-01T00:00:00Z';

export interface FeedCategory {
  kind: 'category' | 'tag';
  name: string;
  /** Absolute URL naming the taxonomy (`https://site/category/`): RSS `domain`, Atom `scheme`. */
  scheme: string;
}

export interface PreparedEntry {
  /** `tag:` URI from the post id: Atom `<id>`, RSS `<guid isPermaLink="false">`, JSON `id`. */
  id: string;
  title: string;
  url: string;
  /** The post's date, RFC 3339 in its own offset (verbatim when the input is strict RFC 3339). */
  published: string;
  /** The post's date, RFC 822 in its own offset. */
  publishedRfc822: string;
  publishedMs: number;
  /** Last change, RFC 3339 expressed in the post's offset. */
  updated: string;
  updatedMs: number;
  /** HTML, absolute URLs; never empty. */
  summaryHtml: string;
  /** Plain text of the summary (JSON Feed `summary` is plain text). */
  summaryText: string;
  /** HTML, absolute URLs; never empty. */
  contentHtml: string;
  categories: FeedCategory[];
  /** Names of categories then tags, duplicates removed (JSON Feed `tags`). */
  tagNames: string[];
  author?: string;
  /** The post's picture, absolute: RSS `media:content`/`media:thumbnail` (and the enclosure when there is no audio or video), Atom enclosure link, JSON `image`. */
  image?: { url: string; type: string };
  /** Its audio or video, absolute: RSS `<enclosure>`, Atom enclosure link, JSON attachment. `length` unknown: RSS says 0, Atom and JSON leave it out. */
  enclosure?: { url: string; type: string; length?: number };
}

export interface PreparedFeed {
  /** `tag:` URI naming this feed (Atom `<id>`). */
  id: string;
  title: string;
  description: string;
  language: string;
  /** Absolute URL of the HTML page listing the feed's posts. */
  pageUrl: string;
  /** Absolute URL of each format's document; each format's self link is its own. */
  selfUrls: Record<FeedFormat, string>;
  /** Absolute URL of each format's subscription document, when this document is an archive page. */
  currentUrls?: Record<FeedFormat, string>;
  /** Absolute URL of each format's next-older archive page (RFC 5005 prev-archive, JSON Feed next_url). */
  prevArchiveUrls?: Record<FeedFormat, string>;
  /** WebSub hub the feed advertises. */
  hub?: string;
  siteUrl: string;
  /** Feed-level author: the site. */
  authorName: string;
  /** Newest `updated` over the entries; undefined for an empty feed. */
  updatedMs?: number;
  entries: PreparedEntry[];
}

export function feedTitle(ref: FeedRef, site: Site): string {
  switch (ref.kind) {
    case 'site':
      return site.title;
    case 'category':
    case 'tag':
      return `${site.title} · ${displayName(ref.kind, ref.name, site)}`;
  }
}

/** Where a feed document sits among its pages, and who is told when it changes. */
export interface FeedLinks {
  /** This document is the archive page of the entries older than this cursor. */
  before?: string;
  /** Cursor of the next-older archive page, when there are older entries. */
  older?: string;
  /** WebSub hub URL. */
  hub?: string;
}

export function prepareFeed(ref: FeedRef, entries: FeedEntry[], site: Site, links: FeedLinks = {}): PreparedFeed {
  const base = originOf(site.baseUrl);
  const cleanRef: FeedRef = ref.kind === 'site' ? ref : { kind: ref.kind, name: cleanXmlText(ref.name) };
  const url = (path: string): string => new URL(absoluteUrl(base, path)).href;
  const title = cleanXmlText(feedTitle(cleanRef, site));
  const taxonomy = { category: url('/category/'), tag: url('/tag/') };
  const prepared = entries.flatMap((entry) => {
    const one = prepareEntry(entry, site, base, taxonomy);
    return one ? [one] : [];
  });
  const updatedMs = prepared.length ? Math.max(...prepared.map((e) => e.updatedMs)) : undefined;
  return {
    id: tagUri(
      cleanXmlText(site.idAuthority),
      `feed:${cleanRef.kind === 'site' ? 'site' : `${cleanRef.kind}:${cleanRef.name}`}`,
    ),
    title,
    description: cleanXmlText(site.description).trim() || title,
    language: cleanXmlText(site.language),
    pageUrl: url(feedPagePath(cleanRef)),
    selfUrls: perFormat((format) =>
      links.before ? archiveUrl(base, cleanRef, format, links.before) : url(feedPath(cleanRef, format)),
    ),
    ...(links.before ? { currentUrls: perFormat((format) => url(feedPath(cleanRef, format))) } : {}),
    ...(links.older
      ? { prevArchiveUrls: perFormat((format) => archiveUrl(base, cleanRef, format, links.older!)) }
      : {}),
    ...(links.hub ? { hub: links.hub } : {}),
    siteUrl: url('/'),
    authorName: cleanXmlText(site.title),
    updatedMs,
    entries: prepared,
  };
}

/** Feed-level `updated` as RFC 3339 UTC (Atom) — fixed for an empty feed. */
export function feedUpdatedRfc3339(feed: PreparedFeed): string {
  return feed.updatedMs === undefined ? EMPTY_FEED_UPDATED : formatRfc3339(feed.updatedMs, 0);
}

/** Feed-level `updated` as RFC 822 UTC (RSS `lastBuildDate`); undefined for an empty feed. */
export function feedUpdatedRfc822(feed: PreparedFeed): string | undefined {
  return feed.updatedMs === undefined ? undefined : formatRfc822(feed.updatedMs, 0);
}

/**
 * One entry, or undefined when neither its date nor its updated time is a timestamp (an
 * entry with no date cannot be placed in a feed; ingest rejects such posts anyway).
 */
function prepareEntry(
  entry: FeedEntry,
  site: Site,
  base: string,
  taxonomy: Record<'category' | 'tag', string>,
): PreparedEntry | undefined {
  const date = parseTimestamp(entry.date);
  const changed = parseTimestamp(entry.updated);
  const published = date ?? changed;
  if (!published) return undefined;
  const updatedMs = changed?.epochMs ?? published.epochMs;

  const rawPath = cleanXmlText(entry.path);
  const url = new URL(absoluteUrl(base, rawPath.startsWith('/') ? rawPath : `/${rawPath}`)).href;
  const title = cleanXmlText(entry.title).trim();
  const html = absolutizeHtmlUrls(cleanXmlText(entry.html ?? ''), url);
  const summary = absolutizeHtmlUrls(cleanXmlText(entry.summary ?? ''), url);

  let summaryHtml: string;
  if (htmlToText(summary) !== '' || /<(img|video|audio|iframe|object|embed)\b/i.test(summary)) {
    summaryHtml = summary;
  } else {
    const prefix = truncateText(cleanXmlText(htmlToText(html)), FALLBACK_SUMMARY_CHARS);
    summaryHtml = escapeHtml(prefix || title);
  }
  const contentHtml = html.trim() !== '' ? html : summaryHtml;

  const categories: FeedCategory[] = [];
  const seen = new Set<string>();
  const tagNames: string[] = [];
  for (const [kind, names] of [
    ['category', entry.categories ?? []],
    ['tag', entry.tags ?? []],
  ] as const) {
    const kindSeen = new Set<string>();
    for (const rawName of names) {
      const name = cleanXmlText(String(rawName)).trim();
      if (name === '' || kindSeen.has(name)) continue;
      kindSeen.add(name);
      categories.push({ kind, name, scheme: taxonomy[kind] });
      if (!seen.has(name)) {
        seen.add(name);
        tagNames.push(name);
      }
    }
  }

  const author = entry.author === undefined ? '' : cleanXmlText(entry.author).trim();
  const imageUrl = entry.image && mediaUrl(absoluteImageUrl(cleanXmlText(entry.image), base));
  const enclosureUrl = entry.enclosure && mediaUrl(absoluteImageUrl(cleanXmlText(entry.enclosure.url), base));
  return {
    id: tagUri(cleanXmlText(site.idAuthority), `post:${cleanXmlText(entry.id)}`),
    title,
    url,
    published: published.rfc3339,
    publishedRfc822: formatRfc822(published.epochMs, published.offsetMinutes),
    publishedMs: published.epochMs,
    updated: formatRfc3339(updatedMs, published.offsetMinutes),
    updatedMs,
    summaryHtml,
    summaryText: cleanXmlText(htmlToText(summaryHtml)),
    contentHtml,
    categories,
    tagNames,
    ...(author ? { author } : {}),
    // Types the enclosure attributes and JSON `mime_type` can hold: `image/*` by the file's
    // extension (image/jpeg when it says nothing), the enclosure's as ingest read it.
    ...(imageUrl ? { image: { url: imageUrl, type: imageType(imageUrl) } } : {}),
    ...(enclosureUrl && entry.enclosure
      ? {
          enclosure: {
            url: enclosureUrl,
            type: entry.enclosure.type,
            ...(entry.enclosure.length ? { length: entry.enclosure.length } : {}),
          },
        }
      : {}),
  };
}

/** An absolute http(s) URL as WHATWG serializes it (no quote, angle bracket or space left), else undefined. */
function mediaUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function imageType(url: string): string {
  const type = typeByExtension(new URL(url).pathname);
  return type?.startsWith('image/') ? type : 'image/jpeg';
}

/** The site origin without a trailing slash; throws a clear error when it is not an absolute URL. */
function originOf(baseUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new Error(
      `feeds: site.baseUrl must be an absolute URL such as https://news.example.com, got ${JSON.stringify(baseUrl)}`,
    );
  }
  return parsed.href.replace(/\/+$/, '');
}

function perFormat(urlOf: (format: FeedFormat) => string): Record<FeedFormat, string> {
  return Object.fromEntries(FEED_FORMATS.map((format) => [format, urlOf(format)])) as Record<FeedFormat, string>;
}
