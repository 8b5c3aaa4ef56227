import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ENV } from '../config-names';

/*
 * The one place AWS clients are built, with the same configuration on Lambda, in the local
 * stack and in the tests. On AWS no endpoint is set and the SDK's defaults find the service;
 * elsewhere the SDK's standard variables AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3 point
 * at the emulators. They are read from the environment given (the local stack runs several
 * functions' environments in one process), which on Lambda is process.env, as the SDK reads it.
 *
 * S3 lives in ./s3-client.ts: the read function never loads the S3 SDK.
 */

type Env = Record<string, string | undefined>;

/**
 * Timeouts and retries. The SDK's defaults have no timeout at all (@smithy/node-http-handler:
 * connectionTimeout and requestTimeout default to 0; since 4.4 requestTimeout only logs unless
 * throwOnRequestTimeout is set), so a storage endpoint that accepts and never answers would
 * hold a request until the function itself times out and API Gateway answers its own 5xx.
 * With these a call gives up after at most MAX_ATTEMPTS × REQUEST_TIMEOUT_MS plus the SDK's
 * backoff (≤ 2 × 100 ms base, jittered): 6.2 s, inside the read function's 10 s, so the reader
 * gets the 503 with Retry-After (test/deployed checks it on the bundle). DynamoDB answers in
 * milliseconds; two seconds is a hang, not a slow answer.
 */
export const CLIENT_LIMITS = {
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  maxAttempts: 3,
} as const;

/** The longest one storage call can take with CLIENT_LIMITS before it fails. */
export const WORST_CALL_MS = CLIENT_LIMITS.maxAttempts * CLIENT_LIMITS.requestTimeoutMs + 2 * 100;

/**
 * `cacheMiddleware`: the SDK otherwise rebuilds each command's middleware chain on every call (a
 * DynamoDB call cost this process ~650 µs of CPU against a canned-response server, ~590 with the
 * cache). Middleware added to a client must be added before its first call, and the cached
 * chain is built for the client's one endpoint, region and credentials: keep it so.
 */
export function commonConfig() {
  return {
    cacheMiddleware: true,
    maxAttempts: CLIENT_LIMITS.maxAttempts,
    requestHandler: {
      connectionTimeout: CLIENT_LIMITS.connectionTimeoutMs,
      requestTimeout: CLIENT_LIMITS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}

/** Endpoint, region and credentials from `env` when it names an emulator; nothing on AWS. */
export function emulatorConfig(endpoint: string | undefined, env: Env, defaultKey: string) {
  if (!endpoint) return {};
  return {
    endpoint,
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? defaultKey,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? defaultKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    },
  };
}

export function dynamoClient(env: Env = process.env): DynamoDBClient {
  return new DynamoDBClient({ ...commonConfig(), ...emulatorConfig(env[ENV.dynamoEndpoint], env, 'local') });
}
