import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { ENV } from '../config-names';
import type { PublishSchedule, PublishScheduler, ScheduledPublishEvent } from '../core/schedule';
import { commonConfig, emulatorConfig } from './clients';
import { requireEnv } from './env';

type Env = Record<string, string | undefined>;

/**
 * The SDK's own endpoint variable for EventBridge Scheduler (as AWS_ENDPOINT_URL_S3 and
 * AWS_ENDPOINT_URL_DYNAMODB are for the others): a stand-in's endpoint in the tests, unset on AWS.
 */
export const SCHEDULER_ENDPOINT = 'AWS_ENDPOINT_URL_SCHEDULER';

/** The EventBridge Scheduler client, built as functions/adapters/clients.ts builds every client (timeouts, retries, endpoints). */
export function schedulerClient(env: Env = process.env): SchedulerClient {
  return new SchedulerClient({ ...commonConfig(), ...emulatorConfig(env[SCHEDULER_ENDPOINT], env, 'local') });
}

/**
 * One schedule per change of a post (key and write token: functions/core/schedule.ts says why not
 * one per key), named after their digest: names allow 64 of [0-9A-Za-z-_.], keys are any UTF-8.
 */
export function scheduleName({ key, token }: Pick<PublishSchedule, 'key' | 'token'>): string {
  return `post-${createHash('sha256')
    .update(JSON.stringify([key, token]), 'utf8')
    .digest('hex')
    .slice(0, 40)}`;
}

/**
 * How far ahead of now a schedule is set at the soonest. EventBridge Scheduler fires with 60
 * second precision: "if you set your schedule to run at 1:00, it will invoke the target API
 * between 1:00:00 and 1:00:59" (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html,
 * the note under "Schedule types"). Its documentation says nothing of an `at()` in the past or in
 * the minute under way (whether it is refused, fired at once or never fired), so this never asks
 * for one: an instant sooner than a minute from now is set a minute from now, which is in a
 * minute that has not begun. The call back may then come up to a minute before the post's date
 * (the ingest handler waits for the date then: EARLY_CALL_WAIT_MS in functions/handlers/ingest.ts,
 * within the function's timeout) and at most about two minutes after it for a post already due;
 * a call back for an overdue post publishes it at once.
 */
export const MIN_LEAD_MS = 60_000;

/**
 * Retries of a failed delivery (the invocation of the function, not the function's own errors:
 * EventBridge Scheduler invokes Lambda asynchronously, so those follow the function's async
 * retries and land in the ingest dead-letter queue:
 * https://docs.aws.amazon.com/lambda/latest/dg/with-eventbridge-scheduler.html). The most EventBridge Scheduler allows
 * (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html: 0–185
 * attempts, 60–86,400 s): a post published late beats one never published; after a day the
 * event goes to the schedule dead-letter queue (SCHEDULE_DLQ_ARN) and its alarm.
 */
export const RETRY_POLICY = { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 } as const;

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC: the instant rounded up to the second, and no sooner than MIN_LEAD_MS from `now`. */
export function atExpression(at: string, now: number): string {
  const instant = Date.parse(at);
  if (Number.isNaN(instant)) throw new Error(`not a date: ${JSON.stringify(at)}`);
  const ceilSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;
  const when = new Date(Math.max(ceilSecond(instant), ceilSecond(now + MIN_LEAD_MS)));
  return `at(${when.toISOString().slice(0, 19)})`;
}

export interface EventBridgeSchedulerOptions {
  client?: SchedulerClient;
  now?: () => number;
}

/**
 * PublishScheduler on EventBridge Scheduler: one one-time schedule per change of a post in the group
 * SCHEDULE_GROUP, invoking `targetArn()` (the ingest function itself) with the schedule's own
 * fields as the event (a templated Lambda target delivers Target.Input as the invocation's
 * payload: https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html),
 * and deleting itself once it has (ActionAfterCompletion DELETE:
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-delete.html).
 * SCHEDULE_ROLE_ARN and SCHEDULE_DLQ_ARN are required with it, refused by name when missing.
 */
export function eventBridgeScheduler(
  env: Env,
  targetArn: () => string,
  options: EventBridgeSchedulerOptions = {},
): PublishScheduler {
  const groupName = requireEnv(ENV.scheduleGroup, env);
  const roleArn = requireEnv(ENV.scheduleRoleArn, env);
  const dlqArn = requireEnv(ENV.scheduleDlqArn, env);
  const client = options.client ?? schedulerClient(env);
  const now = options.now ?? Date.now;

  const request = ({ key, at, token }: PublishSchedule): CreateScheduleCommandInput => {
    const event: ScheduledPublishEvent = { scheduledPublish: { key, at, token } };
    return {
      Name: scheduleName({ key, token }),
      GroupName: groupName,
      ScheduleExpression: atExpression(at, now()),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: targetArn(),
        RoleArn: roleArn,
        Input: JSON.stringify(event),
        DeadLetterConfig: { Arn: dlqArn },
        RetryPolicy: { ...RETRY_POLICY },
      },
    };
  };

  return {
    async schedule(entry) {
      const input = request(entry);
      // Create, or set again a schedule of the same change (a retried event; UpdateSchedule replaces
      // every field). Should it go between the two calls (it fired and deleted itself, or a cancel),
      // create it again.
      for (let attempt = 1; ; attempt++) {
        try {
          await client.send(new CreateScheduleCommand(input));
          return;
        } catch (error) {
          if (errorName(error) !== 'ConflictException') throw error;
        }
        try {
          await client.send(new UpdateScheduleCommand(input));
          return;
        } catch (error) {
          if (errorName(error) !== 'ResourceNotFoundException' || attempt >= 3) throw error;
        }
      }
    },
    async cancel(entry) {
      try {
        await client.send(new DeleteScheduleCommand({ Name: scheduleName(entry), GroupName: groupName }));
      } catch (error) {
        // Already gone: never scheduled, fired and deleted itself, or cancelled before.
        if (errorName(error) !== 'ResourceNotFoundException') throw error;
      }
    },
  };
}

/** `arn:aws:lambda:region:account:function:name`, without the `:version` or `:alias` an invocation may name. */
export function unqualifiedFunctionArn(arn: string): string {
  return arn.split(':').slice(0, 7).join(':');
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}
