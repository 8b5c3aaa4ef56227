import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TABLE_SCHEMA } from '../../functions/adapters/table-schema';
import { ENV, POSTS_PREFIX } from '../../functions/config-names';
import { ROUTE_METHODS, ROUTES, routeKey } from '../../functions/core/routes';
import { PublishingStack, type PublishingStackProps } from '../../infra/stack';

// CloudFormation's built-in validation adds seconds per synth and checks nothing of ours.
process.env.CDK_VALIDATION = 'false';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

interface Synthesized {
  app: App;
  stack: PublishingStack;
  template: Template;
}

/** The stack as `cdk synth` builds it (same context, same nag setup as infra/app.ts), without bundling. */
function synthesize(context: Record<string, unknown> = {}, props: PublishingStackProps = {}): Synthesized {
  const app = new App({ context: { ...CDK_JSON.context, ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new PublishingStack(app, 'PublishingStack', props);
  // Only the metadata writer here: the checks themselves run below through validateScope,
  // so a finding fails one named test instead of the synthesis of every test.
  new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true });
  return { app, stack, template: Template.fromStack(stack) };
}

function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown };

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

/** Every statement of every identity and resource policy in the template, with where it is. */
function allStatements(template: Template): Array<{ where: string; statement: Statement }> {
  const found: Array<{ where: string; statement: Statement }> = [];
  const add = (where: string, document: { Statement?: Statement[] } | undefined) => {
    for (const statement of document?.Statement ?? []) found.push({ where, statement });
  };
  for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy')))
    add(id, policy.Properties.PolicyDocument);
  for (const [id, role] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    add(`${id} trust`, role.Properties.AssumeRolePolicyDocument);
    for (const inline of role.Properties.Policies ?? []) add(id, inline.PolicyDocument);
  }
  for (const [id, policy] of Object.entries(template.findResources('AWS::S3::BucketPolicy')))
    add(id, policy.Properties.PolicyDocument);
  for (const [id, policy] of Object.entries(template.findResources('AWS::SQS::QueuePolicy')))
    add(id, policy.Properties.PolicyDocument);
  return found;
}

/** Actions granted to a function through its role, inline or attached. */
function actionsGrantedTo(template: Template, functionLogicalId: string): string[] {
  const fn = template.toJSON().Resources[functionLogicalId];
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
  );
  return policies.flatMap((policy) => (policy.Properties.PolicyDocument.Statement as Statement[]).flatMap(actionsOf));
}

let synthesized: Synthesized;
let template: Template;
let stack: PublishingStack;

beforeAll(() => {
  synthesized = synthesize();
  ({ template, stack } = synthesized);
}, 60_000);

describe('content bucket', () => {
  it('is private, encrypted, versioned and logs its accesses', () => {
    const bucket = template.toJSON().Resources[logicalId(stack.contentBucket)];
    expect(bucket).toMatchObject({
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(stack.node.findChild('AccessLogBucket')) } },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('keeps access logs in an encrypted, private bucket that expires them', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
    });
  });

  it('expires old versions of posts, never current ones: noncurrent after 90 days, orphaned delete markers, abandoned uploads', () => {
    const bucket = template.toJSON().Resources[logicalId(stack.contentBucket)].Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.LifecycleConfiguration.Rules).toEqual([
      {
        Id: 'ExpireOldPostVersions',
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 90 },
        ExpiredObjectDeleteMarker: true,
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
      },
    ]);
    // Nothing that expires current versions.
    expect(JSON.stringify(bucket.LifecycleConfiguration)).not.toMatch(/"ExpirationInDays"|"ExpirationDate"/);
  });

  it('refuses requests without TLS on every bucket (content, access logs, CDN logs)', () => {
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it(`notifies the ingest function of objects created and removed under ${POSTS_PREFIX}`, () => {
    const target = { 'Fn::GetAtt': [logicalId(stack.ingestFunction), 'Arn'] };
    const prefixFilter = { Key: { FilterRules: [{ Name: 'prefix', Value: POSTS_PREFIX }] } };
    template.resourceCountIs('Custom::S3BucketNotifications', 1);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: logicalId(stack.contentBucket) },
      NotificationConfiguration: {
        LambdaFunctionConfigurations: Match.arrayWith([
          { Events: ['s3:ObjectCreated:*'], Filter: prefixFilter, LambdaFunctionArn: target },
          { Events: ['s3:ObjectRemoved:*'], Filter: prefixFilter, LambdaFunctionArn: target },
        ]),
      },
    });
  });
});

