/** Environment variable names shared by the stack (which sets them) and the functions (which read them). */
export const ENV = {
  tableName: 'POSTS_TABLE_NAME',
  bucketName: 'CONTENT_BUCKET_NAME',
  siteUrl: 'SITE_URL',
  siteTitle: 'SITE_TITLE',
  siteDescription: 'SITE_DESCRIPTION',
  siteLanguage: 'SITE_LANGUAGE',
  idAuthority: 'SITE_ID_AUTHORITY',
  feedLength: 'FEED_LENGTH',
  feedMaxBytes: 'FEED_MAX_BYTES',
  maxAgeSeconds: 'CACHE_MAX_AGE_SECONDS',
  archiveMaxAgeSeconds: 'ARCHIVE_MAX_AGE_SECONDS',
  edgeMaxAgeSeconds: 'EDGE_MAX_AGE_SECONDS',
  feedVersionCacheMs: 'FEED_VERSION_CACHE_MS',
  websubHub: 'WEBSUB_HUB',
  feedAliases: 'FEED_ALIASES',
  displayNames: 'DISPLAY_NAMES',
  robots: 'ROBOTS',
  timeZone: 'TIME_ZONE',
  /** Ingest: largest post file accepted, and hosts whose iframes bodies may keep. */
  maxPostBytes: 'MAX_POST_BYTES',
  iframeHosts: 'IFRAME_HOSTS',
  legacyHosts: 'LEGACY_HOSTS',
  /**
   * Ingest: where it schedules scheduled posts' publication (EventBridge Scheduler's group, the
   * role the scheduler invokes the function with, the dead-letter queue of failed invocations).
   * Unset locally, where `npm start` keeps the timers.
   */
  scheduleGroup: 'SCHEDULE_GROUP',
  scheduleRoleArn: 'SCHEDULE_ROLE_ARN',
  scheduleDlqArn: 'SCHEDULE_DLQ_ARN',
  /** Ingest: the queue that holds WebSub announcements back for the edge window (functions/adapters/announcements.ts). */
  announceQueueUrl: 'ANNOUNCE_QUEUE_URL',
  /** The SDK's own endpoint variables: the emulators' endpoints in the local stack and the tests; unset on AWS. */
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
  dynamoEndpoint: 'AWS_ENDPOINT_URL_DYNAMODB',
} as const;

/** Only posts under this prefix are ingested; the bucket notification filters on it. */
export const POSTS_PREFIX = 'posts/';
