import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { s3Client, dynamoClient } from '../adapters/clients';
import { DynamoPostStore } from '../adapters/dynamo-store';
import { requireEnv } from '../adapters/env';
import { logger } from '../adapters/logger';
import { ENV, POSTS_PREFIX } from '../config-names';
import { ingestChange, type IngestOutcome, type ObjectChange, type ReadObject } from '../core/ingest';
import type { PostStore } from '../core/store';

export interface IngestHandlerDeps {
  store: PostStore;
  s3: S3Client;
  bucket: string;
}

/**
 * Translates S3 notifications into ingest calls, one record at a time. Refused posts are
 * recorded and not retried; a transient failure throws, so Lambda retries the event and
 * finally hands it to the dead-letter queue.
 */
export function createIngestHandler(deps: IngestHandlerDeps) {
  const readObject: ReadObject = async (key) => {
    try {
      const object = await deps.s3.send(new GetObjectCommand({ Bucket: deps.bucket, Key: key }));
      return await object.Body?.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  };

  return async (event: S3Event): Promise<IngestOutcome[]> => {
    const outcomes: IngestOutcome[] = [];
    for (const change of toChanges(event)) {
      if (!change.key.startsWith(POSTS_PREFIX)) continue;
      const outcome = await ingestChange(change, { store: deps.store, readObject });
      if (outcome.result === 'rejected') logger.warn('post refused', { key: outcome.key, error: outcome.error });
      else logger.info(`post ${outcome.result}`, { ...outcome });
      outcomes.push(outcome);
    }
    return outcomes;
  };
}

/** S3 URL-encodes keys in events, with `+` for a space. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

function toChanges(event: S3Event): ObjectChange[] {
  return (event.Records ?? []).flatMap((record): ObjectChange[] => {
    const kind = record.eventName.startsWith('ObjectCreated:')
      ? 'created'
      : record.eventName.startsWith('ObjectRemoved:')
        ? 'removed'
        : undefined;
    if (!kind) return [];
    return [{
      key: decodeEventKey(record.s3.object.key),
      kind,
      sequencer: record.s3.object.sequencer,
      eventTime: new Date(record.eventTime).toISOString(),
    }];
  });
}

/** Wires the handler from environment variables: what Lambda runs, and what the local stack runs. */
export function ingestHandlerFromEnv(env: Record<string, string | undefined>) {
  return createIngestHandler({
    store: new DynamoPostStore(dynamoClient(env), requireEnv(ENV.tableName, env)),
    s3: s3Client(env),
    bucket: requireEnv(ENV.bucketName, env),
  });
}

let handlerFromEnv: ReturnType<typeof createIngestHandler> | undefined;

/** The Lambda entry point; configuration is read (and refused, naming the variable) at cold start. */
export const handler = (event: S3Event): Promise<IngestOutcome[]> => {
  handlerFromEnv ??= ingestHandlerFromEnv(process.env);
  return handlerFromEnv(event);
};
