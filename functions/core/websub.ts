import type { FeedRef } from './post';
import { NEWS_SITEMAP_PATH } from './sitemaps';
import { absoluteUrl, FEED_FORMATS, feedKey, feedPath } from './urls';

/**
 * The topic URLs a WebSub hub must be told about when these feeds changed: each feed in
 * each format, once, as readers subscribed to them; and the news sitemap, whenever the site feed
 * (every post is in it) changed, since a post published, edited or removed may be in its window.
 */
export function websubTopics(feeds: FeedRef[], siteUrl: string): string[] {
  const seen = new Set<string>();
  const topics: string[] = [];
  for (const ref of feeds) {
    if (seen.has(feedKey(ref))) continue;
    seen.add(feedKey(ref));
    for (const format of FEED_FORMATS) topics.push(absoluteUrl(siteUrl, feedPath(ref, format)));
    if (ref.kind === 'site') topics.push(absoluteUrl(siteUrl, NEWS_SITEMAP_PATH));
  }
  return topics;
}
