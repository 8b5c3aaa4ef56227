import {
  Aws,
  CfnOutput,
  type CfnResource,
  CfnRule,
  Duration,
  Fn,
  RemovalPolicy,
  Stack,
  type StackProps,
  Token,
  Validations,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate, CertificateValidation, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AaaaRecord, ARecord, HostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
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
import { SiteEdge } from './constructs/edge';
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
  'edgeMaxAgeSeconds',
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
  /** Default-route throttling of the HTTP API. Context `throttleRateLimit` / `throttleBurstLimit`; default 250 / 500 (DEFAULT_THROTTLE). */
  readonly throttle?: { readonly rateLimit: number; readonly burstLimit: number };
  /** Reserved concurrency of the ingest function. Context `ingestConcurrency` (`none`: not reserved); default 10. */
  readonly ingestConcurrency?: number | 'none';
  /**
   * The site's own name on the CDN. Context `domainName`, with `certificateArn` (an ACM
   * certificate in us-east-1) and/or `hostedZoneId` (a Route 53 zone: the stack validates a new
   * certificate there when it has no certificateArn, and adds the A/AAAA alias records).
   */
  readonly domain?: { readonly domainName: string; readonly certificateArn?: string; readonly hostedZoneId?: string };
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
  readonly announcementQueue: Queue;
  readonly ingestFunction: PublishingFunction;
  /** Scheduled posts: their one-time schedules, the role they invoke ingest with, and where failed invocations go. */
  readonly scheduleGroup: CfnScheduleGroup;
  readonly schedulerRole: Role;
  readonly scheduleDeadLetterQueue: Queue;
  readonly httpFunction: PublishingFunction;
  readonly httpApi: HttpApi;
  readonly edge: SiteEdge;
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
    // A bulk upload (100,000 posts) must not take the account's concurrency (1,000 by default,
    // shared by every function of the region; Lambda keeps 100 of it unreserved) from the read
    // function, nor the table's capacity from its reads: ingest runs at most this many at once.
    // S3 invokes it asynchronously, so events over the limit wait in Lambda's queue (retried for
    // up to 6 hours, the default maximum event age; older ones reach the dead-letter queue and
    // `npm run reindex` applies them). At ~17 single-item writes of ~10 ms per post, 10 at once
    // publish ~60 posts/s (100,000 in under half an hour) and write ~1,000 units/s, a quarter of
    // what a new on-demand table takes at once (4,000 write units/s). docs/operations.md.
    if (config.ingestConcurrency !== 'none') {
      (this.ingestFunction.node.defaultChild as CfnFunction).reservedConcurrentExecutions = config.ingestConcurrency;
    }

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

    // WebSub announcements wait out the edge window here (functions/adapters/announcements.ts):
    // ingest sends each invocation's changed topics with DelaySeconds = EDGE_MAX_AGE_SECONDS + 1,
    // and SQS then invokes ingest with them, which pings the hub, so that a hub fetching at once
    // gets the new bytes through CloudFront. Lambda's poller long-polls the queue (a few SQS
    // requests a minute while idle). The visibility timeout is six times the function's, as
    // Lambda recommends for an SQS event source.
    this.announcementQueue = new Queue(this, 'AnnouncementQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.hours(1),
      visibilityTimeout: Duration.seconds(INGEST_FUNCTION_TIMEOUT_SECONDS * 6),
    });
    Validations.of(this.announcementQueue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'An announcement that cannot be delivered is worth nothing later: the feeds already changed, subscribers see them at their next poll, and the ping never throws (a hub that refuses it is logged), so there is nothing for a dead-letter queue to keep.',
    });
    this.announcementQueue.grantSendMessages(this.ingestFunction);
    this.ingestFunction.addEnvironment(ENV.announceQueueUrl, this.announcementQueue.queueUrl);
    this.ingestFunction.addEventSource(
      new SqsEventSource(this.announcementQueue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1) }),
    );

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

    this.edge = new SiteEdge(this, 'Edge', {
      httpApi: this.httpApi,
      contentBucket: this.contentBucket,
      accessLogBucket,
      ...(config.domain
        ? { domain: { domainName: config.domain.domainName, certificate: siteCertificate(this, config.domain) } }
        : {}),
    });
    if (config.domain?.hostedZoneId) {
      const zone = HostedZone.fromHostedZoneId(this, 'SiteZone', config.domain.hostedZoneId);
      const target = RecordTarget.fromAlias(new CloudFrontTarget(this.edge.distribution));
      // A trailing dot: the name as given, whatever the zone's name (which an imported zone id does not tell).
      const recordName = `${config.domain.domainName}.`;
      new ARecord(this, 'SiteAliasRecord', { zone, recordName, target });
      new AaaaRecord(this, 'SiteAliasRecordIpv6', { zone, recordName, target });
    }
    // Links, feeds and redirects name the site as readers reach it: behind CloudFront the read
    // function sees the API's own host, not the reader's. An explicit siteUrl wins; a custom
    // domain is already in siteSettings (both functions); else the distribution's name, for the
    // read function only (ingest needs SITE_URL only for WebSub, which requires an explicit one,
    // and its default id authority stays the one recorded when the site first published).
    const siteUrl = config.site.siteUrl ?? `https://${this.edge.distribution.distributionDomainName}`;
    if (config.site.siteUrl === undefined) this.httpFunction.addEnvironment(ENV.siteUrl, siteUrl);

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

    new CfnOutput(this, 'SiteUrl', {
      description: 'The public site and feeds, through CloudFront',
      value: `https://${config.domain?.domainName ?? this.edge.distribution.distributionDomainName}`,
    });
    new CfnOutput(this, 'ApiUrl', {
      description: 'The HTTP API behind CloudFront, uncached (for debugging)',
      value: stage.url,
    });
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

