import type { S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event, SQSEvent } from 'aws-lambda';
import {
  type AnnouncementQueue,
  announcedTopics,
  announcementDelaySeconds,
  isAnnouncementEvent,
  sqsAnnouncementQueue,
} from '../adapters/announcements';
import { dynamoClient } from '../adapters/clients';
import { DynamoPostStore } from '../adapters/dynamo-store';
import { requireEnv, settingsFromEnv } from '../adapters/env';
import { logger } from '../adapters/logger';
import { budgetedReader } from '../adapters/parse-worker';
import { s3Client } from '../adapters/s3-client';
import { listObjects, s3ObjectReader } from '../adapters/s3-objects';
import { eventBridgeScheduler, unqualifiedFunctionArn } from '../adapters/scheduler';
import { notifyHub } from '../adapters/websub';
import { ENV, POSTS_PREFIX } from '../config-names';
import { type IngestOutcome, ingestChange, type ObjectChange, publishDue, type ReadPost } from '../core/ingest';
import { type IngestSettings, readIngestSettings } from '../core/ingest-settings';
import { reindex } from '../core/reindex';
import {
  isScheduledPublishEvent,
  type PublishSchedule,
  type PublishScheduler,
  type ScheduledPublishEvent,
} from '../core/schedule';
import { eventPart, isSequencer } from '../core/sequencer';
import { readSiteDefaults, SITE_CONFIG_KEY } from '../core/site-config';
import type { PostStore } from '../core/store';
import { websubTopics } from '../core/websub';

export interface IngestHandlerDeps {
  store: PostStore;
  s3: S3Client;
  bucket: string;
  settings?: IngestSettings;
  /** How posts are read from their bytes: in this process unless given (the deployed handler reads within a budget). */
  readPost?: ReadPost;
  /** The authority of feed item ids the site is configured with: recorded at the first publish (functions/core/site-identity.ts). */
  idAuthority?: string;
  /**
   * WebSub hub to tell about changed feeds, and the site origin their URLs are on; with a queue,
   * the topics of each invocation go through it, held back `delaySeconds` (the edge window), and
   * the hub is pinged when the queue delivers them (functions/adapters/announcements.ts).
   */
  websub?: { hub: string; siteUrl: string; queue?: AnnouncementQueue; delaySeconds?: number };
  /** Where posts dated in the future are scheduled to go live (EventBridge Scheduler deployed, a timer locally). */
  scheduler?: PublishScheduler;
}

/**
 * A call back that arrives early by at most this much waits for its instant; an earlier one is
 * set again. EventBridge Scheduler's one-time schedules fire at their minute, not their second.
 */
const EARLY_CALL_WAIT_MS = 60_000;

/**
 * Translates S3 notifications into ingest calls, one record at a time. Refused posts are
 * recorded and not retried; a transient failure throws, so Lambda retries the event and
 * finally hands it to the dead-letter queue. Records before the failing one were applied;
 * applying them again on the retry is a no-op.
 */
