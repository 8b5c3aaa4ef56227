/**
 * Feed documents (RSS 2.0, Atom 1.0, JSON Feed 1.1) for a category, a tag or the whole site.
 *
 * Generated with the `feed` package and corrected where its output is wrong (see DESIGN.md,
 * "Feeds: facts about the `feed` package"). Output depends only on the inputs: rendering the
 * same entries twice gives the same bytes.
 */
import type { FeedEntry, FeedRef } from '../post';
import type { Site } from '../site';
import type { FeedFormat } from '../urls';
import { renderJson } from './json';
import { type FeedLinks, prepareFeed } from './model';
import { renderAtom, renderRss } from './xml';

export { absolutizeHtmlUrls } from './html-urls';
export { type FeedLinks, feedTitle } from './model';

export interface RenderedFeed {
  body: string;
  contentType: string;
}

export const FEED_CONTENT_TYPES: Readonly<Record<FeedFormat, string>> = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/**
 * Renders one feed document. `entries` come newest first, already limited to
 * `site.feedLength`; an empty list gives a valid empty feed.
 */
export function renderFeed(
  format: FeedFormat,
  ref: FeedRef,
  entries: FeedEntry[],
  site: Site,
  links: FeedLinks = {},
): RenderedFeed {
  const feed = prepareFeed(ref, entries, site, links);
  const body = format === 'rss' ? renderRss(feed) : format === 'atom' ? renderAtom(feed) : renderJson(feed);
  return { body, contentType: FEED_CONTENT_TYPES[format] };
}
