import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoPostStore } from '../../functions/adapters/dynamo-store';
import { settingsFromEnv } from '../../functions/adapters/env';
import { StorageUnavailable } from '../../functions/core/errors';
import { errorResponse, type HttpRequest } from '../../functions/core/http';
import { siteForRequest } from '../../functions/core/settings';

// DynamoDB throttling and service errors cannot be provoked on dynalite; the adapter's mapping
// is checked here with a client that fails as the SDK does. (Refused connections are checked
// against a stopped dynalite in test/integration/hardening-storage-unavailable.test.ts.)
function failingClient(error: Error): DynamoDBClient {
  return {
    send: async () => {
      throw error;
    },
  } as unknown as DynamoDBClient;
}

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: 400 }, ...extra });
}

describe('DynamoDB failures at the adapter boundary', () => {
  it.each([
    sdkError('ProvisionedThroughputExceededException'),
    sdkError('ThrottlingException'),
    sdkError('RequestLimitExceeded'),
    sdkError('InternalServerError', { $metadata: { httpStatusCode: 500 } }),
    sdkError('ServiceUnavailable', { $metadata: { httpStatusCode: 503 } }),
    sdkError('TimeoutError'),
    Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  ])('turn $name into StorageUnavailable', async (error) => {
    const failure = await new DynamoPostStore(failingClient(error), 'posts')
      .getPost('x')
      .catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(StorageUnavailable);
    expect((failure as StorageUnavailable).cause).toBe(error);
  });

  it('leave other errors as they are: a validation error is a bug, not an outage', async () => {
    const error = sdkError('ValidationException');
    await expect(new DynamoPostStore(failingClient(error), 'posts').getPost('x')).rejects.toBe(error);
  });

  it('still treat a failed condition as an expected outcome', async () => {
    const store = new DynamoPostStore(
      failingClient(new ConditionalCheckFailedException({ message: 'no', $metadata: {} })),
      'posts',
    );
    await expect(store.deletePost({ id: 'x', sourceKey: 'posts/x.md' }, '01')).resolves.toBeUndefined();
  });
});

describe('StorageUnavailable as HTTP', () => {
  const request: HttpRequest = {
    method: 'GET',
    path: '/feed.rss',
    view: 'siteFeed',
    pathParameters: {},
    query: {},
    headers: {},
  };
  const site = siteForRequest(settingsFromEnv({}), { host: 'localhost' });

  it('is a 503 with Retry-After, never cached, with a short body naming nothing internal', () => {
    const logged: string[] = [];
    const cause = Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:8000'), { code: 'ECONNREFUSED' });
    const response = errorResponse(
      new StorageUnavailable('storage is unavailable', { cause }),
      site,
      { error: (m) => logged.push(m) },
      request,
    );
    expect(response.status).toBe(503);
    expect(response.headers).toMatchObject({ 'retry-after': '5', 'cache-control': 'no-store' });
    expect(response.body.length).toBeLessThan(100);
    expect(response.body).not.toMatch(/ECONNREFUSED|10\.0\.0\.7|storage/i);
    expect(logged).toEqual(['storage unavailable']);
  });
});