export function createIngestHandler(deps: IngestHandlerDeps) {
  const readObject = s3ObjectReader(deps.s3, deps.bucket);
  const { maxPostBytes, iframeHosts, legacyHosts, timeZone } =
    deps.settings ?? readIngestSettings({}, INGEST_SETTING_NAMES);

  /**
   * The site's _config.yml changed (or was removed): every post read with other settings is
   * applied again with the config as it is now, moving to its new URL (301 from the old), as
   * `npm run reindex` would. Each key's state records the settings it was read with, so a retry
   * of this event (or reindex) goes on with the posts not yet moved, whatever order events arrive in.
   */
  const applySiteConfig = async ({ key, sequencer }: ObjectChange): Promise<IngestOutcome> => {
    // Its title, description and url, for the read side (functions/core/site-defaults.ts); a
    // config that is refused leaves those of the last good one.
    const defaults = await readSiteDefaults(readObject);
    if (defaults) await deps.store.putSiteDefaults(defaults, eventPart(sequencer));
    const summary = await reindex({
      store: deps.store,
      listObjects: () => listObjects(deps.s3, deps.bucket, POSTS_PREFIX),
      readObject,
      readPost: deps.readPost,
      settings: { maxPostBytes, iframeHosts, legacyHosts, timeZone },
      scheduler: deps.scheduler,
    });
    logger.info('site configuration applied', { key, ...summary });
    return {
      key,
      result: 'skipped',
      reason: `the site configuration: ${summary.published} posts published again, ${summary.failed} refused`,
      feeds: [],
    };
  };

  const ingestDeps = {
    store: deps.store,
    readObject,
    readPost: deps.readPost,
    maxPostBytes,
    iframeHosts,
    legacyHosts,
    timeZone,
    scheduler: deps.scheduler,
  };

  /** A scheduled post's call back (functions/core/schedule.ts): it goes live as a publish does. */
  const applySchedule = async (entry: PublishSchedule): Promise<IngestOutcome> => {
    const early = Date.parse(entry.at) - Date.now();
    if (early > EARLY_CALL_WAIT_MS && deps.scheduler) {
      await deps.scheduler.schedule(entry);
      return { key: entry.key, result: 'skipped', reason: `called early; set again for ${entry.at}`, feeds: [] };
    }
    if (early > 0) await new Promise((resolve) => setTimeout(resolve, early));
    const outcome = await publishDue(entry, ingestDeps);
    return outcome.result === 'unchanged'
      ? { key: entry.key, result: 'skipped', reason: 'already as its object says', feeds: [] }
      : outcome;
  };

  let authorityRecorded = false;
  /** The changed feeds' topics, to the hub now, or through the queue after the edge window. */
  const announce = async (topics: string[]): Promise<void> => {
    const websub = deps.websub;
    if (!websub || topics.length === 0) return;
    if (websub.queue && websub.delaySeconds) {
      try {
        return await websub.queue.send({ topics }, websub.delaySeconds);
      } catch (error) {
        // Late bytes for a hub beat no ping at all; subscribers still poll.
        logger.warn('announcement not queued; the hub is pinged now', { error: String(error), topics: topics.length });
      }
    }
    await notifyHub(websub.hub, topics, logger);
  };

  return async (event: S3Event | ScheduledPublishEvent | SQSEvent): Promise<IngestOutcome[]> => {
    if (isAnnouncementEvent(event)) {
      const topics = announcedTopics(event, (messageId) => logger.warn('not an announcement; skipped', { messageId }));
      if (deps.websub && topics.length) await notifyHub(deps.websub.hub, topics, logger);
      return [];
    }
    const outcomes: IngestOutcome[] = [];
    const topics = new Set<string>();
    const work: Array<{ key: string; sequencer?: string; run: () => Promise<IngestOutcome> }> = isScheduledPublishEvent(
      event,
    )
      ? [{ key: event.scheduledPublish.key, run: () => applySchedule(event.scheduledPublish) }]
      : toChanges(event)
          .filter((change) => change.key.startsWith(POSTS_PREFIX))
          .map((change) => ({
            key: change.key,
            sequencer: change.sequencer,
            run: () => (change.key === SITE_CONFIG_KEY ? applySiteConfig(change) : ingestChange(change, ingestDeps)),
          }));
    // What was applied is announced even when a later record fails (its retry finds them applied).
    try {
      for (const { key, sequencer, run } of work) {
        let outcome: IngestOutcome;
        try {
          outcome = await run();
        } catch (error) {
          logger.error('ingest failed; the event will be retried', {
            key,
            ...(sequencer ? { sequencer } : {}),
            error: error instanceof Error ? error.message : String(error),
          });
          throw error;
        }
        if (outcome.result === 'published' && deps.idAuthority && !authorityRecorded) {
          // Once per instance: a no-op (a refused conditional write) after the site's first publish.
          await deps.store.recordIdAuthority(deps.idAuthority);
          authorityRecorded = true;
        }
        if (outcome.result === 'rejected') logger.warn('post refused', { key: outcome.key, error: outcome.error });
        else logger.info(`post ${outcome.result}`, { ...outcome, feeds: outcome.feeds.length });
        if (deps.websub) for (const topic of websubTopics(outcome.feeds, deps.websub.siteUrl)) topics.add(topic);
        outcomes.push(outcome);
      }
    } finally {
      await announce([...topics]);
    }
    return outcomes;
  };
}

