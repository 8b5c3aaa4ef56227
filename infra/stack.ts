import {
  CfnOutput,
  type CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, EventType, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { settingsFromEnv } from '../functions/adapters/env';
import { TABLE_SCHEMA } from '../functions/adapters/table-schema';
import { ENV, POSTS_PREFIX } from '../functions/config-names';
import { readIngestSettings } from '../functions/core/ingest-settings';
import { ROUTE_METHODS, ROUTES, routeKey } from '../functions/core/routes';
import { PublishingFunction, SendOnlyQueueDestination } from './constructs/function';

/** How long replaced or deleted versions of posts are kept in the content bucket. */
export const NONCURRENT_VERSION_DAYS = 90;

/**
 * The read function's timeout. A storage call that hangs fails within WORST_CALL_MS
 * (functions/adapters/clients.ts) and the reader gets a 503 well before this.
 */
export const HTTP_FUNCTION_TIMEOUT_SECONDS = 10;

/**
 * The ingest function's timeout: the 30 s its work had, plus the minute a scheduled post's call
 * back waits when EventBridge Scheduler fires it before the post's date (its one-minute
 * precision; EARLY_CALL_WAIT_MS in functions/handlers/ingest.ts). Shorter, an early call back
 * would time out, count as an ingest error and publish only at Lambda's retry.
 */
export const INGEST_FUNCTION_TIMEOUT_SECONDS = 90;

/** Site settings the read function takes from its environment; unset ones keep the function's defaults. */
const SITE_SETTINGS = [
  'siteUrl',
  'siteTitle',
  'siteDescription',
  'siteLanguage',
  'idAuthority',
  'feedLength',
  'feedMaxBytes',
  'maxAgeSeconds',
  'archiveMaxAgeSeconds',
  'feedVersionCacheMs',
  'websubHub',
  'feedAliases',
  'displayNames',
  'robots',
  'timeZone',
] as const;
type SiteSetting = (typeof SITE_SETTINGS)[number];

export interface PublishingStackProps extends StackProps {
  /** Protects the posts table from deletion. Context `deletionProtection`; default true. */
  readonly deletionProtection?: boolean;
  /** Default-route throttling of the HTTP API. Context `throttleRateLimit` / `throttleBurstLimit`; default 100 / 200. */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Site settings for the read function. Context keys of the same names (`-c siteUrl=https://…`). */
  readonly site?: Partial<Record<SiteSetting, string>>;
  /** Addresses the alarms mail when they go off and when they clear. Context `alarmEmail` (comma-separated); default none. */
  readonly alarmEmails?: readonly string[];
}

/**
 * Everything `cdk deploy` creates: posts uploaded under `posts/` in the content bucket are
 * ingested into the posts table, and the HTTP API serves pages and feeds from it.
 */
export class PublishingStack extends Stack {
  readonly contentBucket: Bucket;
  readonly postsTable: Table;
  readonly deadLetterQueue: Queue;
  readonly ingestFunction: PublishingFunction;
  /** Scheduled posts: their one-time schedules, the role they invoke ingest with, and where failed invocations go. */
  readonly scheduleGroup: CfnScheduleGroup;
  readonly schedulerRole: Role;
  readonly scheduleDeadLetterQueue: Queue;
  readonly httpFunction: PublishingFunction;
  readonly httpApi: HttpApi;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: PublishingStackProps = {}) {
    super(scope, id, props);
    // ACLs are disabled on our buckets, so access logs must be delivered under a bucket
    // policy. Pinned here so the stack does not depend on the app's feature flags.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const config = resolveConfig(this, props);

    const accessLogBucket = new Bucket(this, 'AccessLogBucket', {
      encryption: BucketEncryption.S3_MANAGED, // S3 server access logging cannot deliver to a KMS-encrypted bucket
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: Duration.days(90) }],
    });

    this.contentBucket = new Bucket(this, 'ContentBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      // Versions keep every upload recoverable for a while, not forever: replaced and deleted
      // posts' old versions go after NONCURRENT_VERSION_DAYS, delete markers with nothing left
      // under them and abandoned multipart uploads after a week. Lifecycle actions send only
      // s3:LifecycleExpiration:* events, which ingest is not subscribed to, and never touch a
      // key's current version: the site does not change (test/deployed covers the event).
      lifecycleRules: [
        {
          id: 'ExpireOldPostVersions',
          noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_DAYS),
          expiredObjectDeleteMarker: true,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'content-bucket/',
    });

    this.postsTable = new Table(this, 'PostsTable', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.deletionProtection,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.postsTable.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.pathIndex.name,
      partitionKey: { name: TABLE_SCHEMA.pathIndex.partitionKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.postsTable.addGlobalSecondaryIndex({
      indexName: TABLE_SCHEMA.sitemapIndex.name,
      partitionKey: { name: TABLE_SCHEMA.sitemapIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sitemapIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.INCLUDE,
      nonKeyAttributes: [...TABLE_SCHEMA.sitemapIndex.projected],
    });

    this.deadLetterQueue = new Queue(this, 'IngestDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the failure destination of the ingest function; nothing consumes it automatically, so it needs no dead-letter queue of its own.',
    });

    const siteSettings = siteEnvironment(config.site);
    this.ingestFunction = new PublishingFunction(this, 'IngestFunction', {
      entry: 'functions/handlers/ingest.ts',
      description: `Ingests posts created or removed under ${POSTS_PREFIX} in the content bucket`,
      timeout: Duration.seconds(INGEST_FUNCTION_TIMEOUT_SECONDS),
      retryAttempts: 2,
      // An on-failure destination rather than a dead-letter queue: its message carries the
      // error (type, message) and the retry count along with the S3 event, so a failed post
      // can be diagnosed from the queue alone; a DLQ message holds the bare event.
      onFailure: new SendOnlyQueueDestination(this.deadLetterQueue),
      // Ingest tells the WebSub hub (when one is configured) which feed URLs changed.
      environment: { ...siteSettings, ...ingestEnvironment(this) },
    })
      .bindTable(this.postsTable, 'readWrite')
      .bindBucket(this.contentBucket);

    // Scheduled posts (functions/core/schedule.ts): ingest sets one one-time EventBridge Scheduler
    // schedule per change of a future-dated post in this group (functions/adapters/scheduler.ts), which
    // invokes ingest itself at the post's date with this role. An invocation that EventBridge
    // Scheduler cannot deliver after its retries goes to the schedule dead-letter queue; one that
    // is delivered and fails in the function follows the function's own retries into the ingest
    // dead-letter queue, as S3 events do.
    this.scheduleGroup = new CfnScheduleGroup(this, 'PostScheduleGroup');
    this.scheduleDeadLetterQueue = new Queue(this, 'ScheduleDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.scheduleDeadLetterQueue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter queue of the post schedules (call backs EventBridge Scheduler could not deliver); nothing consumes it automatically, so it needs no dead-letter queue of its own.',
    });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      description: 'Assumed by EventBridge Scheduler to call the ingest function back when a scheduled post is due',
      // This account's schedules only (confused deputy).
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });
    // The function's ARN, not `grantInvoke` (which adds its versions and aliases, `:*`).
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.ingestFunction.functionArn] }),
    );
    // SQS-managed encryption: sending needs no KMS grant.
    this.schedulerRole.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.scheduleDeadLetterQueue.queueArn] }),
    );
    const schedules = `arn:${this.partition}:scheduler:${this.region}:${this.account}:schedule/${this.scheduleGroup.ref}/*`;
    this.ingestFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [schedules],
      }),
    );
    // Creating or updating a schedule passes its role to EventBridge Scheduler.
    this.ingestFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    Validations.of(this.ingestFunction.role!.node.findChild('DefaultPolicy').node.defaultChild!).acknowledge({
      // As cdk-nag writes the resource: pseudo parameters stay `<AWS::…>` unless the stack's environment fixes them.
      id: `AwsSolutions-IAM5[Resource::arn:${nagName(this.partition, 'AWS::Partition')}:scheduler:${nagName(this.region, 'AWS::Region')}:${nagName(this.account, 'AWS::AccountId')}:schedule/<${this.getLogicalId(this.scheduleGroup)}>/*]`,
      reason:
        'Ingest creates, updates and deletes one schedule per change of a scheduled post, named after its key and version, so their names are not known in advance; the grant is limited to the schedules of the stack own group.',
    });
    this.ingestFunction.addEnvironment(ENV.scheduleGroup, this.scheduleGroup.ref);
    this.ingestFunction.addEnvironment(ENV.scheduleRoleArn, this.schedulerRole.roleArn);
    this.ingestFunction.addEnvironment(ENV.scheduleDlqArn, this.scheduleDeadLetterQueue.queueArn);

    for (const event of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      this.contentBucket.addEventNotification(event, new LambdaDestination(this.ingestFunction), {
        prefix: POSTS_PREFIX,
      });
    }
    acknowledgeBucketNotificationsHandler(this);
    retainBucketNotificationsHandlerLogs(this, this.contentBucket);

    this.httpFunction = new PublishingFunction(this, 'HttpFunction', {
      entry: 'functions/handlers/http.ts',
      description: 'Serves the public pages, feeds and share links',
      timeout: Duration.seconds(HTTP_FUNCTION_TIMEOUT_SECONDS),
      environment: siteSettings,
    })
      .bindTable(this.postsTable, 'read')
      .bindAssets(this.contentBucket);

    const accessLogs = new LogGroup(this, 'HttpApiAccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Public read-only pages, feeds and share links',
      // The default stage is created below: the L2 HttpApi props cannot set its access logs or throttling.
      createDefaultStage: false,
    });
    const stage = new HttpStage(this, 'HttpApiDefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: config.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // Every route goes to the one read function, so one API-wide invoke permission replaces
    // one per route (which would grow the function policy with every route).
    const integration = new HttpLambdaIntegration('HttpFunctionIntegration', this.httpFunction, {
      scopePermissionToRoute: false,
    });
    for (const route of ROUTES) {
      for (const method of ROUTE_METHODS) {
        for (const httpRoute of this.httpApi.addRoutes({
          path: route.path,
          methods: [HttpMethod[method]],
          integration,
        })) {
          Validations.of(httpRoute.node.defaultChild!).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: `${routeKey(method, route)} is a public read-only route (${route.view}) that browsers and feed readers fetch anonymously; it has no authorization by design.`,
          });
        }
      }
    }

    // Every alarm notifies this topic, going off and clearing: mail from context `alarmEmail`, and
    // anything else (a chat integration, a pager) subscribes to the topic named in the outputs.
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: 'Publishing alarms', enforceSSL: true });
    // The topic's own policy (TLS only) replaces SNS's default one: CloudWatch is let in by name,
    // for this account's alarms only.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: { 'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*` },
        },
      }),
    );
    for (const email of config.alarmEmails) this.alarmTopic.addSubscription(new EmailSubscription(email));
    const notify = new SnsAction(this.alarmTopic);
    const alarms: Alarm[] = [];

    alarms.push(
      new Alarm(this, 'IngestErrorsAlarm', {
        alarmDescription: 'The ingest function failed; the event is retried, then lands in the dead-letter queue.',
        metric: this.ingestFunction.metricErrors({ period: Duration.minutes(5) }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    alarms.push(
      new Alarm(this, 'DeadLetterQueueAlarm', {
        alarmDescription: 'Ingest events failed after all retries; the posts they name are not published or removed.',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    alarms.push(
      new Alarm(this, 'ScheduleDeadLetterQueueAlarm', {
        alarmDescription:
          'EventBridge Scheduler could not call the ingest function back for a scheduled post; that post is not published. `npm run reindex` publishes overdue scheduled posts.',
        metric: this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 0,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    alarms.push(
      new Alarm(this, 'HttpApi5xxAlarm', {
        alarmDescription:
          'Over 1 % of HTTP API requests answered with server errors (the read function failed, timed out or was throttled).',
        // A rate, not a count: one 5xx among a million polls is noise, 1 % is an outage.
        metric: new MathExpression({
          label: '5xx rate (%)',
          expression: 'IF(requests > 0, 100 * errors / requests, 0)',
          usingMetrics: {
            errors: this.httpApi.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
            requests: this.httpApi.metricCount({ period: Duration.minutes(5), statistic: 'Sum' }),
          },
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the public site and feeds', value: stage.url });
    new CfnOutput(this, 'ContentBucketName', {
      description: `Upload posts under ${POSTS_PREFIX} in this bucket`,
      value: this.contentBucket.bucketName,
    });
    new CfnOutput(this, 'PostsTableName', { value: this.postsTable.tableName });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      description: 'Ingest events that failed after retries',
      value: this.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', {
      description: 'Scheduled posts whose call back EventBridge Scheduler could not deliver',
      value: this.scheduleDeadLetterQueue.queueUrl,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'Every alarm notifies this SNS topic when it goes off and when it clears',
      value: this.alarmTopic.topicArn,
    });
  }
}

interface StackConfig {
  deletionProtection: boolean;
  throttle: { rateLimit: number; burstLimit: number };
  site: Partial<Record<SiteSetting, string>>;
  alarmEmails: string[];
}

/** Props win over context (`cdk.json` or `-c key=value`), which wins over defaults. */
function resolveConfig(scope: Construct, props: PublishingStackProps): StackConfig {
  const context = (key: string): unknown => scope.node.tryGetContext(key);
  const site: Partial<Record<SiteSetting, string>> = {};
  for (const key of SITE_SETTINGS) {
    const value = props.site?.[key] ?? context(key);
    if (value !== undefined && value !== '') site[key] = String(value);
  }
  return {
    deletionProtection:
      props.deletionProtection ?? booleanFrom(context('deletionProtection'), 'deletionProtection') ?? true,
    throttle: {
      rateLimit:
        props.throttle?.rateLimit ?? positiveNumberFrom(context('throttleRateLimit'), 'throttleRateLimit') ?? 100,
      burstLimit:
        props.throttle?.burstLimit ?? positiveNumberFrom(context('throttleBurstLimit'), 'throttleBurstLimit') ?? 200,
    },
    site,
    alarmEmails: emailsFrom(props.alarmEmails ?? context('alarmEmail')),
  };
}

/** The read function's environment; validated here with the function's own rules, so a bad value stops synth. */
function siteEnvironment(site: Partial<Record<SiteSetting, string>>): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const key of SITE_SETTINGS) {
    const value = site[key];
    if (value !== undefined) environment[ENV[key]] = key === 'siteUrl' ? value.replace(/\/+$/, '') : value;
  }
  try {
    settingsFromEnv(environment);
  } catch (error) {
    const message = (error as Error).message;
    const key = SITE_SETTINGS.find((candidate) => message.startsWith(ENV[candidate]));
    throw new InvalidSetting(
      key!,
      message,
      `Site setting ${key} (props.site.${key} or -c ${key}=…) is invalid: ${message}`,
    );
  }
  return environment;
}

/**
 * MAX_POST_BYTES, IFRAME_HOSTS and LEGACY_HOSTS of the ingest function, from context
 * `maxPostBytes`, `iframeHosts` (`-c iframeHosts=www.youtube.com,player.bilibili.com`) and
 * `legacyHosts`; validated here with the function's own rules, so a bad value stops synth.
 */
function ingestEnvironment(scope: Construct): Record<string, string> {
  const environment: Record<string, string> = {};
  const settings = [
    ['maxPostBytes', ENV.maxPostBytes],
    ['iframeHosts', ENV.iframeHosts],
    ['legacyHosts', ENV.legacyHosts],
    // Also a site setting (the dates on pages): ingest reads dates written without an offset in it.
    ['timeZone', ENV.timeZone],
  ] as const;
  for (const [key, name] of settings) {
    const value = scope.node.tryGetContext(key);
    if (value !== undefined && value !== '') environment[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  try {
    readIngestSettings(environment, {
      maxPostBytes: ENV.maxPostBytes,
      iframeHosts: ENV.iframeHosts,
      legacyHosts: ENV.legacyHosts,
      timeZone: ENV.timeZone,
    });
  } catch (error) {
    const message = (error as Error).message;
    const key = settings.find(([, name]) => message.startsWith(name))?.[0] ?? 'maxPostBytes';
    throw new InvalidSetting(key, message, `Ingest setting ${key} (-c ${key}=…) is invalid: ${message}`);
  }
  return environment;
}

/** A setting (context key) with a wrong value: `detail` says what is wrong, naming the value. */
export class InvalidSetting extends Error {
  constructor(
    readonly key: string,
    readonly detail: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidSetting';
  }
}

// Values given with `-c` arrive as strings, values in cdk.json keep their JSON type.
function booleanFrom(value: unknown, key: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidSetting(
    key,
    `must be true or false, not ${JSON.stringify(value)}`,
    `Context ${key} must be true or false, got ${JSON.stringify(value)}`,
  );
}

function emailsFrom(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  const given = (Array.isArray(value) ? value.map(String) : String(value).split(',')).map((email) => email.trim());
  // One subscription per mailbox: the same address twice (in any case) would mail twice, or fail synth.
  const emails = given.filter(
    (email, index) => given.findIndex((other) => other.toLowerCase() === email.toLowerCase()) === index,
  );
  const wrong = emails.find((email) => !/^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/.test(email));
  if (wrong !== undefined) {
    throw new InvalidSetting(
      'alarmEmail',
      `must be email addresses separated by commas, not ${JSON.stringify(wrong)}`,
      `Setting alarmEmail (props.alarmEmails or -c alarmEmail=…) must be email addresses separated by commas, got ${JSON.stringify(wrong)}`,
    );
  }
  return emails;
}

function positiveNumberFrom(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new InvalidSetting(
      key,
      `must be a positive number, not ${JSON.stringify(value)}`,
      `Context ${key} must be a positive number, got ${JSON.stringify(value)}`,
    );
  return number;
}

/** A pseudo parameter's value as cdk-nag names it in a finding: `<AWS::Region>`, or the region the stack is fixed to. */
function nagName(value: string, pseudo: string): string {
  return Token.isUnresolved(value) ? `<${pseudo}>` : value;
}

/**
 * The notifications handler logs to `/aws/lambda/{name}`, which Lambda would create on first
 * run without a retention. Created here first (the bucket's notification resource waits for
 * it), with the retention of every other log group of the stack.
 */
function retainBucketNotificationsHandlerLogs(stack: Stack, bucket: Bucket): void {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'))!;
  const functionResource = handler.node.findChild('Resource') as CfnResource;
  const logGroup = new LogGroup(stack, 'BucketNotificationsHandlerLogGroup', {
    logGroupName: `/aws/lambda/${functionResource.ref}`,
    retention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  bucket.node.findChild('Notifications').node.defaultChild!.node.addDependency(logGroup);
}

/**
 * `addEventNotification` creates a stack-wide singleton Lambda (BucketNotificationsHandler…)
 * that CDK owns and that we cannot configure; its findings are acknowledged on it alone.
 */
function acknowledgeBucketNotificationsHandler(stack: Stack): void {
  const handlers = stack.node.children.filter((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  if (handlers.length !== 1) throw new Error(`Expected one BucketNotificationsHandler, found ${handlers.length}`);
  Validations.of(handlers[0].node.findChild('Role').node.defaultChild!).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason:
      'CDK-managed custom resource that configures the bucket notifications at deploy time; CDK fixes its role, which only writes its own logs.',
  });
}
