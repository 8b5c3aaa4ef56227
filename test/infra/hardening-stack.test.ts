import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PublishingStack } from '../../infra/stack';

// CloudFormation's built-in validation adds seconds per synth and checks nothing of ours.
process.env.CDK_VALIDATION = 'false';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

/**
 * Every cdk-nag acknowledgement the stack may carry, reviewed one by one: the finding (with
 * its granular part, logical ids normalised to `<Table>` / `<Bucket>`) and where it may sit.
 * A new acknowledgement fails this test until someone adds it here, deliberately.
 */
const REVIEWED_ACKNOWLEDGEMENTS: Array<{ id: string; path: RegExp }> = [
  {
    id: 'AwsSolutions-SQS3',
    path: /^PublishingStack\/(IngestDeadLetterQueue|ScheduleDeadLetterQueue|AnnouncementQueue)\/Resource$/,
  },
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<PostScheduleGroup>/*]',
    path: /^PublishingStack\/IngestFunctionRole\/DefaultPolicy\/Resource$/,
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<Table.Arn>/index/*]',
    path: /^PublishingStack\/(Ingest|Http)FunctionRole\/DefaultPolicy\/Resource$/,
  },
  {
    id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
    path: /^PublishingStack\/IngestFunctionRole\/DefaultPolicy\/Resource$/,
  },
  {
    id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
    path: /^PublishingStack\/IngestFunctionRole\/DefaultPolicy\/Resource$/,
  },
  { id: 'AwsSolutions-IAM5[Action::s3:List*]', path: /^PublishingStack\/IngestFunctionRole\/DefaultPolicy\/Resource$/ },
  {
    id: 'AwsSolutions-IAM5[Resource::<Bucket.Arn>/posts/*]',
    path: /^PublishingStack\/IngestFunctionRole\/DefaultPolicy\/Resource$/,
  },
  {
    // The read function presigns GETs of the files beside the posts: one pattern per allowed extension.
    id: 'AwsSolutions-IAM5[Resource::<Bucket.Arn>/posts/*.<extension>]',
    path: /^PublishingStack\/HttpFunction\/AssetReadPolicy\/Resource$/,
  },
  {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    path: /^PublishingStack\/BucketNotificationsHandler[0-9a-f]+\/Role\/Resource$/,
  },
  { id: 'AwsSolutions-APIG4', path: /^PublishingStack\/HttpApi\/(GET|HEAD)--[^/]*\/Resource$/ },
  // A public site read worldwide (no geo restriction), read-only and cached (no web ACL), and
  // without a custom domain on CloudFront's own certificate, whose TLS policy CloudFront fixes.
  { id: 'AwsSolutions-CFR1', path: /^PublishingStack\/Edge\/Distribution\/Resource$/ },
  { id: 'AwsSolutions-CFR2', path: /^PublishingStack\/Edge\/Distribution\/Resource$/ },
  { id: 'AwsSolutions-CFR4', path: /^PublishingStack\/Edge\/Distribution\/Resource$/ },
];
const MIN_REASON_LENGTH = 40;

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
}

function acknowledgementsOf(app: App): Acknowledgement[] {
  return app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id: id
            .replace(/^annotation::/i, '')
            .replace(/<PostsTable[0-9A-F]{8}\./, '<Table.')
            .replace(/<ContentBucket[0-9A-F]{8}\./, '<Bucket.')
            // One per allowed extension of the files beside the posts (infra/constructs/function.ts, assetKeyPatterns).
            .replace(/\/posts\/\*\.[A-Za-z0-9]+\]$/, '/posts/*.<extension>]'),
          reason: typeof reason === 'string' ? reason : '',
        })),
      ),
  );
}

/** Why an acknowledgement is refused, or undefined when it is one of the reviewed ones with a real reason. */
function refusal({ path: where, id, reason }: Acknowledgement): string | undefined {
  if (reason.trim().length < MIN_REASON_LENGTH)
    return `${where} ${id}: reason missing or shorter than ${MIN_REASON_LENGTH} characters`;
  if (/\*$|^AwsSolutions-?$|^AwsSolutions-[A-Z]+$/.test(id.replace(/\[.*\]$/, '')))
    return `${where} ${id}: a whole rule pack or a wildcard rule`;
  if (!REVIEWED_ACKNOWLEDGEMENTS.some((reviewed) => reviewed.id === id && reviewed.path.test(where)))
    return `${where} ${id}: not in the reviewed list`;
  return undefined;
}

function synthesize(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...CDK_JSON.context, ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new PublishingStack(app, 'PublishingStack');
  return { app, stack, template: Template.fromStack(stack) };
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** The statements of the policies attached to a function's role. */
function statementsOf(template: Template, functionId: string): Statement[] {
  const roleId = template.toJSON().Resources[functionId].Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actions = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);
const resources = (statement: Statement) =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

let synthesized: ReturnType<typeof synthesize>;

beforeAll(() => {
  synthesized = synthesize();
}, 60_000);

describe('cdk-nag acknowledgements', () => {
  it('are all reviewed, on the expected resource, each with a specific reason', () => {
    const acknowledged = acknowledgementsOf(synthesized.app);
    expect(acknowledged.length).toBeGreaterThan(0);
    expect(acknowledged.map(refusal).filter(Boolean)).toEqual([]);
  });

  it('fail the review when one appears without a reason, with a short one, or outside the list', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new PublishingStack(app, 'PublishingStack');
    Validations.of(stack.postsTable.node.defaultChild!).acknowledge({ id: 'AwsSolutions-DDB3', reason: 'not needed' });
    Validations.of(stack.deadLetterQueue.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-SQS4',
      reason: 'A long enough reason that still names a finding nobody has reviewed here.',
    });
    const refused = acknowledgementsOf(app).map(refusal).filter(Boolean);
    expect(refused).toEqual([
      expect.stringMatching(/PostsTable.*AwsSolutions-DDB3: reason missing or shorter/),
      expect.stringMatching(/IngestDeadLetterQueue.*AwsSolutions-SQS4: not in the reviewed list/),
    ]);
  });

  it('never repeat one generic reason across different findings', () => {
    const byReason = new Map<string, Set<string>>();
    for (const { id, reason } of acknowledgementsOf(synthesized.app)) {
      byReason.set(reason, (byReason.get(reason) ?? new Set()).add(id));
    }
    // APIG4 reasons name their route; the table index reason is shared by both roles for the same finding.
    expect([...byReason.entries()].filter(([, ids]) => ids.size > 1)).toEqual([]);
  });
});

