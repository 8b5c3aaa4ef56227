import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { HttpResponse } from './http';

/**
 * Compressed answers for clients that reach the function directly (the CDN compresses at the
 * edge too, and caches what the origin compressed as it is). API Gateway HTTP APIs do not
 * compress; Lambda can return the bytes base64-encoded (`isBase64Encoded`).
 */
export type ContentCoding = 'br' | 'gzip';

/** Below this a compressed body saves less than its headers cost; CloudFront's own floor is 1,000 bytes. */
export const MIN_COMPRESSED_BYTES = 1000;

/**
 * Brotli quality 5 and gzip level 6: for text of the size of a feed (tens to hundreds of KB) both
 * take about a millisecond per 100 KB, and quality 5 gives most of brotli's gain over gzip;
 * qualities 9–11 take tens of times longer for a few per cent (`npm run bench`, section b).
 */
const BROTLI_QUALITY = 5;
const GZIP_LEVEL = 6;

/** Types worth compressing: the site's text answers. Pictures and files are already compressed. */
const COMPRESSIBLE = /^(text\/|application\/(?:[\w.+-]*\+)?(?:xml|json)\b|application\/(?:rss|atom)\+xml)/;

export function isCompressible(contentType: string | undefined): boolean {
  return contentType !== undefined && COMPRESSIBLE.test(contentType);
}

/**
 * The coding to answer in, from `Accept-Encoding` (RFC 9110 §12.5.3): `br` when the client accepts
 * it at least as much as gzip, else `gzip`, else none. `q=0` refuses a coding; `*` stands for any
 * coding not named.
 */
export function chooseCoding(acceptEncoding: string | undefined): ContentCoding | undefined {
  if (!acceptEncoding) return undefined;
  const weights = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [rawName, ...params] = part.toLowerCase().split(';');
    const name = rawName.trim();
    if (!name) continue;
    let weight = 1;
    for (const param of params) {
      const [key, value] = param.trim().split('=');
      if (key === 'q') weight = Number(value);
    }
    if (Number.isFinite(weight)) weights.set(name, weight);
  }
  const weightOf = (coding: string) =>
    weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined) ?? weights.get('*') ?? 0;
  const br = weightOf('br');
  const gzip = weightOf('gzip');
  if (br > 0 && br >= gzip) return 'br';
  if (gzip > 0) return 'gzip';
  return undefined;
}

/** The ETag of a body in a coding: distinct per coding, as a cache must not give one for another. */
export function codedEtag(etag: string, coding: ContentCoding): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${coding}"` : `${etag}-${coding}`;
}

/**
 * `If-None-Match` as the read side understands it: a tag the client holds for the chosen coding
 * names the body it was made from (the read side's own tag); a plain tag stays as it is (a body too
 * small or of a type not compressed has one); tags of other codings name nothing here.
 */
export function decodedIfNoneMatch(
  ifNoneMatch: string | undefined,
  coding: ContentCoding | undefined,
): string | undefined {
  if (ifNoneMatch === undefined) return undefined;
  return ifNoneMatch
    .split(',')
    .map((raw) => {
      const tag = raw.trim();
      const coded = /-(br|gzip)"$/.exec(tag);
      if (!coded) return tag;
      return coded[1] === coding ? `${tag.slice(0, -coded[0].length)}"` : '';
    })
    .filter((tag) => tag !== '')
    .join(', ');
}

/**
 * Compressed bodies kept per instance, like the raw ones: a feed polled again and again is
 * compressed once per version. Keyed by the body's ETag (a hash of its bytes, or its feed's
 * version) with the coding; bounded in bytes, oldest first out.
 */
export class CompressedBodies {
  private readonly entries = new Map<string, { bytes: Buffer; base64: string }>();
  private bytes = 0;
  /** How many bodies were compressed (not found): what tests count. */
  compressions = 0;

  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}

  /** The body compressed, as bytes and as the base64 text Lambda returns (both kept: a poll encodes nothing). */
  get(key: string, body: string, coding: ContentCoding): { bytes: Buffer; base64: string } {
    const cacheKey = `${coding}\n${key}`;
    const found = this.entries.get(cacheKey);
    if (found) {
      // Most recently used last.
      this.entries.delete(cacheKey);
      this.entries.set(cacheKey, found);
      return found;
    }
    this.compressions++;
    const raw = Buffer.from(body, 'utf8');
    const compressed =
      coding === 'br'
        ? brotliCompressSync(raw, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
              [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
              [constants.BROTLI_PARAM_SIZE_HINT]: raw.byteLength,
            },
          })
        : gzipSync(raw, { level: GZIP_LEVEL });
    const entry = { bytes: compressed, base64: compressed.toString('base64') };
    // Counted as the bytes and their base64 text (4/3 of them, one byte a character).
    const size = (cost: Buffer) => cost.byteLength + Math.ceil(cost.byteLength / 3) * 4;
    if (size(compressed) <= this.maxBytes) {
      this.entries.set(cacheKey, entry);
      this.bytes += size(compressed);
      for (const [oldest, value] of this.entries) {
        if (this.bytes <= this.maxBytes) break;
        this.entries.delete(oldest);
        this.bytes -= size(value.bytes);
      }
    }
    return entry;
  }
}

/** A response as it leaves: its body either text or bytes (sent base64-encoded by Lambda). */
export interface EncodedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
}

/**
 * The response in the coding chosen for the request. Every compressible answer says
 * `Vary: Accept-Encoding`, compressed or not, so that a shared cache keeps one per coding; a
 * 304 (never compressed: it has no body) carries the ETag of the coding it confirms.
 */
export function encodeResponse(
  response: HttpResponse,
  coding: ContentCoding | undefined,
  bodies: CompressedBodies,
  ifNoneMatch?: string,
): EncodedResponse {
  const headers = { ...response.headers };
  const plain = { status: response.status, headers, body: response.body, isBase64Encoded: false };
  if (response.status === 304) {
    // The tag the client holds: the coded one when it sent that.
    const coded = coding && headers.etag ? codedEtag(headers.etag, coding) : undefined;
    if (coded && ifNoneMatch?.split(',').some((tag) => tag.trim() === coded)) {
      headers.etag = coded;
      headers.vary = 'Accept-Encoding';
    }
    return plain;
  }
  if (!isCompressible(headers['content-type'])) return plain;
  headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : 'Accept-Encoding';
  const compress =
    coding !== undefined &&
    response.status === 200 &&
    headers.etag !== undefined &&
    // A character is at least a byte: only a short text needs counting (a feed's 185 KB would cost
    // a scan per poll).
    (response.body.length >= MIN_COMPRESSED_BYTES || Buffer.byteLength(response.body, 'utf8') >= MIN_COMPRESSED_BYTES);
  if (!compress) return plain;
  const compressed = bodies.get(headers.etag, response.body, coding);
  headers['content-encoding'] = coding;
  headers.etag = codedEtag(headers.etag, coding);
  return { status: response.status, headers, body: compressed.base64, isBase64Encoded: true };
}
