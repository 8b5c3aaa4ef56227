import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../config-names';

/**
 * The one place AWS clients are built. On AWS the endpoints are unset and the SDK's
 * defaults apply; locally they point at the emulators.
 *
 * `cacheMiddleware`: the SDK otherwise rebuilds each command's middleware chain on every
 * call (a DynamoDB call cost this process ~650 µs of CPU against a canned-response server, ~590
 * with the cache). Middleware added to a client must be added before its first call, and the
 * cached chain is built for the client's one endpoint, region and credentials: keep it so.
 */
const SHARED = { cacheMiddleware: true } as const;

export function dynamoClient(env: Record<string, string | undefined> = process.env): DynamoDBClient {
  const endpoint = env[ENV.dynamoEndpoint];
  return new DynamoDBClient(
    endpoint
      ? { ...SHARED, endpoint, region: env.AWS_REGION ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : { ...SHARED },
  );
}

export function s3Client(env: Record<string, string | undefined> = process.env): S3Client {
  const endpoint = env[ENV.s3Endpoint];
  return new S3Client(
    endpoint
      ? {
          ...SHARED,
          endpoint,
          region: env.AWS_REGION ?? 'us-east-1',
          forcePathStyle: true,
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
          // s3rver stores streamed uploads corrupted under the SDK's default checksum mode.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : { ...SHARED },
  );
}