describe('least privilege', () => {
  it('lets the read function get and query the table (and its index), read the files beside the posts, and write its own logs: nothing else', () => {
    const { template, stack } = synthesized;
    const statements = statementsOf(template, logicalId(stack.httpFunction));
    expect(statements.flatMap(actions).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
    ]);
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.postsTable), 'Arn'] };
    for (const statement of statements.filter((s) => actions(s)[0].startsWith('dynamodb:'))) {
      expect(resources(statement)).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/*']] }]);
    }
    // Objects with an allowed extension under posts/ only: never a post's source, the config, or a prefix.
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack.contentBucket), 'Arn'] };
    const s3 = statements.filter((s) => actions(s)[0].startsWith('s3:'));
    expect(s3).toHaveLength(1);
    const granted = resources(s3[0]) as Array<{ 'Fn::Join': [string, [unknown, string]] }>;
    expect(granted.every((resource) => JSON.stringify(resource['Fn::Join'][1][0]) === JSON.stringify(bucketArn))).toBe(
      true,
    );
    const patterns = granted.map((resource) => resource['Fn::Join'][1][1]);
    expect(patterns).toContain('/posts/*.png');
    expect(patterns).toContain('/posts/*.JPG');
    for (const pattern of patterns) expect(pattern).toMatch(/^\/posts\/\*\.([a-z0-9]+|[A-Z0-9]+)$/);
    for (const never of ['md', 'html', 'htm', 'js', 'yml', 'markdown', 'txt~'])
      expect(patterns).not.toContain(`/posts/*.${never}`);
  });

  it('lets the ingest function read posts, write single table items, send to its failure destination, manage its post schedules and use the announcement queue: exactly that', () => {
    const { template, stack } = synthesized;
    const statements = statementsOf(template, logicalId(stack.ingestFunction));
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack.contentBucket), 'Arn'] };
    const grants = statements
      .filter((statement) => !actions(statement).some((action) => action.startsWith('logs:')))
      .map((statement) => ({ actions: actions(statement).sort(), resources: resources(statement) }));
    expect(grants).toEqual(
      expect.arrayContaining([
        {
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [{ 'Fn::Join': ['', [bucketArn, '/posts/*']] }],
        },
        { actions: ['s3:ListBucket'], resources: [bucketArn] },
        { actions: ['sqs:SendMessage'], resources: [{ 'Fn::GetAtt': [logicalId(stack.deadLetterQueue), 'Arn'] }] },
      ]),
    );
    expect(statements.flatMap(actions).sort()).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'iam:PassRole',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:GetObjectVersion',
      's3:ListBucket',
      'scheduler:CreateSchedule',
      'scheduler:DeleteSchedule',
      'scheduler:UpdateSchedule',
      // The announcement queue: sent to by ingest, and consumed by its event source.
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
      'sqs:SendMessage',
    ]);
    // Every SQS action but the failure destination's is on the announcement queue alone.
    const announcementArn = { 'Fn::GetAtt': [logicalId(stack.announcementQueue), 'Arn'] };
    for (const statement of statements.filter((candidate) =>
      actions(candidate).some((action) => action.startsWith('sqs:') && action !== 'sqs:SendMessage'),
    ))
      expect(resources(statement)).toEqual([announcementArn]);
  });

  it('grants no function an action on every resource', () => {
    const { template, stack } = synthesized;
    for (const fn of [stack.ingestFunction, stack.httpFunction]) {
      const open = statementsOf(template, logicalId(fn)).filter(
        (statement) => statement.Effect === 'Allow' && resources(statement).includes('*'),
      );
      expect(open).toEqual([]);
    }
  });
});

describe('operations', () => {
  it('sets a retention on every log group the stack creates', () => {
    const groups = Object.entries(synthesized.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(4);
    for (const [id, group] of groups) expect(group.Properties.RetentionInDays, id).toBeGreaterThan(0);
  });

  it('gives every Lambda of the stack, the notifications handler CDK adds included, a log group with retention', () => {
    const resources = synthesized.template.toJSON().Resources as Record<
      string,
      // biome-ignore lint/suspicious/noExplicitAny: CloudFormation properties are free-form JSON
      { Type: string; Properties: Record<string, any>; DependsOn?: string[] }
    >;
    const groups = Object.entries(resources).filter(([, resource]) => resource.Type === 'AWS::Logs::LogGroup');
    for (const [id, fn] of Object.entries(resources).filter(
      ([, resource]) => resource.Type === 'AWS::Lambda::Function',
    )) {
      const named = groups.find(
        ([groupId, group]) =>
          fn.Properties.LoggingConfig?.LogGroup?.Ref === groupId ||
          JSON.stringify(group.Properties.LogGroupName) ===
            JSON.stringify({ 'Fn::Join': ['', ['/aws/lambda/', { Ref: id }]] }),
      );
      expect(named, id).toBeDefined();
      expect(named![1].Properties.RetentionInDays, id).toBe(30);
    }
    // Created before the notifications handler first runs, or Lambda would create it without retention.
    const notifications = Object.values(resources).find(
      (resource) => resource.Type === 'Custom::S3BucketNotifications',
    )!;
    expect(notifications.DependsOn?.filter((id) => id.startsWith('BucketNotificationsHandlerLogGroup'))).toHaveLength(
      1,
    );
  });

  it('lets deletion protection of the table be switched off for throw-away stacks', () => {
    synthesized.template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    synthesize({ deletionProtection: false }).template.hasResourceProperties('AWS::DynamoDB::Table', {
      DeletionProtectionEnabled: false,
    });
  });
});
