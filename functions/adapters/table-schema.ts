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
} as const;
