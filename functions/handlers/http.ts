import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { presignedAssetUrls } from '../adapters/asset-urls';
import { dynamoClient } from '../adapters/clients';
import { DynamoPostStore } from '../adapters/dynamo-store';
import { requireEnv, settingsFromEnv } from '../adapters/env';
import { logger } from '../adapters/logger';
import { ENV } from '../config-names';
import { CompressedBodies, chooseCoding, decodedIfNoneMatch, encodeResponse } from '../core/compression';
import { FeedDocuments } from '../core/feed-documents';
import type { HttpRequest, HttpResponse } from '../core/http';
import { errorResponse, finishResponse } from '../core/http';
import { type AssetUrls, handleRead } from '../core/read';
import { ROUTES } from '../core/routes';
import type { Settings } from '../core/settings';
import { siteForRequest } from '../core/settings';
import type { Site } from '../core/site';
import { SiteDefaultsReader } from '../core/site-defaults';
import { IdAuthority } from '../core/site-identity';
import type { PostStore } from '../core/store';

export interface HttpHandlerDeps {
  store: PostStore;
  settings: Settings;
  /** The authority of feed item ids as the site recorded it; the settings' own when not given. */
  idAuthority?: IdAuthority;
  /** The title, description and url of the site's _config.yml, where no variable sets them. */
  siteDefaults?: SiteDefaultsReader;
  /** Presigned URLs of the files beside the posts; without them those paths are 404. */
  assets?: AssetUrls;
}

/** Translates API Gateway HTTP API (payload 2.0) events to the read side and back. */
export function createHttpHandler(deps: HttpHandlerDeps) {
  const feeds = new FeedDocuments(deps.store);
  // Compressed bodies, per instance: a feed polled again and again is compressed once per version.
  const compressed = new CompressedBodies();
  // One Site per origin for the life of the instance (settings do not change): built once, and
  // what feeds key their cached validators by.
  const sites = new Map<string, Site>();
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = toRequest(event);
    // The coding the answer goes out in; the read side sees the validators of the uncompressed body.
    const coding = chooseCoding(request.headers['accept-encoding']);
    const ifNoneMatch = request.headers['if-none-match'];
    const decoded = decodedIfNoneMatch(ifNoneMatch, coding);
    if (decoded) request.headers['if-none-match'] = decoded;
    else delete request.headers['if-none-match'];
    const send = (response: HttpResponse): APIGatewayProxyStructuredResultV2 => {
      const encoded = encodeResponse(response, coding, compressed, ifNoneMatch);
      return {
        statusCode: encoded.status,
        headers: encoded.headers,
        body: encoded.body,
        ...(encoded.isBase64Encoded ? { isBase64Encoded: true } : {}),
      };
    };
    // The domain API Gateway routed the request by, not a Host header a client chose.
    const host = event.requestContext.domainName ?? request.headers.host ?? '';
    let idAuthority = deps.settings.idAuthority;
    let settings = deps.settings;
    try {
      if (deps.idAuthority) idAuthority = await deps.idAuthority.current();
      if (deps.siteDefaults) settings = await deps.siteDefaults.settings(deps.settings);
    } catch (error) {
      // Feeds with other ids than readers hold would be worse than a moment's 503.
      const fallback = siteForRequest(deps.settings, { ...request.headers, host });
      return send(finishResponse(request, errorResponse(error, fallback, logger, request)));
    }
    const origin = `${request.headers['x-forwarded-proto'] ?? ''}\n${host}\n${idAuthority}\n${settings.siteUrl ?? ''}\n${settings.title}\n${settings.description}`;
    let site = sites.get(origin);
    if (!site) {
      // API Gateway routes only the API's own domains here; the bound is for anything else.
      if (sites.size >= 64) sites.clear();
      site = siteForRequest({ ...settings, idAuthority }, { ...request.headers, host });
      sites.set(origin, site);
    }
    return send(
      await handleRead(request, {
        store: deps.store,
        feeds,
        site,
        log: logger,
        ...(deps.assets ? { assets: deps.assets } : {}),
      }),
    );
  };
}

function toRequest(event: APIGatewayProxyEventV2): HttpRequest {
  const routePath = event.routeKey.slice(event.routeKey.indexOf(' ') + 1);
  const route = ROUTES.find((candidate) => candidate.path === routePath) ?? ROUTES[ROUTES.length - 1];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[name.toLowerCase()] = value;
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    // API Gateway joins repeated parameters with commas; the first one is the one links carry.
    if (value !== undefined) query[name] = value.split(',')[0];
  }
  const pathParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.pathParameters ?? {}))
    if (value !== undefined) pathParameters[name] = value;
  return {
    method: event.requestContext.http.method,
    // As API Gateway hands paths over: already decoded (rawPath too, despite its name), never to be
    // decoded again. A post page's path is its route's `proxy` variable, which a stage name in
    // rawPath would not be part of.
    path: route.view === 'postPage' && pathParameters.proxy !== undefined ? `/${pathParameters.proxy}` : event.rawPath,
    view: route.view,
    pathParameters,
    query,
    headers,
  };
}

/** Wires the handler from environment variables: what Lambda runs, and what the local stack runs. */
export function httpHandlerFromEnv(env: Record<string, string | undefined>) {
  const store = new DynamoPostStore(dynamoClient(env), requireEnv(ENV.tableName, env));
  const settings = settingsFromEnv(env);
  const bucket = env[ENV.bucketName]?.trim();
  return createHttpHandler({
    store,
    settings,
    // The content bucket's files are served (redirected to) only where the stack names the bucket.
    ...(bucket ? { assets: presignedAssetUrls(bucket, env) } : {}),
    idAuthority: new IdAuthority(store, settings.idAuthority, Boolean(env[ENV.idAuthority]?.trim()), (message) =>
      logger.warn(message, {}),
    ),
    siteDefaults: new SiteDefaultsReader(store, {
      title: Boolean(env[ENV.siteTitle]?.trim()),
      description: Boolean(env[ENV.siteDescription]?.trim()),
      siteUrl: Boolean(env[ENV.siteUrl]?.trim()),
      timeZone: Boolean(env[ENV.timeZone]?.trim()),
    }),
  });
}

let handlerFromEnv: ReturnType<typeof createHttpHandler> | undefined;

/** The Lambda entry point; configuration is read (and refused, naming the variable) at cold start. */
export const handler = (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  handlerFromEnv ??= httpHandlerFromEnv(process.env);
  return handlerFromEnv(event);
};
