import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RED_PIXEL_PNG } from '../support/pictures';
import { BUCKET, request, startTwin, type Twin } from './support/twin';

// The http function as deployed (cdk.out's bundle, its template environment: the bucket's name,
// Lambda's session credentials) answering a picture beside a post: 302 to a presigned GET of the
// object, which the bucket (s3rver here) serves; it never carries the bytes itself.

let twin: Twin;

beforeAll(async () => {
  twin = await startTwin();
  await twin.s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'posts/news/_posts/photo.png',
      Body: RED_PIXEL_PNG,
      ContentType: 'text/html',
    }),
  );
}, 300_000);

afterAll(async () => {
  await twin?.stop();
});

describe('files beside the posts, deployed', () => {
  it('answers 302 to a short-lived presigned GET of the object, cacheable briefly, with the allow-list type', async () => {
    const response = await request(twin, { target: '/news/_posts/photo.png' });
    expect(response.status).toBe(302);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
    expect(response.body).toBe('');
    const location = new URL(response.headers.location);
    expect(location.origin).toBe(new URL(twin.endpoints.AWS_ENDPOINT_URL_S3).origin);
    expect(decodeURIComponent(location.pathname)).toBe(`/${BUCKET}/posts/news/_posts/photo.png`);
    expect(location.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(location.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(location.searchParams.get('X-Amz-Security-Token')).toBe('deployed-contract-session-token');
    expect(location.searchParams.get('response-content-type')).toBe('image/png');
    // The bucket serves the bytes at that URL.
    const object = await fetch(location);
    expect(object.status).toBe(200);
    expect(Buffer.from(await object.arrayBuffer())).toEqual(RED_PIXEL_PNG);
  });

  it('answers HEAD the same way', async () => {
    const response = await request(twin, { method: 'HEAD', target: '/news/_posts/photo.png' });
    expect(response.status).toBe(302);
    expect(response.headers.location).toContain('X-Amz-Signature=');
  });

  it('makes an SVG an attachment at S3, which can send no CSP', async () => {
    const response = await request(twin, { target: '/assets/logo.svg' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.location);
    expect(location.searchParams.get('response-content-type')).toBe('image/svg+xml');
    expect(location.searchParams.get('response-content-disposition')).toMatch(/^attachment; filename="logo.svg"/);
  });

  it('never signs a URL for traversal, a draft, a dot folder, or a script: 404 pages', async () => {
    for (const target of [
      '/news/..%2F..%2Fsecret.png',
      '/%2e%2e/secret.png',
      '/_drafts/a.png',
      '/.git/a.png',
      '/assets/evil.js',
      '/assets/evil.html',
    ]) {
      const response = await request(twin, { target });
      expect(response.status, target).toBe(404);
      expect(response.headers.location, target).toBeUndefined();
      expect(response.headers['content-type'], target).toBe('text/html; charset=utf-8');
    }
  });
});
