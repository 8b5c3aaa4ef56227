import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import { PublishingStack } from '../../infra/stack';

// Scheduled posts in the stack: the schedule group, the role EventBridge Scheduler invokes
// ingest with, its dead-letter queue and alarm, and what ingest may do with schedules.

// CloudFormation's built-in validation adds seconds per synth and checks nothing of ours.
process.env.CDK_VALIDATION = 'false';

const CDK_JSON = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

let stack: PublishingStack;
let template: Template;
// biome-ignore lint/suspicious/noExplicitAny: CloudFormation resources are free-form JSON
let resources: Record<string, any>;

beforeAll(() => {
  const app = new App({ context: { ...CDK_JSON.context, 'aws:cdk:bundling-stacks': [] } });
  stack = new PublishingStack(app, 'PublishingStack');
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
}, 60_000);

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The statements of the identity policies attached to a role. */
function statementsOfRole(roleId: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const ingestRoleId = () => resources[logicalId(stack.ingestFunction)].Properties.Role['Fn::GetAtt'][0] as string;
const actionsOf = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

describe('scheduled posts: the stack', () => {
  it('has one schedule group, named by CloudFormation, and tells ingest its name, the role and the dead-letter queue', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(resources[logicalId(stack.scheduleGroup)].Properties?.Name).toBeUndefined();
    expect(resources[logicalId(stack.ingestFunction)].Properties.Environment.Variables).toMatchObject({
      [ENV.scheduleGroup]: { Ref: logicalId(stack.scheduleGroup) },
      [ENV.scheduleRoleArn]: arnOf(stack.schedulerRole),
      [ENV.scheduleDlqArn]: arnOf(stack.scheduleDeadLetterQueue),
    });
    // The read function knows nothing of schedules.
    const httpVariables = Object.keys(resources[logicalId(stack.httpFunction)].Properties.Environment.Variables);
    expect(httpVariables.filter((name) => name.startsWith('SCHEDULE_'))).toEqual([]);
  });

  it('lets only EventBridge Scheduler, for this account, assume the scheduler role, which has no managed policy', () => {
    const role = resources[logicalId(stack.schedulerRole)];
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  it('lets the scheduler role invoke the ingest function (no version, no alias) and send to the schedule dead-letter queue: exactly that', () => {
    const statements = statementsOfRole(logicalId(stack.schedulerRole));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnOf(stack.ingestFunction) },
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(stack.scheduleDeadLetterQueue) },
    ]);
  });

  it("lets ingest create, update and delete the schedules of the stack's group only, and pass the scheduler role to EventBridge Scheduler only", () => {
    const statements = statementsOfRole(ingestRoleId());
    const scheduling = statements.filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('scheduler:') || action.startsWith('iam:')),
    );
    expect(scheduling).toEqual([
      {
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'],
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':scheduler:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':schedule/',
              { Ref: logicalId(stack.scheduleGroup) },
              '/*',
            ],
          ],
        },
      },
      {
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: arnOf(stack.schedulerRole),
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    ]);
  });

  it('grants scheduler actions and iam:PassRole to no other role', () => {
    const granted = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Statement[])
        .filter((statement) =>
          actionsOf(statement).some((action) => /^(scheduler|iam):/.test(action) || action === 'lambda:InvokeFunction'),
        )
        .map(() => (policy.Properties.Roles as Array<{ Ref: string }>).map((role) => role.Ref).join()),
    );
    expect(granted.sort()).toEqual([ingestRoleId(), ingestRoleId(), logicalId(stack.schedulerRole)].sort());
  });

  it('keeps undelivered call backs 14 days in an encrypted, TLS-only queue', () => {
    expect(resources[logicalId(stack.scheduleDeadLetterQueue)].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(stack.scheduleDeadLetterQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('alarms as soon as a message is visible in the schedule dead-letter queue, to the alarm topic, going off and clearing', () => {
    const queueName = { 'Fn::GetAtt': [logicalId(stack.scheduleDeadLetterQueue), 'QueueName'] };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((alarm) =>
      (alarm.Properties.Dimensions as Array<{ Name: string; Value: unknown }> | undefined)?.some(
        (dimension) => dimension.Name === 'QueueName' && JSON.stringify(dimension.Value) === JSON.stringify(queueName),
      ),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0].Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic) }],
      OKActions: [{ Ref: logicalId(stack.alarmTopic) }],
    });
    expect(alarms[0].Properties.AlarmDescription).toContain('npm run reindex');
  });

  it('outputs the schedule dead-letter queue', () => {
    template.hasOutput('ScheduleDeadLetterQueueUrl', { Value: { Ref: logicalId(stack.scheduleDeadLetterQueue) } });
  });
});
