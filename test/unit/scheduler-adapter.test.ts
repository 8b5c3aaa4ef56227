import { createHash } from 'node:crypto';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { CLIENT_LIMITS } from '../../functions/adapters/clients';
import {
  atExpression,
  eventBridgeScheduler,
  MIN_LEAD_MS,
  RETRY_POLICY,
  SCHEDULER_ENDPOINT,
  scheduleName,
  schedulerClient,
  unqualifiedFunctionArn,
} from '../../functions/adapters/scheduler';
import { ENV } from '../../functions/config-names';
import { isScheduledPublishEvent } from '../../functions/core/schedule';

// The adapter against EventBridge Scheduler's wire protocol (restJson1), with the client's
// HTTP handler replaced: requests are serialized and answers (errors included) deserialized
// by the SDK exactly as against the service. test/deployed/scheduler.test.ts does the same
// through the bundle, over HTTP.

const ENVIRONMENT = {
  [ENV.scheduleGroup]: 'publishing-posts',
  [ENV.scheduleRoleArn]: 'arn:aws:iam::123456789012:role/scheduler-invokes-ingest',
  [ENV.scheduleDlqArn]: 'arn:aws:sqs:eu-west-1:123456789012:schedule-dlq',
};
const TARGET = 'arn:aws:lambda:eu-west-1:123456789012:function:ingest';
const NOW = Date.parse('2026-12-03T17:00:00.250Z');

interface Sent {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
}

type Answer = { status: number; error?: string; body?: unknown };

/** A client whose HTTP handler records each request and gives the next answer (200 `{}` when none is left). */
function fakeService(answers: Answer[] = []) {
  const sent: Sent[] = [];
  const client = new SchedulerClient({
    region: 'eu-west-1',
    endpoint: 'http://scheduler.test',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: {
        method: string;
        path: string;
        query?: Record<string, unknown>;
        body?: string | Uint8Array;
      }) => {
        const text = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
        sent.push({
          method: request.method,
          path: request.path,
          query: request.query ?? {},
          body: text ? JSON.parse(text) : undefined,
        });
        const answer = answers.shift() ?? { status: 200, body: {} };
        return {
          response: {
            statusCode: answer.status,
            headers: {
              'content-type': 'application/json',
              ...(answer.error ? { 'x-amzn-errortype': answer.error } : {}),
            },
            body: new TextEncoder().encode(
              JSON.stringify(answer.error ? { Message: `${answer.error} (fake)` } : (answer.body ?? {})),
            ),
          },
        };
      },
    },
  });
  return { client, sent };
}

function adapter(answers: Answer[] = [], now = NOW) {
  const service = fakeService(answers);
  return {
    ...service,
    scheduler: eventBridgeScheduler(ENVIRONMENT, () => TARGET, { client: service.client, now: () => now }),
  };
}

const ENTRY = { key: 'posts/2026-12-24-noël.md', at: '2026-12-24T08:30:00.400+01:00', token: 'tok-1' };
const NAME = `post-${createHash('sha256')
  .update(JSON.stringify([ENTRY.key, ENTRY.token]))
  .digest('hex')
  .slice(0, 40)}`;