describe('posts table', () => {
  it('uses the shared key schema, on-demand billing, point-in-time recovery and is retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.pathIndex.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sitemapIndex.partitionKey, AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        GlobalSecondaryIndexes: [
          {
            IndexName: TABLE_SCHEMA.pathIndex.name,
            KeySchema: [{ AttributeName: TABLE_SCHEMA.pathIndex.partitionKey, KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
          {
            IndexName: TABLE_SCHEMA.sitemapIndex.name,
            KeySchema: [
              { AttributeName: TABLE_SCHEMA.sitemapIndex.partitionKey, KeyType: 'HASH' },
              { AttributeName: TABLE_SCHEMA.sitemapIndex.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...TABLE_SCHEMA.sitemapIndex.projected] },
          },
        ],
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('functions', () => {
  it('run on Node.js 24, arm64, with their own log group kept for a month', () => {
    for (const fn of [stack.ingestFunction, stack.httpFunction]) {
      const properties = template.toJSON().Resources[logicalId(fn)].Properties;
      expect(properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512 });
      const logGroupId = properties.LoggingConfig.LogGroup.Ref as string;
      expect(template.toJSON().Resources[logGroupId].Properties.RetentionInDays).toBe(30);
    }
    const nodeRuntimes = Object.values(template.findResources('AWS::Lambda::Function'))
      .map((fn) => fn.Properties.Runtime as string | undefined)
      .filter((runtime) => runtime?.startsWith('nodejs'));
    expect(nodeRuntimes).toEqual(['nodejs24.x', 'nodejs24.x']);
  });

  it('give the ingest function the table and bucket names, 90 s (30 s of work after a call back waited its minute), and two retries into the dead-letter queue', () => {
    const ingestId = logicalId(stack.ingestFunction);
    expect(template.toJSON().Resources[ingestId].Properties).toMatchObject({
      Timeout: 90,
      Environment: {
        Variables: {
          [ENV.tableName]: { Ref: logicalId(stack.postsTable) },
          [ENV.bucketName]: { Ref: logicalId(stack.contentBucket) },
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: ingestId },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack.deadLetterQueue), 'Arn'] } } },
    });
  });

  it("give the read function the table and bucket names, 10 s, the CDN's address as SITE_URL and no other site setting unless configured", () => {
    const properties = template.toJSON().Resources[logicalId(stack.httpFunction)].Properties;
    expect(properties.Timeout).toBe(10);
    expect(Object.keys(properties.Environment.Variables).sort()).toEqual(
      [ENV.tableName, ENV.bucketName, ENV.siteUrl, 'NODE_OPTIONS'].sort(),
    );
    expect(properties.Environment.Variables[ENV.siteUrl]).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.edge.distribution), 'DomainName'] }]],
    });
  });
});

