import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoPostStore } from '../adapters/dynamo-store';
import { dynamoClient } from '../adapters/clients';
import { requireEnv, settingsFromEnv } from '../adapters/env';
import { logger } from '../adapters/logger';
import { ENV } from '../config-names';
import { FeedDocuments } from '../core/feed-documents';
import type { HttpRequest } from '../core/http';
import { handleRead } from '../core/read';
import { ROUTES } from '../core/routes';
import type { Settings } from '../core/settings';
import { siteForRequest } from '../core/settings';
import type { PostStore } from '../core/store';

export interface HttpHandlerDeps {
  store: PostStore;
  settings: Settings;
}

/** Translates API Gateway HTTP API (payload 2.0) events to the read side and back. */
export function createHttpHandler(deps: HttpHandlerDeps) {
  const feeds = new FeedDocuments(deps.store);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = toRequest(event);
    // The domain API Gateway routed the request by, not a Host header a client chose.
    const host = event.requestContext.domainName ?? request.headers.host ?? '';
    const site = siteForRequest(deps.settings, { ...request.headers, host });
    const response = await handleRead(request, { store: deps.store, feeds, site, log: logger });
    return { statusCode: response.status, headers: response.headers, body: response.body };
  };
}

function toRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const routePath = event.routeKey.slice(event.routeKey.indexOf(' ') + 1);
  const route = ROUTES.find((candidate) => candidate.path === routePath) ?? ROUTES[ROUTES.length - 1];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    // API Gateway joins repeated parameters with commas; the first one is the one links carry.
    if (value !== undefined) query[name] = value.split(',')[0];
  }
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {})) if (value !== undefined) pathParameters[name] = value;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    view: route.view,
    pathParameters,
    query,
    headers,
  };
}

/** Wires the handler from environment variables: what Lambda runs, and what the local stack runs. */
export function httpHandlerFromEnv(env: Record<string, string | undefined>) {
  return createHttpHandler({
    store: new DynamoPostStore(dynamoClient(env), requireEnv(ENV.tableName, env)),
    settings: settingsFromEnv(env),
  });
}

let handlerFromEnv: ReturnType<typeof createHttpHandler> | undefined;

/** The Lambda entry point; configuration is read (and refused, naming the variable) at cold start. */
export const handler = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  handlerFromEnv ??= httpHandlerFromEnv(process.env);
  return handlerFromEnv(event);
};
