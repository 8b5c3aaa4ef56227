/**
 * The posts table, defined once: the CDK stack builds it from this and the local stack
 * creates it in dynalite from the same definition.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /**
   * Only post items carry `pagePath` (feed entries and share links keep theirs in `path`), so
   * the index is sparse: it holds one copy of each post, and a page is one Query.
   */
  pathIndex: { name: 'byPagePath', partitionKey: 'pagePath' },
  /**
   * What sitemaps read (functions/core/sitemaps.ts), sparse like the path index: the site feed's
   * entries carry `sitemap` = `day#{utc date}` (a day's sitemap is one Query of its partition),
   * and the category, tag and day counts carry `index` (the sitemap index is one Query). Only
   * the few attributes a sitemap prints are projected, so a 1 MB Query page holds thousands.
   */
  sitemapIndex: {
    name: 'bySitemap',
    partitionKey: 'sitemap',
    sortKey: 'sk',
    projected: ['path', 'updated', 'name', 'count', 'lastModified'],
  },
} as const;