describe('permissions', () => {
  it('never allow every action', () => {
    const statements = allStatements(template).filter(({ statement }) => statement.Effect === 'Allow');
    const everything = statements.filter(({ statement }) =>
      actionsOf(statement).some((action) => /^(\*|[\w-]+:\*)$/.test(action)),
    );
    expect(everything).toEqual([]);
  });

  it('let the read function read the table and the files beside the posts, and nothing else', () => {
    const actions = actionsGrantedTo(template, logicalId(stack.httpFunction));
    for (const write of ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']) {
      expect(actions).not.toContain(`dynamodb:${write}`);
    }
    expect(
      actions
        .filter((action) => !action.startsWith('logs:'))
        .every((action) => action.startsWith('dynamodb:') || action === 's3:GetObject'),
    ).toBe(true);
    expect(actions).toContain('dynamodb:Query');
  });

  it('let the ingest function write the table, read posts and send to the dead-letter queue', () => {
    const actions = actionsGrantedTo(template, logicalId(stack.ingestFunction));
    expect(actions).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem', 's3:GetObject', 'sqs:SendMessage']),
    );
    expect(actions.filter((action) => action.startsWith('s3:')).sort()).toEqual([
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
    ]);
  });

  it('limit the ingest function to objects under the posts prefix', () => {
    const ingestRole = template.toJSON().Resources[logicalId(stack.ingestFunction)].Properties.Role['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: ingestRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stack.contentBucket), 'Arn'] }, `/${POSTS_PREFIX}*`]],
            },
          }),
        ]),
      },
    });
  });

  it('attach no managed policies to our function roles', () => {
    for (const fn of [stack.ingestFunction, stack.httpFunction]) {
      const roleId = template.toJSON().Resources[logicalId(fn)].Properties.Role['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('HTTP API', () => {
  it('registers exactly one route per shared route and method', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).map(
      (route) => route.Properties.RouteKey,
    );
    const expected = ROUTES.flatMap((route) => ROUTE_METHODS.map((method) => routeKey(method, route)));
    expect(expected).toContain('HEAD /category/{file}');
    expect([...routeKeys].sort()).toEqual([...expected].sort());
  });

  it('sends every route to the read function through one integration', () => {
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    expect(Object.keys(integrations)).toHaveLength(1);
    const [integrationId, integration] = Object.entries(integrations)[0];
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalId(stack.httpFunction), 'Arn'] },
    });
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      expect(route.Properties.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    }
  });

  it('logs every request and throttles the default stage', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 250, ThrottlingBurstLimit: 500 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^HttpApiAccessLogs'), 'Arn'] },
        Format: Match.stringLikeRegexp('\\$context\\.requestId'),
      },
    });
  });
});

describe('operations', () => {
  it('keeps failed ingest events in an encrypted, TLS-only queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarms on ingest errors, dead letters (ingest events, post schedules) and API server errors', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(stack.ingestFunction) } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    // The API alarm watches the 5xx rate: 5xx over all requests, in percent.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(requests > 0, 100 * errors / requests, 0)' }),
        Match.objectLike({
          Id: 'errors',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({
              Namespace: 'AWS/ApiGateway',
              MetricName: '5xx',
              Dimensions: [{ Name: 'ApiId', Value: { Ref: logicalId(stack.httpApi) } }],
            }),
          }),
        }),
        Match.objectLike({
          Id: 'requests',
          MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Count' }) }),
        }),
      ]),
    });
  });

  it('notifies the alarm topic when any alarm goes off and when it clears, over TLS only; nobody is subscribed unless configured', () => {
    const topic = { Ref: logicalId(stack.alarmTopic) };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
    }
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // That policy replaces SNS's default one: CloudWatch publishes for this account's alarms only.
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: topic,
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('mails the addresses in context alarmEmail, and refuses one that is not an address', () => {
    const { stack: configured, template: configuredTemplate } = synthesize({
      alarmEmail: 'ops@example.com, editor@example.com,OPS@example.com',
    });
    const topic = { Ref: logicalId(configured.alarmTopic) };
    configuredTemplate.resourceCountIs('AWS::SNS::Subscription', 2);
    for (const email of ['ops@example.com', 'editor@example.com']) {
      configuredTemplate.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: topic,
      });
    }
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com,ops' } });
    expect(() => new PublishingStack(app, 'Invalid')).toThrow(
      'Setting alarmEmail (props.alarmEmails or -c alarmEmail=…) must be email addresses separated by commas, got "ops"',
    );
  }, 30_000);

  it('outputs what a publisher needs after deploying', () => {
    const outputs = template.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'ApiUrl',
      'ContentBucketName',
      'DeadLetterQueueUrl',
      'PostsTableName',
      'ScheduleDeadLetterQueueUrl',
      'SiteUrl',
    ]);
    template.hasOutput('AlarmTopicArn', { Value: { Ref: logicalId(stack.alarmTopic) } });
    template.hasOutput('ContentBucketName', { Value: { Ref: logicalId(stack.contentBucket) } });
    template.hasOutput('PostsTableName', { Value: { Ref: logicalId(stack.postsTable) } });
    template.hasOutput('DeadLetterQueueUrl', { Value: { Ref: logicalId(stack.deadLetterQueue) } });
  });
});

