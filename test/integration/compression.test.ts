import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusPost } from '../../bench/corpus';
import type { LocalStack } from '../../infra/local/local-stack';
import { publishSampleContent, startTestStack, uploadPost } from '../support/local-stack';

// Compressed answers and cross-origin reads on the local stack, over a raw HTTP client (fetch
// would decode for us and hide the bytes on the wire). The sizes printed here are the README's.

let stack: LocalStack;
const SEED_FEED = '/category/chengduribao.rss';
const FULL_FEED = '/category/full.rss';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(stack.url + path);
    const outgoing = request(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const DECODE = { br: brotliDecompressSync, gzip: gunzipSync } as const;

beforeAll(async () => {
  stack = await startTestStack({ SITE_TITLE: '成都日报', FEED_LENGTH: '20' });
  await publishSampleContent(stack);
  // Twenty full-content posts of the benchmark corpus (2–12 KB bodies) in one category.
  for (let index = 0; index < 20; index++) {
    const post = corpusPost(7, index, { category: 'full' });
    await uploadPost(stack, `posts/full-${index}.txt`, post.bytes.toString('utf8'));
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('compressed answers', () => {
  it('gives brotli and gzip bodies that decode to the very bytes of the uncompressed one', async () => {
    const sizes: string[] = [];
    for (const path of [SEED_FEED, FULL_FEED, '/', '/feeds.opml', '/sitemaps/names.xml']) {
      const identity = await raw(path);
      expect(identity.status, path).toBe(200);
      expect(identity.headers['content-encoding'], path).toBeUndefined();
      expect(identity.headers.vary, path).toBe('Accept-Encoding');
      const line = [`${path}: ${identity.body.byteLength} B`];
      for (const coding of ['br', 'gzip'] as const) {
        const coded = await raw(path, { 'accept-encoding': coding });
        expect(coded.status, path).toBe(200);
        expect(coded.headers['content-encoding'], path).toBe(coding);
        expect(coded.headers.vary, path).toBe('Accept-Encoding');
        expect(Number(coded.headers['content-length']), path).toBe(coded.body.byteLength);
        expect(DECODE[coding](coded.body).equals(identity.body), `${path} ${coding}`).toBe(true);
        expect(coded.body.byteLength, path).toBeLessThan(identity.body.byteLength / 2);
        line.push(`${coding} ${coded.body.byteLength} B`);
      }
      sizes.push(line.join(', '));
    }
    // The README's table; `npx vitest run test/integration/compression.test.ts` prints it.
    console.log(sizes.join('\n'));
  });

  it('has an ETag per coding; each is answered 304 only in its own coding, and the 304 has no body', async () => {
    const tags: Record<string, string> = {};
    for (const coding of ['br', 'gzip', 'identity'] as const)
      tags[coding] = String((await raw(SEED_FEED, { 'accept-encoding': coding })).headers.etag);
    expect(new Set(Object.values(tags)).size).toBe(3);
    for (const coding of ['br', 'gzip', 'identity'] as const) {
      const again = await raw(SEED_FEED, { 'accept-encoding': coding, 'if-none-match': tags[coding] });
      expect(again.status, coding).toBe(304);
      expect(again.headers.etag, coding).toBe(tags[coding]);
      expect(again.headers['content-encoding'], coding).toBeUndefined();
      expect(again.body.byteLength, coding).toBe(0);
    }
    // A gzip tag sent by a client that now takes brotli names nothing it would get: the whole body.
    const other = await raw(SEED_FEED, { 'accept-encoding': 'br', 'if-none-match': tags.gzip });
    expect(other.status).toBe(200);
    expect(other.headers['content-encoding']).toBe('br');
  });

  it('answers HEAD with the headers of the compressed GET and no body', async () => {
    const get = await raw(FULL_FEED, { 'accept-encoding': 'br' });
    const head = await raw(FULL_FEED, { 'accept-encoding': 'br' }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBe('br');
    expect(head.headers.etag).toBe(get.headers.etag);
    expect(head.headers['content-length']).toBe(String(get.body.byteLength));
    expect(head.body.byteLength).toBe(0);
  });

  it('does not compress a small answer, a redirect or a picture', async () => {
    const robots = await raw('/robots.txt', { 'accept-encoding': 'br' });
    expect(robots.body.byteLength).toBeLessThan(1000);
    expect(robots.headers['content-encoding']).toBeUndefined();
    const redirect = await raw('/html_News/NewsShare.html?infoCode=NW202201122244036113', { 'accept-encoding': 'br' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers['content-encoding']).toBeUndefined();
  });
});

describe('cross-origin reads', () => {
  it('opens feeds, OPML, robots.txt and sitemaps to every origin, and nothing else', async () => {
    for (const path of [SEED_FEED, '/feed.json', '/category/full.atom', '/feeds.opml', '/robots.txt', '/sitemap.xml'])
      expect((await raw(path, { origin: 'https://reader.example' })).headers['access-control-allow-origin'], path).toBe(
        '*',
      );
    for (const path of ['/', '/category/full.html', '/chengduribao/2022/01/12/000_7402dedd91baa3ec.html', '/s/nothing'])
      expect(
        (await raw(path, { origin: 'https://reader.example' })).headers['access-control-allow-origin'],
        path,
      ).toBeUndefined();
  });
});
