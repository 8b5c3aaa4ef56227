import { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../config-names';
import { commonConfig, emulatorConfig } from './clients';

/** The S3 client, built as functions/adapters/clients.ts builds every client (timeouts, retries, endpoints). */
export function s3Client(env: Record<string, string | undefined> = process.env): S3Client {
  const endpoint = env[ENV.s3Endpoint];
  return new S3Client({
    ...commonConfig(),
    ...emulatorConfig(endpoint, env, 'S3RVER'),
    ...(endpoint
      ? {
          // s3rver serves buckets by path only (the SDK chooses paths by itself for an IP address, not for localhost).
          forcePathStyle: true,
          // s3rver stores streamed uploads (the CLI's) corrupted under the SDK's default checksum mode.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}