describe('configuration', () => {
  it('takes deletion protection, throttling and site settings from context', () => {
    const { stack: configured, template: configuredTemplate } = synthesize({
      deletionProtection: 'false',
      throttleRateLimit: '5',
      throttleBurstLimit: '10',
      siteUrl: 'https://news.example.com/',
      siteTitle: '成都日报新闻',
    });
    configuredTemplate.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    configuredTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    });
    const variables =
      configuredTemplate.toJSON().Resources[logicalId(configured.httpFunction)].Properties.Environment.Variables;
    expect(variables).toMatchObject({ [ENV.siteUrl]: 'https://news.example.com', [ENV.siteTitle]: '成都日报新闻' });
    expect(variables).not.toHaveProperty(ENV.siteDescription);
  }, 30_000);

  it('refuses a site URL that is not absolute', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() => new PublishingStack(app, 'Invalid', { site: { siteUrl: 'news.example.com' } })).toThrow(/siteUrl/);
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  type Acknowledgement = { path: string; id: string; reason: string; onResource: boolean };

  function acknowledgements(app: App): Acknowledgement[] {
    return app.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
            path: construct.node.path,
            id: id.replace(/^annotation::/i, ''),
            reason,
            onResource: CfnResource.isCfnResource(construct),
          })),
        ),
    );
  }

  it('report no finding that is neither fixed nor acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(synthesized.app);
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
  });

  it('acknowledge findings one by one, on the resource that has them, with a reason', () => {
    const acknowledged = acknowledgements(synthesized.app);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const acknowledgement of acknowledged) {
      expect(acknowledgement, 'acknowledged on a resource, not on a stack or a construct tree').toMatchObject({
        onResource: true,
      });
      expect(
        acknowledgement.reason.trim().length,
        `${acknowledgement.path} ${acknowledgement.id}`,
      ).toBeGreaterThanOrEqual(20);
      expect(acknowledgement.id, 'one finding, not a whole rule pack').toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
    }
    // A new kind of acknowledgement deserves a review: extend this list deliberately.
    expect([...new Set(acknowledged.map(({ id }) => id.replace(/\[.*$/, '')))].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR4',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SQS3',
    ]);
  });

  it('acknowledge only findings that exist', () => {
    // The same checks with every acknowledgement ignored: each acknowledgement must match one of these.
    const blind = new AwsSolutionsChecks();
    (blind as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
    const findings = new Set(
      blind
        .validateScope(synthesized.app)
        .violations.flatMap((violation) =>
          violation.violatingResources.map((resource) => `${resource.constructPath} ${violation.ruleName}`),
        ),
    );
    const stale = acknowledgements(synthesized.app)
      .map(({ path: where, id }) => `${where} ${id}`)
      .filter((acknowledgement) => !findings.has(acknowledgement));
    expect(stale).toEqual([]);
  });

  it('record every acknowledgement and its reason in the template metadata', () => {
    const suppressions = Object.entries(
      template.toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>,
    ).flatMap(([id, resource]) => {
      const nag = resource.Metadata?.cdk_nag as
        | { rules_to_suppress: Array<{ id: string; reason: string }> }
        | undefined;
      return (nag?.rules_to_suppress ?? []).map((rule) => ({ resource: id, ...rule }));
    });
    expect(suppressions.length).toBeGreaterThanOrEqual(ROUTES.length * ROUTE_METHODS.length);
    for (const suppression of suppressions)
      expect(suppression.reason.trim().length, suppression.resource).toBeGreaterThanOrEqual(20);
  });
});
