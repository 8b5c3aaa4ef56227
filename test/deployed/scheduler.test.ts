import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config-names';
import type { IngestOutcome } from '../../functions/core/ingest';
import { encodePath } from '../../functions/core/urls';
import type { StoredSchedule } from './support/scheduler-stub';
import {
  type Delivery,
  deliver,
  describeInvocation,
  request,
  startTwin,
  type Twin,
  VersionedKey,
} from './support/twin';

// Scheduled posts as deployed: the ingest bundle, given an S3 event for a post dated a few
// seconds ahead, asks EventBridge Scheduler (a stand-in speaking its restJson1 API, reached
// through AWS_ENDPOINT_URL_SCHEDULER: ./support/scheduler-stub.ts) for a one-time schedule and
// publishes nothing; invoked with that schedule's Target.Input as its event, as EventBridge
// Scheduler invokes a templated Lambda target ("an optional input that you want EventBridge
// Scheduler to deliver to the target":
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-templated.html),
// once the date has passed, it publishes the post; a call back left by a version replaced
// since does nothing. Dates are seconds ahead, not minutes: the stand-in fires nothing by itself.

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
}, 300_000);

afterAll(async () => {
  await twin?.stop();
});

/** Front matter's date form, in UTC, `seconds` from now rounded up to the second. */
function secondsAhead(seconds: number): { frontMatter: string; instant: number } {
  const instant = Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000;
  const iso = new Date(instant).toISOString();
  return { frontMatter: `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000`, instant };
}

function post(title: string, date: string): string {
  return ['---', `title: "${title}"`, `date: ${date}`, 'categories: scheduled', '---', '正文。', ''].join('\n');
}

async function ingest(key: VersionedKey, delivery: Delivery): Promise<IngestOutcome[]> {
  const invocation = await deliver(twin, key.key, delivery);
  expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
  return (invocation as { result: IngestOutcome[] }).result;
}

/** Invokes the deployed ingest function as EventBridge Scheduler does when the schedule fires. */
async function fire(schedule: StoredSchedule): Promise<IngestOutcome[]> {
  const invocation = await twin.ingest.invoke(twin.scheduler.eventOf(schedule));
  expect(invocation.outcome, describeInvocation(invocation)).toBe('result');
  return (invocation as { result: IngestOutcome[] }).result;
}

async function feed(): Promise<string> {
  const answer = await request(twin, { target: '/category/scheduled.rss' });
  return answer.status === 200 ? answer.body : '';
}

