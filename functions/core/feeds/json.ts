/**
 * JSON Feed 1.1. The `feed` package writes JSON Feed 1.0 (singular `author`, no `language`,
 * UTC dates); its output is read back and rewritten as 1.1 with the post's own offsets.
 */
import { Feed } from 'feed';
import type { PreparedFeed } from './model';

interface JsonAuthor {
  name: string;
  url?: string;
}

interface JsonItem {
  id: string;
  url: string;
  title: string;
  content_html: string;
  summary: string;
  date_published: string;
  date_modified: string;
  authors?: JsonAuthor[];
  tags?: string[];
  image?: string;
  attachments?: Array<{ url: string; mime_type: string; size_in_bytes?: number }>;
}

interface JsonFeed {
  version: 'https://jsonfeed.org/version/1.1';
  title: string;
  home_page_url: string;
  feed_url: string;
  description: string;
  language: string;
  authors: JsonAuthor[];
  /** JSON Feed's pagination: the next-older page (our RFC 5005 archive document). */
  next_url?: string;
  hubs?: Array<{ type: string; url: string }>;
  items: JsonItem[];
}

/** What the package's json1() writes (JSON Feed 1.0), as far as it is used here. */
interface PackageJson {
  title: string;
  home_page_url?: string;
  feed_url?: string;
  description?: string;
  items: Array<{ id: string; url?: string; title?: string; content_html?: string }>;
}

export function renderJson(feed: PreparedFeed): string {
  const out = new Feed({
    id: feed.id,
    title: feed.title,
    description: feed.description,
    language: feed.language,
    link: feed.pageUrl,
    feedLinks: { ...feed.selfUrls },
    author: { name: feed.authorName, link: feed.siteUrl },
    updated: new Date(feed.updatedMs ?? 0),
  });
  for (const entry of feed.entries) {
    out.addItem({
      id: entry.id,
      title: entry.title,
      link: entry.url,
      date: new Date(entry.updatedMs),
      published: new Date(entry.publishedMs),
      description: entry.summaryHtml,
      content: entry.contentHtml,
      category: entry.tagNames.map((name) => ({ name })),
      ...(entry.author ? { author: [{ name: entry.author }] } : {}),
    });
  }
  const v10 = JSON.parse(out.json1()) as PackageJson;
  if (v10.items.length !== feed.entries.length) throw new Error('feeds: the feed package dropped JSON items');

  const v11: JsonFeed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: v10.title,
    home_page_url: v10.home_page_url ?? feed.pageUrl,
    // The feed's identity: an archive page names the subscription document, not itself.
    feed_url: feed.currentUrls?.json ?? v10.feed_url ?? feed.selfUrls.json,
    description: v10.description ?? feed.description,
    language: feed.language,
    authors: [{ name: feed.authorName, url: feed.siteUrl }],
    ...(feed.prevArchiveUrls ? { next_url: feed.prevArchiveUrls.json } : {}),
    ...(feed.hub ? { hubs: [{ type: 'WebSub', url: feed.hub }] } : {}),
    items: v10.items.map((item, index): JsonItem => {
      const entry = feed.entries[index];
      return {
        id: item.id,
        url: item.url ?? entry.url,
        title: item.title ?? entry.title,
        content_html: item.content_html ?? entry.contentHtml,
        // JSON Feed's `summary` is plain text.
        summary: entry.summaryText,
        date_published: entry.published,
        date_modified: entry.updated,
        ...(entry.author ? { authors: [{ name: entry.author }] } : {}),
        ...(entry.tagNames.length ? { tags: entry.tagNames } : {}),
        ...(entry.image ? { image: entry.image.url } : {}),
        // An episode's file; `size_in_bytes` only when the post gives it (the spec makes it optional).
        ...(entry.enclosure
          ? {
              attachments: [
                {
                  url: entry.enclosure.url,
                  mime_type: entry.enclosure.type,
                  ...(entry.enclosure.length ? { size_in_bytes: entry.enclosure.length } : {}),
                },
              ],
            }
          : {}),
      };
    }),
  };
  return `${JSON.stringify(v11, null, 2)}\n`;
}
