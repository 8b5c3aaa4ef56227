import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  CompressedBodies,
  chooseCoding,
  codedEtag,
  decodedIfNoneMatch,
  encodeResponse,
  isCompressible,
} from '../../functions/core/compression';
import type { HttpResponse } from '../../functions/core/http';

const FEED = `<?xml version="1.0"?><rss>${'<item><title>成都地铁新线路今日开通</title></item>'.repeat(200)}</rss>`;

function feed(body = FEED): HttpResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/rss+xml; charset=utf-8', etag: '"v7"', 'cache-control': 'public' },
    body,
  };
}

describe('choosing a content coding from Accept-Encoding', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['gzip, deflate, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0.1', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['identity', undefined],
    ['deflate', undefined],
    ['*', 'br'],
    ['*;q=0, gzip', 'gzip'],
    ['GZIP ; Q=1', 'gzip'],
    ['br;q=abc, gzip', 'gzip'],
  ] as const)('%j gives %j', (header, coding) => {
    expect(chooseCoding(header)).toBe(coding);
  });
});

describe('validators per coding', () => {
  it('gives each coding its own ETag and reads a coded one back as the body it was made from', () => {
    expect(codedEtag('"v7"', 'br')).toBe('"v7-br"');
    expect(codedEtag('"v7"', 'gzip')).toBe('"v7-gzip"');
    expect(decodedIfNoneMatch('"v7-br"', 'br')).toBe('"v7"');
    // A tag of another coding names nothing in this one; a plain tag stays.
    expect(decodedIfNoneMatch('"v7-gzip"', 'br')).toBe('');
    expect(decodedIfNoneMatch('"v7-br"', undefined)).toBe('');
    expect(decodedIfNoneMatch('"v7"', 'br')).toBe('"v7"');
    expect(decodedIfNoneMatch('"a-gzip", "b", "c-br"', 'gzip')).toBe('"a", "b"');
    expect(decodedIfNoneMatch(undefined, 'br')).toBeUndefined();
  });
});

describe('encoding a response', () => {
  it('compresses a feed in the chosen coding: decodable to the very bytes, with Vary and its own ETag', () => {
    for (const [coding, decode] of [
      ['br', brotliDecompressSync],
      ['gzip', gunzipSync],
    ] as const) {
      const encoded = encodeResponse(feed(), coding, new CompressedBodies());
      expect(encoded.isBase64Encoded).toBe(true);
      expect(encoded.headers['content-encoding']).toBe(coding);
      expect(encoded.headers.vary).toBe('Accept-Encoding');
      expect(encoded.headers.etag).toBe(`"v7-${coding}"`);
      const bytes = Buffer.from(encoded.body, 'base64');
      expect(bytes.byteLength).toBeLessThan(Buffer.byteLength(FEED) / 5);
      expect(decode(bytes).toString('utf8')).toBe(FEED);
    }
  });

  it('leaves the body as it is, but says Vary, without a coding the client accepts', () => {
    const encoded = encodeResponse(feed(), undefined, new CompressedBodies());
    expect(encoded).toEqual({
      ...feed(),
      headers: { ...feed().headers, vary: 'Accept-Encoding' },
      isBase64Encoded: false,
    });
  });

  it('does not compress small bodies, pictures, errors or redirects', () => {
    const bodies = new CompressedBodies();
    expect(encodeResponse(feed('<rss/>'), 'br', bodies).isBase64Encoded).toBe(false);
    const png = { status: 200, headers: { 'content-type': 'image/png', etag: '"p"' }, body: 'x'.repeat(5000) };
    expect(encodeResponse(png, 'br', bodies)).toEqual({ ...png, isBase64Encoded: false });
    const notFound = { ...feed(), status: 404 };
    expect(encodeResponse(notFound, 'br', bodies).isBase64Encoded).toBe(false);
    expect(bodies.compressions).toBe(0);
  });

  it('compresses a body once per coding, however often it is asked for', () => {
    const bodies = new CompressedBodies();
    for (let poll = 0; poll < 5; poll++) {
      encodeResponse(feed(), 'br', bodies);
      encodeResponse(feed(), 'gzip', bodies);
    }
    expect(bodies.compressions).toBe(2);
    // A new version is a new body.
    encodeResponse({ ...feed(`${FEED} `), headers: { ...feed().headers, etag: '"v8"' } }, 'br', bodies);
    expect(bodies.compressions).toBe(3);
  });

  it('keeps at most its byte budget, dropping the least recently used', () => {
    const bodies = new CompressedBodies(200);
    const distinct = (n: number) =>
      Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919 + n * 104729) % 20000))).join('');
    bodies.get('"a"', distinct(1), 'gzip');
    bodies.get('"b"', distinct(2), 'gzip');
    expect(bodies.compressions).toBe(2);
    // Each is far more than 200 bytes compressed: none is kept, so each is compressed again.
    bodies.get('"a"', distinct(1), 'gzip');
    expect(bodies.compressions).toBe(3);
    const roomy = new CompressedBodies(1_000_000);
    roomy.get('"a"', distinct(1), 'gzip');
    roomy.get('"a"', distinct(1), 'gzip');
    expect(roomy.compressions).toBe(1);
  });

  it('answers a 304 with the ETag of the coding the client holds, and never a body', () => {
    const notModified: HttpResponse = { status: 304, headers: { etag: '"v7"', 'cache-control': 'public' }, body: '' };
    const bodies = new CompressedBodies();
    const coded = encodeResponse(notModified, 'br', bodies, '"v7-br"');
    expect(coded).toEqual({
      status: 304,
      headers: { etag: '"v7-br"', 'cache-control': 'public', vary: 'Accept-Encoding' },
      body: '',
      isBase64Encoded: false,
    });
    // The client held the plain body (too small to compress when it got it): its own tag back.
    expect(encodeResponse(notModified, 'br', bodies, '"v7"').headers.etag).toBe('"v7"');
    expect(bodies.compressions).toBe(0);
  });

  it('knows which types are text', () => {
    for (const type of [
      'text/html; charset=utf-8',
      'application/rss+xml; charset=utf-8',
      'application/atom+xml',
      'application/feed+json',
      'application/json',
      'application/xml',
      'text/x-opml',
      'text/plain',
    ])
      expect(isCompressible(type), type).toBe(true);
    for (const type of ['image/png', 'audio/mpeg', 'application/pdf', 'application/octet-stream', undefined])
      expect(isCompressible(type), String(type)).toBe(false);
  });
});
