/**
 * The posts table, defined once: the CDK stack builds it from this and the local stack
 * creates it in dynalite from the same definition.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Post items carry `path`; pages are found by it in one Query. */
  pathIndex: { name: 'byPath', partitionKey: 'path' },
} as const;