/**
 * The API's default throttling, sized for what reaches it behind CloudFront. A cacheable answer
 * is fetched at most once per edge freshness window (the read function's `s-maxage`, 10 s by
 * default) per cache that holds it. Edge locations fill from CloudFront's 13 regional edge caches,
 * so a path costs at most 13 requests per 10 s per encoding (br, gzip, none): 3.9 requests/s.
 * 50 hot paths (home, site feeds, busy categories, the newest posts) make ~195 requests/s, plus
 * the misses of crawlers on the long tail: 250/s with bursts of 500 covers both. At ~100 ms each
 * that is ~25 read functions at once (rate × duration), well within the account's 1,000. What
 * no cache absorbs (a flood of distinct paths, or requests sent to ApiUrl directly) is answered
 * 429 beyond it instead of scaling Lambda and DynamoDB without bound. docs/operations.md has the
 * arithmetic.
 */
export const DEFAULT_THROTTLE = { rateLimit: 250, burstLimit: 500 } as const;

/** Reserved concurrency of the ingest function (see where it is set). */
export const DEFAULT_INGEST_CONCURRENCY = 10;

/** CloudFront takes viewer certificates from ACM in this region only. */
export const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

interface DomainConfig {
  domainName: string;
  certificateArn?: string;
  hostedZoneId?: string;
}

interface StackConfig {
  deletionProtection: boolean;
  throttle: { rateLimit: number; burstLimit: number };
  ingestConcurrency: number | 'none';
  site: Partial<Record<SiteSetting, string>>;
  alarmEmails: string[];
  domain?: DomainConfig;
}

/** Props win over context (`cdk.json` or `-c key=value`), which wins over defaults. */
function resolveConfig(scope: Construct, props: PublishingStackProps): StackConfig {
  const context = (key: string): unknown => scope.node.tryGetContext(key);
  const site: Partial<Record<SiteSetting, string>> = {};
  for (const key of SITE_SETTINGS) {
    const value = props.site?.[key] ?? context(key);
    if (value !== undefined && value !== '') site[key] = String(value);
  }
  const domain = domainFrom(scope, props);
  // The site's own name is its URL, for both functions (WebSub topics, the id authority of a new site).
  if (domain && site.siteUrl === undefined) site.siteUrl = `https://${domain.domainName}`;
  return {
    deletionProtection:
      props.deletionProtection ?? booleanFrom(context('deletionProtection'), 'deletionProtection') ?? true,
    throttle: {
      rateLimit:
        props.throttle?.rateLimit ??
        positiveNumberFrom(context('throttleRateLimit'), 'throttleRateLimit') ??
        DEFAULT_THROTTLE.rateLimit,
      burstLimit:
        props.throttle?.burstLimit ??
        positiveNumberFrom(context('throttleBurstLimit'), 'throttleBurstLimit') ??
        DEFAULT_THROTTLE.burstLimit,
    },
    ingestConcurrency: props.ingestConcurrency ?? concurrencyFrom(context('ingestConcurrency')),
    site,
    alarmEmails: emailsFrom(props.alarmEmails ?? context('alarmEmail')),
    ...(domain ? { domain } : {}),
  };
}

function concurrencyFrom(value: unknown): number | 'none' {
  if (value === undefined || value === '') return DEFAULT_INGEST_CONCURRENCY;
  if (value === 'none') return 'none';
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidSetting(
      'ingestConcurrency',
      `must be a whole number from 1, or none, not ${JSON.stringify(value)}`,
      `Context ingestConcurrency must be a whole number from 1, or none, got ${JSON.stringify(value)}`,
    );
  return number;
}

/**
 * The custom domain: `domainName` with `certificateArn` and/or `hostedZoneId`, or none of the
 * three. Half a configuration stops synth, naming the setting that is missing.
 */
