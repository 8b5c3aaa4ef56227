/**
 * Where the CLI tools (`npm run errors`, `npm run reindex`, `npm run upload`) work: the local
 * stack of `npm start` by default, or the deployed stack with `--aws` (names from the outputs
 * file `npm run deploy` writes) or `--table` / `--bucket`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { dynamoClient } from '../../functions/adapters/clients';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { s3Client } from '../../functions/adapters/s3-client';
import { ENV } from '../../functions/config-names';
import { LOCAL_BUCKET, LOCAL_TABLE } from '../local/local-stack';

// The SDK warns on Node 20 at every client creation; nothing a user of these tools can act on.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** The file `npm run deploy` (`cdk deploy --outputs-file`) writes the stack's outputs to. */
export const OUTPUTS_FILE = 'cdk-outputs.json';

/** The options every command that reaches a stack takes (node:util parseArgs values). */
export interface TargetOptions {
  aws?: boolean;
  outputs?: string;
  table?: string;
  bucket?: string;
}

/** parseArgs option definitions of TargetOptions, for the commands' own definitions. */
export const TARGET_OPTIONS = {
  aws: { type: 'boolean' },
  outputs: { type: 'string' },
  table: { type: 'string' },
  bucket: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** node:util parseArgs, with its refusals (unknown option, missing value) as usage errors. */
export function parseCommandLine<T extends ParseArgsConfig['options']>(
  options: T,
  usage: string,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: process.argv.slice(2), options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

export class UsageError extends Error {}

export interface CliTarget {
  /** Where, in words, for the first line of output. */
  description: string;
  local: boolean;
  tableName: string;
  bucket: string;
  dynamo: DynamoDBClient;
  s3: S3Client;
  store: DynamoPostStore;
  close(): void;
}

export function resolveTarget(args: TargetOptions, env: Record<string, string | undefined> = process.env): CliTarget {
  const aws = args.aws || args.outputs !== undefined || args.table !== undefined || args.bucket !== undefined;
  if (!aws) {
    const dynamoEndpoint = env[ENV.dynamoEndpoint] || `http://127.0.0.1:${env.DYNAMODB_PORT || 4567}`;
    const s3Endpoint = env[ENV.s3Endpoint] || `http://127.0.0.1:${env.S3_PORT || 4569}`;
    const clientEnv = { ...env, [ENV.dynamoEndpoint]: dynamoEndpoint, [ENV.s3Endpoint]: s3Endpoint };
    return target(
      `the local stack (DynamoDB ${dynamoEndpoint}, S3 ${s3Endpoint})`,
      true,
      LOCAL_TABLE,
      LOCAL_BUCKET,
      clientEnv,
    );
  }
  const outputs = readOutputs(args.outputs);
  const tableName = args.table ?? outputs?.PostsTableName;
  const bucket = args.bucket ?? outputs?.ContentBucketName ?? '';
  if (!tableName) {
    throw new UsageError(
      'no table: deploy with `npx cdk deploy --outputs-file cdk-outputs.json`, or pass --outputs FILE or --table NAME',
    );
  }
  const clientEnv = { ...env, [ENV.dynamoEndpoint]: undefined, [ENV.s3Endpoint]: undefined };
  return target(`AWS (table ${tableName}${bucket ? `, bucket ${bucket}` : ''})`, false, tableName, bucket, clientEnv);
}

/** Where `npm run upload` writes: the local stack's bucket, or the deployed one (no table needed). */
export interface BucketTarget {
  description: string;
  local: boolean;
  bucket: string;
  s3: S3Client;
  close(): void;
}

export function resolveBucketTarget(
  args: Omit<TargetOptions, 'table'>,
  env: Record<string, string | undefined> = process.env,
): BucketTarget {
  const aws = args.aws || args.outputs !== undefined || args.bucket !== undefined;
  if (!aws) {
    const s3Endpoint = env[ENV.s3Endpoint] || `http://127.0.0.1:${env.S3_PORT || 4569}`;
    const s3 = s3Client({ ...env, [ENV.s3Endpoint]: s3Endpoint });
    return {
      description: `the local stack (S3 ${s3Endpoint}, bucket ${LOCAL_BUCKET})`,
      local: true,
      bucket: LOCAL_BUCKET,
      s3,
      close: () => s3.destroy(),
    };
  }
  const bucket = args.bucket ?? readOutputs(args.outputs)?.ContentBucketName;
  if (!bucket) {
    throw new UsageError(
      'no bucket: deploy with `npm run deploy` (it writes cdk-outputs.json), or pass --outputs FILE or --bucket NAME',
    );
  }
  const s3 = s3Client({ ...env, [ENV.s3Endpoint]: undefined });
  return { description: `AWS (bucket ${bucket})`, local: false, bucket, s3, close: () => s3.destroy() };
}

function target(
  description: string,
  local: boolean,
  tableName: string,
  bucket: string,
  env: Record<string, string | undefined>,
): CliTarget {
  const dynamo = dynamoClient(env);
  const s3 = s3Client(env);
  return {
    description,
    local,
    tableName,
    bucket,
    dynamo,
    s3,
    store: new DynamoPostStore(dynamo, tableName),
    close() {
      dynamo.destroy();
      s3.destroy();
    },
  };
}

export interface StackOutputs {
  /** The site's address: the custom domain or the CloudFront distribution. */
  SiteUrl?: string;
  /** The HTTP API behind CloudFront. */
  ApiUrl?: string;
  PostsTableName?: string;
  ContentBucketName?: string;
}

/** The outputs of the stack in `cdk deploy --outputs-file`'s file (the first stack that has a table or bucket). */
export function readOutputs(file: string | undefined): StackOutputs | undefined {
  const path = file ?? OUTPUTS_FILE;
  if (!existsSync(path)) {
    if (file) throw new UsageError(`outputs file ${file} does not exist`);
    return undefined;
  }
  const stacks = JSON.parse(readFileSync(path, 'utf8')) as Record<string, StackOutputs>;
  return Object.values(stacks).find((outputs) => outputs?.PostsTableName || outputs?.ContentBucketName);
}

/**
 * Says why a command failed, once, on stderr, and gives its exit code: 2 for a usage error, 1
 * for anything else (a failure to reach the stack said in terms of what to do about it).
 */
export function commandFailed(
  command: string,
  error: unknown,
  where?: Pick<CliTarget, 'local' | 'description'>,
): number {
  console.error(`npm run ${command}: ${error instanceof UsageError ? error.message : explainFailure(error, where)}`);
  return error instanceof UsageError ? 2 : 1;
}

/** A failure to reach the local emulators, said in terms of what to do about it. */
function explainFailure(error: unknown, where: Pick<CliTarget, 'local' | 'description'> | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const code =
    (error as { code?: string; cause?: { code?: string } })?.code ??
    (error as { cause?: { code?: string } })?.cause?.code;
  if (where?.local && (code === 'ECONNREFUSED' || /ECONNREFUSED/.test(message))) {
    return `cannot reach ${where.description}: is \`npm start\` running? (set DYNAMODB_PORT / S3_PORT if it uses other ports)`;
  }
  const setup = awsSetupProblem(error);
  if (setup) return setup;
  if (error instanceof Error && error.name === 'NoSuchBucket')
    return `${where?.description ?? 'the target'}: bucket not found`;
  if (error instanceof Error && error.name === 'ResourceNotFoundException')
    return `${where?.description ?? 'the target'}: table not found`;
  return message;
}

/** A missing or refused AWS configuration, said in terms of what to set (the SDK's own words name no setting). */
export function awsSetupProblem(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (message === 'Region is missing')
    return 'no AWS region: set AWS_REGION (AWS_REGION=us-east-1), or a region in the profile AWS_PROFILE names (aws configure)';
  if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message)) {
    return 'no AWS credentials: run `aws configure`, or set AWS_PROFILE to a configured profile (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)';
  }
  if (
    [
      'ExpiredToken',
      'ExpiredTokenException',
      'InvalidClientTokenId',
      'UnrecognizedClientException',
      'InvalidAccessKeyId',
      'SignatureDoesNotMatch',
    ].includes(name)
  ) {
    return `AWS refused the credentials (${name}): renew them (\`aws sso login\`, or \`aws configure\`) or choose another AWS_PROFILE`;
  }
  return undefined;
}