async function waitUntil(instant: number): Promise<void> {
  const left = instant - Date.now();
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

const nameOf = (key: string, token: string) =>
  `post-${createHash('sha256')
    .update(JSON.stringify([key, token]))
    .digest('hex')
    .slice(0, 40)}`;

/** The requests ingest sent for the schedules of `key` (their Input names it; a delete names the schedule only). */
function requestsFor(key: string, tokens: string[] = []) {
  return twin.scheduler.requests.filter(
    (sent) =>
      (sent.body?.Target?.Input && JSON.parse(sent.body.Target.Input).scheduledPublish.key === key) ||
      tokens.some((token) => sent.name === nameOf(key, token)),
  );
}
const atOf = (expression: string) => Date.parse(`${/^at\((.+)\)$/.exec(expression)![1]}Z`);

describe('scheduled posts (EventBridge Scheduler)', () => {
  it('schedules a post dated ahead with the fields of the contract, publishes nothing, and publishes it when called back', async () => {
    const key = new VersionedKey('posts/2026-12-03-scheduled.md');
    const date = secondsAhead(4);
    const before = Date.now();
    const outcomes = await ingest(key, key.put(post('Published by its schedule', date.frontMatter)));
    const after = Date.now();
    expect(outcomes).toMatchObject([{ key: key.key, result: 'scheduled' }]);

    const creates = requestsFor(key.key);
    expect(creates.map(({ operation }) => operation)).toEqual(['CreateSchedule']);
    const { body, group } = creates[0];
    const environment = twin.stack.ingest.environment;
    expect(group).toBe(environment[ENV.scheduleGroup]);
    const { ClientToken: _, ScheduleExpression, Target, ...fields } = body;
    expect(fields).toEqual({
      GroupName: environment[ENV.scheduleGroup],
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
    });
    // A date a few seconds ahead is set a minute from the invocation, never sooner (the adapter's MIN_LEAD_MS).
    expect(ScheduleExpression).toMatch(/^at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)$/);
    expect(atOf(ScheduleExpression)).toBeGreaterThanOrEqual(before + 60_000 - 1000);
    expect(atOf(ScheduleExpression)).toBeLessThanOrEqual(after + 61_000);
    const { Input, ...target } = Target;
    expect(target).toEqual({
      // The function's own ARN, as the invocation names it (Lambda's context).
      Arn: `arn:aws:lambda:us-east-1:123456789012:function:PublishingStack-${twin.stack.ingest.logicalId}`,
      RoleArn: environment[ENV.scheduleRoleArn],
      DeadLetterConfig: { Arn: environment[ENV.scheduleDlqArn] },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    });
    const event = JSON.parse(Input);
    expect(event).toEqual({
      scheduledPublish: { key: key.key, at: expect.any(String), token: expect.any(String) },
    });
    expect(Date.parse(event.scheduledPublish.at)).toBe(date.instant);
    // One schedule per change: named after the key and the write token it was set for.
    expect(creates[0].name).toBe(nameOf(key.key, event.scheduledPublish.token));

    // Nothing public before the date.
    expect(await feed()).not.toContain('Published by its schedule');

    await waitUntil(date.instant);
    const [published] = await fire(twin.scheduler.schedules.get(`${group}/${creates[0].name}`)!);
    expect(published).toMatchObject({ key: key.key, result: 'published' });
    const page = await request(twin, { target: encodePath((published as { path: string }).path) });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Published by its schedule');
    expect(await feed()).toContain('Published by its schedule');
  });

  it('a newer upload gets a schedule of its own and removes the one it replaces; the replaced one, fired anyway, does nothing', async () => {
    const key = new VersionedKey('posts/2026-12-03-rescheduled.md');
    const group = twin.stack.ingest.environment[ENV.scheduleGroup];
    const first = secondsAhead(3);
    await ingest(key, key.put(post('First version', first.frontMatter)));
    const [firstCreate] = requestsFor(key.key);
    const stale = structuredClone(twin.scheduler.schedules.get(`${group}/${firstCreate.name}`)!);

    const second = secondsAhead(5);
    expect(await ingest(key, key.put(post('Second version', second.frontMatter)))).toMatchObject([
      { key: key.key, result: 'scheduled' },
    ]);
    const sent = requestsFor(key.key, [twin.scheduler.eventOf(stale).scheduledPublish.token]);
    expect(sent.map(({ operation }) => operation)).toEqual(['CreateSchedule', 'CreateSchedule', 'DeleteSchedule']);
    expect(sent[2]).toMatchObject({ name: firstCreate.name, group });
    expect([...twin.scheduler.schedules.keys()].filter((id) => id === `${group}/${firstCreate.name}`)).toEqual([]);
    const current = twin.scheduler.schedules.get(`${group}/${sent[1].name}`)!;
    expect(Date.parse(twin.scheduler.eventOf(current).scheduledPublish.at)).toBe(second.instant);

    // A schedule deleted too late (it had fired already) delivers its event all the same.
    await waitUntil(second.instant);
    expect(await fire(stale)).toMatchObject([{ key: key.key, result: 'skipped' }]);
    expect(await feed()).not.toMatch(/First version|Second version/);

    const [published] = await fire(current);
    expect(published).toMatchObject({ key: key.key, result: 'published' });
    const page = await request(twin, { target: encodePath((published as { path: string }).path) });
    expect(page.body).toContain('Second version');
    expect(page.body).not.toContain('First version');
  });
});
