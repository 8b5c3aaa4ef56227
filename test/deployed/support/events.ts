import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matchRoute } from '../../../functions/core/routes';
import { gatewayPath } from '../../../infra/local/http-server';
import { encodeEventKey } from '../../../infra/local/s3-events';

/*
 * Events as AWS delivers them, built from the examples in ../fixtures (README.md there names where
 * each comes from). A builder copies its example and fills in only what differs per event (key,
 * sequencer, versionId, …); the object fields of an S3 record are exactly the example's, so a field
 * AWS does not send for that event type (a size on a delete) is never sent here either.
 */

const FIXTURES = join(__dirname, '..', 'fixtures');
export const REGION = 'us-east-1';

// biome-ignore lint/suspicious/noExplicitAny: a fixture is AWS's JSON document; each test reads the fields it needs
export function fixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

// ---------------------------------------------------------------------------------------------
// S3 event notifications (the ingest function)

export interface ObjectFacts {
  /** The object key as stored; the record carries it URL-encoded (`+` for a space). */
  key: string;
  /** Hexadecimal, of any length; compare after right-padding with zeros (S3 User Guide). */
  sequencer: string;
  versionId?: string;
  size?: number;
  eTag?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: an S3 event record as AWS documents it, edited field by field
type S3Record = Record<string, any>;
export type S3Notification = { Records: S3Record[] };

/** ObjectCreated:Put on a versioned bucket (S3 User Guide example). */
export function objectCreatedPut(
  bucket: string,
  object: ObjectFacts & { size: number; eTag: string; versionId: string },
): S3Notification {
  return notification('s3-objectcreated-put.json', 'ObjectCreated:Put', bucket, object);
}

/**
 * ObjectRemoved:Delete. With a versionId: a version (or a delete marker) deleted for good on a
 * versioned bucket (key, versionId, sequencer: localstack's AWS-validated record). Without: a
 * delete on an unversioned bucket (key, sequencer: Powertools' example).
 */
export function objectRemovedDelete(bucket: string, object: ObjectFacts): S3Notification {
  return object.versionId === undefined
    ? notification('s3-objectremoved-delete.json', 'ObjectRemoved:Delete', bucket, object)
    : notification('s3-objectremoved-delete-versionid.json', 'ObjectRemoved:Delete', bucket, object);
}

/** ObjectRemoved:DeleteMarkerCreated: a plain DELETE on a versioned bucket; eTag is the empty object's. */
export function deleteMarkerCreated(bucket: string, object: ObjectFacts & { versionId: string }): S3Notification {
  return notification('s3-objectremoved-deletemarkercreated.json', 'ObjectRemoved:DeleteMarkerCreated', bucket, {
    ...object,
    eTag: EMPTY_MD5,
  });
}

/** LifecycleExpiration:Delete: a lifecycle rule deleted a version for good (key, sequencer). */
export function lifecycleExpirationDelete(bucket: string, object: ObjectFacts): S3Notification {
  return notification('s3-lifecycleexpiration-delete.json', 'LifecycleExpiration:Delete', bucket, object);
}

/** The message S3 sends once a notification is configured: no Records at all. */
export function s3TestEvent(bucket: string): Record<string, string> {
  return { ...fixture('s3-testevent.json'), Bucket: bucket, Time: new Date().toISOString() };
}

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

function notification(example: string, eventName: string, bucket: string, object: ObjectFacts): S3Notification {
  const record = fixture<S3Notification>(example).Records[0];
  const fields = { ...object, key: encodeEventKey(object.key) } as Record<string, unknown>;
  const objectFields: Record<string, unknown> = {};
  for (const name of Object.keys(record.s3.object)) {
    if (fields[name] === undefined) throw new Error(`${eventName} needs the object's ${name} (${example})`);
    objectFields[name] = fields[name];
  }
  const unused = Object.keys(fields).filter((name) => fields[name] !== undefined && !(name in objectFields));
  if (unused.length) throw new Error(`${eventName} records carry no ${unused.join(', ')} (${example})`);
  const lifecycle = eventName.startsWith('LifecycleExpiration:');
  return {
    Records: [
      {
        ...record,
        eventName,
        awsRegion: REGION,
        eventTime: new Date().toISOString(),
        // Lifecycle actions are S3's own; every other change is made by a caller of the S3 API.
        userIdentity: { principalId: lifecycle ? 's3.amazonaws.com' : 'AWS:AROAEXAMPLEROLEID:publisher' },
        requestParameters: { sourceIPAddress: lifecycle ? 's3.amazonaws.com' : '203.0.113.7' },
        responseElements: { 'x-amz-request-id': randomHex(16), 'x-amz-id-2': randomBytes(48).toString('base64') },
        s3: {
          ...record.s3,
          configurationId: 'PublishingStackContentBucketNotifications',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKEXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
          object: objectFields,
        },
      },
    ],
  };
}

/** A version id as S3 writes them: 32 URL-safe characters. */
export function newVersionId(): string {
  return randomBytes(24).toString('base64url').slice(0, 32);
}

/** S3's ETag of a single-part upload, as events carry it: the MD5 of the bytes, no quotes. */
export function eTagOf(body: string | Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

function randomHex(length: number): string {
  return randomBytes(length).toString('hex').slice(0, length).toUpperCase();
}

// ---------------------------------------------------------------------------------------------
// API Gateway HTTP API, payload format 2.0 (the http function)

export const DOMAIN = 'abc123defg.execute-api.us-east-1.amazonaws.com';

export interface ClientRequest {
  method?: 'GET' | 'HEAD';
  /** What the client sends on the request line: `/path?query`, percent-encoded. */
  target: string;
  /** As the client sends them, any case; repeats as arrays. */
  headers?: Record<string, string | string[]>;
}

/**
 * The event HTTP API hands the function for a client's request, after its own routing: the
 * route key of the route the stack registered that matches, the path decoded as HTTP API decodes
 * it (rawPath, requestContext.http.path and pathParameters alike), rawQueryString as sent,
 * queryStringParameters decoded with repeats joined by commas, cookies moved out of the headers,
 * header names lower-cased with repeats joined by commas. Built on the live capture in
 * ../fixtures/apigw-v2-live-capture-voker.json. Throws when HTTP API would answer by itself
 * (undecodable path: 400; no route: 404), since the function never sees those.
 */
// biome-ignore lint/suspicious/noExplicitAny: the HTTP API payload is built field by field as AWS documents it
export function httpApiEvent(request: ClientRequest, routeKeys: ReadonlySet<string>): Record<string, any> {
  const method = request.method ?? 'GET';
  const queryStart = request.target.indexOf('?');
  const sentPath = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : request.target.slice(queryStart + 1);
  const path = gatewayPath(sentPath);
  if (path === undefined) throw new Error(`HTTP API answers ${sentPath} with 400 itself`);
  const match = matchRoute(path);
  const routeKey = match && `${method} ${match.route.path}`;
  if (!routeKey || !routeKeys.has(routeKey)) throw new Error(`HTTP API has no route for ${method} ${path}`);

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    const lower = name.toLowerCase();
    const joined = Array.isArray(value) ? value.join(',') : value;
    headers[lower] = headers[lower] === undefined ? joined : `${headers[lower]},${joined}`;
  }
  // What a client without opinions sends.
  headers.accept ??= '*/*';
  headers['user-agent'] ??= 'deployed-contract/1.0';
  const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
  delete headers.cookie;
  // API Gateway's own, whatever the client sent.
  Object.assign(headers, {
    host: DOMAIN,
    'x-amzn-trace-id': `Root=1-${randomHex(8).toLowerCase()}-${randomHex(24).toLowerCase()}`,
    'x-forwarded-for': '198.51.100.23',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  });
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] = name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }

  const capture = fixture('apigw-v2-live-capture-voker.json');
  const now = Date.now();
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const event: Record<string, any> = {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    pathParameters: Object.keys(match.pathParameters).length ? match.pathParameters : null,
    stageVariables: null,
    requestContext: {
      ...capture.requestContext,
      accountId: '123456789012',
      apiId: DOMAIN.split('.')[0],
      domainName: DOMAIN,
      domainPrefix: DOMAIN.split('.')[0],
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.23', userAgent: headers['user-agent'] ?? '' },
      requestId: randomBytes(12).toString('base64'),
      routeKey,
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
  return event;
}

/** `10/Jul/2026:19:19:05 +0000`, API Gateway's requestContext.time. */
function apiGatewayTime(epochMs: number): string {
  const d = new Date(epochMs);
  const month = d.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${month}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string>;
  /** Empty for HEAD and 304: HTTP API sends no body then. */
  body: string;
  /** The body's bytes as sent (compressed ones cannot be read as text). */
  bytes: Buffer;
}

/**
 * What the client receives for the function's result: HTTP API sends the function's status and
 * headers and a Content-Length of the body's bytes; for HEAD it sends no body. (Content-Length on
 * HEAD is what the project's README claims for the deployed API; AWS does not document it.)
 */
export function asClientSees(
  method: 'GET' | 'HEAD',
  result: { statusCode?: number; headers?: Record<string, unknown>; body?: string; isBase64Encoded?: boolean },
): ClientResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  const status = result.statusCode ?? 200;
  const bytes = result.isBase64Encoded
    ? Buffer.from(result.body ?? '', 'base64')
    : Buffer.from(result.body ?? '', 'utf8');
  if (status !== 304 && headers['content-length'] === undefined) headers['content-length'] = String(bytes.byteLength);
  const sent = method === 'HEAD' || status === 304 ? Buffer.alloc(0) : bytes;
  return { status, headers, body: sent.toString('utf8'), bytes: sent };
}
