import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScheduledPublishEvent } from '../../../functions/core/schedule';

/*
 * A stand-in for EventBridge Scheduler's API, as far as ingest calls it: the restJson1 routes of
 * CreateSchedule (POST /schedules/{Name}), UpdateSchedule (PUT /schedules/{Name}) and
 * DeleteSchedule (DELETE /schedules/{Name}?groupName=…), keeping the schedules per group and
 * name, and answering as the service does when one exists already (409 ConflictException) or
 * not at all (404 ResourceNotFoundException). It records every request; it fires nothing: a test
 * invokes the function with a schedule's Target.Input, as EventBridge Scheduler would.
 */

export interface SchedulerRequest {
  operation: 'CreateSchedule' | 'UpdateSchedule' | 'DeleteSchedule' | 'unknown';
  method: string;
  name: string;
  group: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are free-form JSON
  body: any;
}

export interface StoredSchedule {
  name: string;
  group: string;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are free-form JSON
  body: any;
}

export interface SchedulerStub {
  endpoint: string;
  requests: SchedulerRequest[];
  /** The schedules as they stand, by `group/name`. */
  schedules: Map<string, StoredSchedule>;
  /** The event EventBridge Scheduler would invoke the target with: the schedule's Target.Input. */
  eventOf(schedule: StoredSchedule): ScheduledPublishEvent;
  stop(): Promise<void>;
}

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export async function startSchedulerStub(): Promise<SchedulerStub> {
  const requests: SchedulerRequest[] = [];
  const schedules = new Map<string, StoredSchedule>();

  const answer = (response: ServerResponse, status: number, body: unknown, errorType?: string) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': `stub-${requests.length}`,
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    response.end(JSON.stringify(body));
  };

  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://stub');
    const match = /^\/schedules\/([^/]+)$/.exec(url.pathname);
    const name = match ? decodeURIComponent(match[1]) : '';
    const body = text ? JSON.parse(text) : undefined;
    const group: string | undefined =
      request.method === 'DELETE' ? (url.searchParams.get('groupName') ?? undefined) : body?.GroupName;
    const operation = !match
      ? 'unknown'
      : request.method === 'POST'
        ? 'CreateSchedule'
        : request.method === 'PUT'
          ? 'UpdateSchedule'
          : request.method === 'DELETE'
            ? 'DeleteSchedule'
            : 'unknown';
    requests.push({ operation, method: request.method ?? '', name, group, body });
    const id = `${group ?? 'default'}/${name}`;
    const arn = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${id}`;
    switch (operation) {
      case 'CreateSchedule':
        if (schedules.has(id))
          return answer(response, 409, { Message: `Schedule ${name} already exists.` }, 'ConflictException');
        schedules.set(id, { name, group: group ?? 'default', body });
        return answer(response, 200, { ScheduleArn: arn });
      case 'UpdateSchedule':
        if (!schedules.has(id))
          return answer(response, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
        schedules.set(id, { name, group: group ?? 'default', body });
        return answer(response, 200, { ScheduleArn: arn });
      case 'DeleteSchedule':
        if (!schedules.delete(id))
          return answer(response, 404, { Message: `Schedule ${name} does not exist.` }, 'ResourceNotFoundException');
        return answer(response, 200, {});
      default:
        return answer(response, 404, { Message: `${request.method} ${url.pathname}` }, 'UnknownOperationException');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    schedules,
    eventOf: (schedule) => JSON.parse(schedule.body.Target.Input),
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