/** S3 URL-encodes keys in events, with `+` for a space. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/** S3's records as changes; `s3:TestEvent` (sent when the notification is set up) has no records. */
function toChanges(event: S3Event): ObjectChange[] {
  return (event.Records ?? []).flatMap((record): ObjectChange[] => {
    const kind = record.eventName.startsWith('ObjectCreated:')
      ? 'created'
      : record.eventName.startsWith('ObjectRemoved:')
        ? 'removed'
        : undefined;
    if (!kind) return [];
    const { versionId, sequencer } = record.s3.object;
    if (typeof sequencer !== 'string' || !isSequencer(sequencer)) {
      // Not from S3 (which always sends one): nothing orders it, so it cannot be applied safely.
      logger.warn('event ignored: no S3 sequencer', {
        eventName: record.eventName,
        key: record.s3.object.key,
        sequencer,
      });
      return [];
    }
    return [
      {
        key: decodeEventKey(record.s3.object.key),
        kind,
        sequencer,
        eventTime: new Date(record.eventTime).toISOString(),
        // Created: the version to read. Removed: a version deleted for good (ObjectRemoved:Delete on a
        // versioned bucket); a delete marker (DeleteMarkerCreated) is a plain delete, and an unversioned
        // bucket's events carry no versionId.
        ...(versionId && record.eventName !== 'ObjectRemoved:DeleteMarkerCreated' ? { versionId } : {}),
      },
    ];
  });
}

export const INGEST_SETTING_NAMES = {
  maxPostBytes: ENV.maxPostBytes,
  iframeHosts: ENV.iframeHosts,
  legacyHosts: ENV.legacyHosts,
  timeZone: ENV.timeZone,
};

/** MAX_POST_BYTES and IFRAME_HOSTS, refused with the variable's name when wrong. */
export function ingestSettingsFromEnv(env: Record<string, string | undefined>): IngestSettings {
  return readIngestSettings(env, INGEST_SETTING_NAMES);
}

/**
 * Wires the handler from environment variables: what Lambda runs, and what the local stack runs.
 * Posts are read within a memory and time budget (functions/adapters/parse-worker.ts). Posts
 * dated in the future are scheduled with `scheduler` (the local stack's timers) or, with
 * SCHEDULE_GROUP set (deployed), on EventBridge Scheduler, which invokes `targetArn()`: the
 * function itself, whose ARN only the invocation tells (see `handler`).
 */
export function ingestHandlerFromEnv(
  env: Record<string, string | undefined>,
  readPost: ReadPost = budgetedReader().readPost,
  scheduler?: PublishScheduler,
  targetArn: () => string = () => {
    throw new Error('the function to call back is not known: pass targetArn');
  },
  announcementQueue?: AnnouncementQueue,
) {
  const { siteUrl, websubHub, idAuthority, edgeMaxAgeSeconds } = settingsFromEnv(env);
  const queueUrl = env[ENV.announceQueueUrl]?.trim();
  const queue = announcementQueue ?? (queueUrl ? sqsAnnouncementQueue(env, queueUrl) : undefined);
  return createIngestHandler({
    readPost,
    idAuthority,
    store: new DynamoPostStore(dynamoClient(env), requireEnv(ENV.tableName, env)),
    s3: s3Client(env),
    bucket: requireEnv(ENV.bucketName, env),
    settings: ingestSettingsFromEnv(env),
    scheduler: scheduler ?? (env[ENV.scheduleGroup] ? eventBridgeScheduler(env, targetArn) : undefined),
    // Site settings refuse a hub without SITE_URL.
    ...(websubHub && siteUrl
      ? {
          websub: {
            hub: websubHub,
            siteUrl,
            ...(queue ? { queue, delaySeconds: announcementDelaySeconds(edgeMaxAgeSeconds) } : {}),
          },
        }
      : {}),
  });
}

let handlerFromEnv: ReturnType<typeof createIngestHandler> | undefined;
let invokedFunctionArn: string | undefined;

/**
 * The Lambda entry point; configuration is read (and refused, naming the variable) at cold start.
 * S3 notifications and the scheduler's call backs both arrive here. The function schedules
 * itself: its ARN cannot be in its own environment (the function would depend on itself in
 * CloudFormation), so it is taken from the invocation, unqualified (the scheduler role may invoke
 * the function's ARN, not a version's or an alias's).
 */
export const handler = (
  event: S3Event | ScheduledPublishEvent | SQSEvent,
  context: Context,
): Promise<IngestOutcome[]> => {
  invokedFunctionArn = unqualifiedFunctionArn(context.invokedFunctionArn);
  handlerFromEnv ??= ingestHandlerFromEnv(process.env, undefined, undefined, () => invokedFunctionArn!);
  return handlerFromEnv(event);
};