function domainFrom(scope: Construct, props: PublishingStackProps): DomainConfig | undefined {
  const text = (key: 'domainName' | 'certificateArn' | 'hostedZoneId'): string | undefined => {
    const value = props.domain?.[key] ?? scope.node.tryGetContext(key);
    return value === undefined || value === '' ? undefined : String(value).trim();
  };
  const domainName = text('domainName')?.replace(/\.$/, '').toLowerCase();
  const certificateArn = text('certificateArn');
  const hostedZoneId = text('hostedZoneId');
  if (domainName === undefined) {
    const given =
      certificateArn !== undefined ? 'certificateArn' : hostedZoneId !== undefined ? 'hostedZoneId' : undefined;
    if (given === undefined) return undefined;
    throw new MissingSetting(
      'domainName',
      `Setting ${given} needs the setting domainName too (-c domainName=news.example.com, the name readers use), which is missing`,
    );
  }
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domainName))
    throw new InvalidSetting(
      'domainName',
      `must be a host name such as news.example.com, not ${JSON.stringify(domainName)}`,
      `Setting domainName must be a host name such as news.example.com, got ${JSON.stringify(domainName)}`,
    );
  if (certificateArn === undefined && hostedZoneId === undefined)
    throw new MissingSetting(
      'certificateArn',
      `Setting domainName needs the setting certificateArn (-c certificateArn=arn:aws:acm:${CLOUDFRONT_CERTIFICATE_REGION}:…) or hostedZoneId (-c hostedZoneId=Z…) too; both are missing`,
    );
  if (certificateArn !== undefined) {
    const region = /^arn:aws[\w-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[\w-]+$/.exec(certificateArn)?.[1];
    if (region !== CLOUDFRONT_CERTIFICATE_REGION)
      throw new InvalidSetting(
        'certificateArn',
        `must be an ACM certificate in ${CLOUDFRONT_CERTIFICATE_REGION}, the only region CloudFront takes certificates from, not ${JSON.stringify(certificateArn)}`,
        `Setting certificateArn must be an ACM certificate in ${CLOUDFRONT_CERTIFICATE_REGION} (arn:aws:acm:${CLOUDFRONT_CERTIFICATE_REGION}:…), the only region CloudFront takes certificates from, got ${JSON.stringify(certificateArn)}`,
      );
  }
  if (hostedZoneId !== undefined && !/^Z[A-Z0-9]{1,31}$/.test(hostedZoneId))
    throw new InvalidSetting(
      'hostedZoneId',
      `must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, not ${JSON.stringify(hostedZoneId)}`,
      `Setting hostedZoneId must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ, got ${JSON.stringify(hostedZoneId)}`,
    );
  const region = Stack.of(scope).region;
  if (certificateArn === undefined && !Token.isUnresolved(region) && region !== CLOUDFRONT_CERTIFICATE_REGION)
    throw new MissingSetting(
      'certificateArn',
      `Setting certificateArn is missing: with hostedZoneId alone the stack would create the certificate in its own region, ${region}, and CloudFront takes certificates from ${CLOUDFRONT_CERTIFICATE_REGION} only. Request one there for ${domainName} and pass -c certificateArn=arn:aws:acm:${CLOUDFRONT_CERTIFICATE_REGION}:…`,
    );
  return {
    domainName,
    ...(certificateArn !== undefined ? { certificateArn } : {}),
    ...(hostedZoneId !== undefined ? { hostedZoneId } : {}),
  };
}

/**
 * The distribution's certificate: the one given, or one the stack requests and validates in the
 * hosted zone. The latter only works in us-east-1: a stack fixed to another region is refused at
 * synth (domainFrom); an environment-agnostic one gets a CloudFormation rule that stops the
 * deployment, before anything is created, in any other region.
 */
function siteCertificate(stack: Stack, domain: DomainConfig): ICertificate {
  if (domain.certificateArn !== undefined)
    return Certificate.fromCertificateArn(stack, 'SiteCertificate', domain.certificateArn);
  if (Token.isUnresolved(stack.region)) {
    new CfnRule(stack, 'SiteCertificateRegion', {
      assertions: [
        {
          assert: Fn.conditionEquals(Aws.REGION, CLOUDFRONT_CERTIFICATE_REGION),
          assertDescription: `With hostedZoneId alone the stack creates the site's certificate, which CloudFront takes from ${CLOUDFRONT_CERTIFICATE_REGION} only: deploy there, or pass -c certificateArn=arn:aws:acm:${CLOUDFRONT_CERTIFICATE_REGION}:…`,
        },
      ],
    });
  }
  const zone = HostedZone.fromHostedZoneId(stack, 'SiteCertificateZone', domain.hostedZoneId!);
  return new Certificate(stack, 'SiteCertificate', {
    domainName: domain.domainName,
    validation: CertificateValidation.fromDns(zone),
  });
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

/** A setting that another one needs and that was not given: the message names it and how to give it. */
export class MissingSetting extends InvalidSetting {
  constructor(key: string, message: string) {
    super(key, message, message);
    this.name = 'MissingSetting';
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
