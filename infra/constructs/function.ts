import * as path from 'node:path';
import { type CfnElement, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type DestinationConfig,
  type IDestination,
  type IFunction,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV, POSTS_PREFIX } from '../../functions/config-names';
import { ASSET_ROOT, ASSET_TYPES } from '../../functions/core/assets';
import { esbuildAliasArgs, esbuildOptions, REPO_ROOT } from './bundling';

export interface PublishingFunctionProps {
  /** Handler source relative to the repository root; it must export `handler`. */
  readonly entry: string;
  readonly description: string;
  readonly timeout: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  /** Asynchronous invocations (S3 events) only. */
  readonly retryAttempts?: number;
  /** Asynchronous invocations (S3 events) only. */
  readonly onFailure?: IDestination;
}

export type TableAccess = 'read' | 'readWrite';

/** What reading posts calls (see bindBucket): on the objects under POSTS_PREFIX, and on the bucket. */
export const BUCKET_ACTIONS = {
  objects: ['s3:GetObject', 's3:GetObjectVersion'],
  bucket: ['s3:ListBucket'],
} as const;

/**
 * An on-failure destination that may only send: CDK's SqsDestination grants the function
 * sqs:GetQueueAttributes and sqs:GetQueueUrl too (through queue.grantSendMessages), which
 * Lambda does not use to deliver the failure record. The queue is SQS-managed encrypted, so no
 * KMS grant is needed.
 */
export class SendOnlyQueueDestination implements IDestination {
  constructor(private readonly queue: IQueue) {}

  bind(_scope: Construct, fn: IFunction): DestinationConfig {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));
    return { destination: this.queue.queueArn };
  }
}

/** DynamoDB actions per access level: the read side gets and queries; ingest also writes single items. */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  readWrite: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/**
 * Every Lambda of the stack, with its defaults in one place: Node.js 24 on arm64, bundled
 * locally by esbuild (never Docker) to minified CommonJS with source maps, an explicit log
 * group with retention, and a role that may write only to that log group. Access to data is
 * added with `bind*()`, which grants and sets the environment variable in one call so the
 * two cannot drift.
 */
export class PublishingFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: PublishingFunctionProps) {
    // Logs expire after a month anyway; a deleted stack should not leave them orphaned.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may create
    // log groups and write to any of them; this role writes to its own log group only.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    logGroup.grantWrite(role);
    const shared = esbuildOptions();

    super(scope, id, {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      role,
      logGroup,
      retryAttempts: props.retryAttempts,
      onFailure: props.onFailure,
      environment: {
        // Stack traces in the logs point at functions/*.ts, not at the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      // infra/constructs/bundling.ts's options, which the benchmark and test/infra/bundles.test.ts
      // build with: what they measure and test is what deploys.
      bundling: {
        format: { cjs: OutputFormat.CJS }[shared.format],
        minify: shared.minify,
        sourceMap: shared.sourcemap,
        target: shared.target,
        externalModules: shared.external,
        mainFields: shared.mainFields,
        // Aliases are resolved from esbuild's working directory, projectRoot (REPO_ROOT).
        esbuildArgs: esbuildAliasArgs(),
        // esbuild is a devDependency, so bundling runs locally; Docker is never needed.
        forceDockerBundling: false,
      },
    });
  }

  /** Grants `access` to the table and tells the function its name. */
  bindTable(table: ITable, access: TableAccess): this {
    // The calls the store makes, not grantReadData/grantReadWriteData: those add Scan,
    // BatchGet/BatchWrite, DescribeTable and stream reads that no function uses.
    table.grant(this, ...TABLE_ACTIONS[access]);
    this.addEnvironment(ENV.tableName, table.tableName);

    const tableArn = `<${logicalIdOf(table)}.Arn>`;
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::${tableArn}/index/*]`,
      `The table grant covers its indexes (${tableArn}/index/*) so pages can be found by path through the byPagePath GSI and sitemaps read through the bySitemap GSI; the table has no other index.`,
    );
    return this;
  }

  /**
   * Grants what reading posts calls, and tells the function the bucket name: GetObject (the latest
   * object) and GetObjectVersion (the version an event names; a read by VersionId needs that
   * action) on the posts under POSTS_PREFIX, and ListBucket on the bucket, which the code never
   * calls but which makes S3 answer a read of a missing key 404 instead of 403 (S3 API
   * reference, GetObject permissions): ingest takes 404 as "the post is gone", while a 403 must
   * stay an error to retry. Not Bucket.grantRead, which adds s3:GetBucket*, s3:List* and
   * s3:GetObject* (ACLs, tagging, attributes) on the bucket and the prefix.
   */
  bindBucket(bucket: IBucket): this {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: [...BUCKET_ACTIONS.objects],
        resources: [bucket.arnForObjects(`${POSTS_PREFIX}*`)],
      }),
    );
    this.addToRolePolicy(new PolicyStatement({ actions: [...BUCKET_ACTIONS.bucket], resources: [bucket.bucketArn] }));
    this.addEnvironment(ENV.bucketName, bucket.bucketName);

    const bucketArn = `<${logicalIdOf(bucket)}.Arn>`;
    this.acknowledgeOnRole(
      `AwsSolutions-IAM5[Resource::${bucketArn}/${POSTS_PREFIX}*]`,
      `Read-only access to the content bucket: GetObject and GetObjectVersion on the posts under ${POSTS_PREFIX}, whose keys are not known in advance.`,
    );
    return this;
  }

  /**
   * Lets the read function presign GETs of the files beside the posts (functions/core/assets.ts),
   * and tells it the bucket name: s3:GetObject on the allowed extensions under the posts prefix
   * only (`posts/*.png`, `posts/*.PNG`…), so a URL it signs can never fetch a post's source, the
   * site config, or anything else in the bucket.
   */
  bindAssets(bucket: IBucket): this {
    const patterns = assetKeyPatterns();
    // A policy of its own: in the role's default policy its 64 resources would make CDK move
    // statements to a managed "overflow" policy (its size estimate counts unresolved tokens);
    // resolved, they take at most 5,844 characters (a 63-character bucket name) of the role's
    // 10,240 characters of inline policy.
    const policy = new Policy(this, 'AssetReadPolicy', {
      roles: [this.role!],
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: patterns.map((pattern) => bucket.arnForObjects(pattern)),
        }),
      ],
    });
    this.addEnvironment(ENV.bucketName, bucket.bucketName);
    const bucketArn = `<${logicalIdOf(bucket)}.Arn>`;
    for (const pattern of patterns) {
      Validations.of(policy.node.defaultChild!).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${bucketArn}/${pattern}]`,
        reason: `Read-only access to the pictures and files beside the posts (${pattern}), which the read function presigns GETs of; their keys are not known in advance.`,
      });
    }
    return this;
  }

  /** On the role's policy resource itself, where the grants above put the finding. */
  private acknowledgeOnRole(id: string, reason: string): void {
    const policy = this.role!.node.findChild('DefaultPolicy').node.defaultChild!;
    Validations.of(policy).acknowledge({ id, reason });
  }
}

/** The object keys of files the site serves: each allowed extension, in lower and upper case, under the posts prefix. */
export function assetKeyPatterns(): string[] {
  return Object.keys(ASSET_TYPES).flatMap((extension) => [
    `${ASSET_ROOT}*.${extension}`,
    `${ASSET_ROOT}*.${extension.toUpperCase()}`,
  ]);
}

function logicalIdOf(resource: ITable | IBucket): string {
  return Stack.of(resource).getLogicalId(resource.node.defaultChild as CfnElement);
}