describe('eventBridgeScheduler: schedule', () => {
  it('creates the change one-time schedule: name from the key and token, group, at() in UTC rounded up, no window, deleted after, the entry as the Lambda event', async () => {
    const { scheduler, sent } = adapter();
    await scheduler.schedule(ENTRY);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'POST', path: `/schedules/${NAME}` });
    const { ClientToken, ...body } = sent[0].body!;
    expect(ClientToken).toEqual(expect.any(String));
    expect(body).toEqual({
      GroupName: 'publishing-posts',
      ScheduleExpression: 'at(2026-12-24T07:30:01)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: TARGET,
        RoleArn: ENVIRONMENT[ENV.scheduleRoleArn],
        Input: JSON.stringify({ scheduledPublish: ENTRY }),
        DeadLetterConfig: { Arn: ENVIRONMENT[ENV.scheduleDlqArn] },
        RetryPolicy: RETRY_POLICY,
      },
    });
    const event = JSON.parse((body.Target as { Input: string }).Input);
    expect(isScheduledPublishEvent(event)).toBe(true);
    expect(event).toEqual({ scheduledPublish: ENTRY });
  });

  it('names one schedule per change (key and token) within the service limits (64 of [0-9A-Za-z-_.])', () => {
    const changes = [
      { key: 'posts/a.md', token: 't1' },
      { key: 'posts/a.md', token: 't2' },
      { key: 'posts/b.md', token: 't1' },
      { key: `posts/${'é'.repeat(400)}.md`, token: 't1' },
      // Joined without a separator, these two would be one name.
      { key: 'posts/ab', token: 'c' },
      { key: 'posts/a', token: 'bc' },
    ];
    const names = changes.map(scheduleName);
    expect(new Set(names).size).toBe(changes.length);
    for (const name of names) expect(name).toMatch(/^post-[0-9a-f]{40}$/);
    expect(scheduleName({ key: 'posts/a.md', token: 't1' })).toBe(names[0]);
  });

  it('sets the schedule of the same change again with the same fields when it exists (ConflictException → UpdateSchedule)', async () => {
    const { scheduler, sent } = adapter([{ status: 409, error: 'ConflictException' }]);
    await scheduler.schedule(ENTRY);
    expect(sent.map(({ method, path }) => `${method} ${path}`)).toEqual([
      `POST /schedules/${NAME}`,
      `PUT /schedules/${NAME}`,
    ]);
    const withoutToken = ({ ClientToken: _, ...rest }: Record<string, unknown>) => rest;
    expect(withoutToken(sent[1].body!)).toEqual(withoutToken(sent[0].body!));
  });

  it('creates again when the schedule went between the conflict and the update', async () => {
    const { scheduler, sent } = adapter([
      { status: 409, error: 'ConflictException' },
      { status: 404, error: 'ResourceNotFoundException' },
    ]);
    await scheduler.schedule(ENTRY);
    expect(sent.map(({ method }) => method)).toEqual(['POST', 'PUT', 'POST']);
  });

  it('lets any other error through, for the event to be retried', async () => {
    const { scheduler } = adapter([{ status: 400, error: 'ValidationException' }]);
    await expect(scheduler.schedule(ENTRY)).rejects.toMatchObject({ name: 'ValidationException' });
    const refused = adapter([
      { status: 409, error: 'ConflictException' },
      { status: 403, error: 'AccessDeniedException' },
    ]);
    await expect(refused.scheduler.schedule(ENTRY)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('never asks for an instant sooner than a minute from now: a post due now or overdue is called back a minute on', async () => {
    const { scheduler, sent } = adapter();
    const due = [
      { ...ENTRY, at: '2026-12-03T17:00:10Z' },
      { ...ENTRY, at: '2020-01-01T00:00:00Z' },
    ];
    for (const entry of due) await scheduler.schedule(entry);
    expect(sent.map(({ body }) => body?.ScheduleExpression)).toEqual([
      'at(2026-12-03T17:01:01)',
      'at(2026-12-03T17:01:01)',
    ]);
    // The event keeps the post's own date: publishDue knows it is due.
    expect(sent.map(({ body }) => JSON.parse(String((body?.Target as { Input?: string } | undefined)?.Input)))).toEqual(
      due.map((entry) => ({ scheduledPublish: entry })),
    );
  });
});

describe('atExpression', () => {
  it('rounds up to the whole second, in UTC', () => {
    expect(atExpression('2027-01-01T00:00:00Z', NOW)).toBe('at(2027-01-01T00:00:00)');
    expect(atExpression('2027-01-01T00:00:00.001Z', NOW)).toBe('at(2027-01-01T00:00:01)');
    expect(atExpression('2027-01-01T23:59:59.999-05:00', NOW)).toBe('at(2027-01-02T05:00:00)');
  });

  it('puts an instant sooner than MIN_LEAD_MS at MIN_LEAD_MS from now (rounded up), in a minute not yet begun', () => {
    for (const at of ['2026-12-03T17:00:59Z', '2026-12-03T16:00:00Z']) {
      const expression = atExpression(at, NOW);
      expect(expression).toBe('at(2026-12-03T17:01:01)');
      const when = Date.parse(`${expression.slice(3, -1)}Z`);
      expect(when - NOW).toBeGreaterThanOrEqual(MIN_LEAD_MS);
      expect(Math.floor(when / 60_000) * 60_000).toBeGreaterThan(NOW);
    }
    expect(atExpression('2026-12-03T17:01:30Z', NOW)).toBe('at(2026-12-03T17:01:30)');
  });

  it('refuses what is not a date', () => {
    expect(() => atExpression('soon', NOW)).toThrow('not a date: "soon"');
  });
});

describe('eventBridgeScheduler: cancel', () => {
  it('deletes the change schedule in its group', async () => {
    const { scheduler, sent } = adapter();
    await scheduler.cancel({ key: ENTRY.key, token: ENTRY.token });
    expect(sent).toEqual([expect.objectContaining({ method: 'DELETE', path: `/schedules/${NAME}`, body: undefined })]);
    expect(sent[0].query).toMatchObject({ groupName: 'publishing-posts' });
  });

  it('is done when there is no schedule (never set, fired and deleted itself, cancelled before)', async () => {
    const { scheduler, sent } = adapter([{ status: 404, error: 'ResourceNotFoundException' }]);
    await expect(scheduler.cancel(ENTRY)).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
  });

  it('lets any other error through', async () => {
    const { scheduler } = adapter([{ status: 500, error: 'InternalServerException' }]);
    await expect(scheduler.cancel(ENTRY)).rejects.toMatchObject({ name: 'InternalServerException' });
  });
});

describe('configuration', () => {
  it('refuses a missing group, role or dead-letter queue by name', () => {
    for (const name of [ENV.scheduleGroup, ENV.scheduleRoleArn, ENV.scheduleDlqArn]) {
      expect(() => eventBridgeScheduler({ ...ENVIRONMENT, [name]: '' }, () => TARGET)).toThrow(
        `environment variable ${name} is not set`,
      );
    }
  });

  it('builds the client as the others: the endpoint from AWS_ENDPOINT_URL_SCHEDULER, the same retries', async () => {
    const client = schedulerClient({ [SCHEDULER_ENDPOINT]: 'http://127.0.0.1:4599', AWS_REGION: 'eu-west-1' });
    try {
      const endpoint = await client.config.endpoint!();
      expect(endpoint).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 4599 });
      expect(await client.config.maxAttempts()).toBe(CLIENT_LIMITS.maxAttempts);
      expect(await client.config.region()).toBe('eu-west-1');
    } finally {
      client.destroy();
    }
  });
});

describe('unqualifiedFunctionArn', () => {
  it('drops the version or alias an invocation names: the scheduler role may invoke the function ARN only', () => {
    for (const arn of [TARGET, `${TARGET}:$LATEST`, `${TARGET}:7`, `${TARGET}:live`]) {
      expect(unqualifiedFunctionArn(arn)).toBe(TARGET);
    }
  });
});
