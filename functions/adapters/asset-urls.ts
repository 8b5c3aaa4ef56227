import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { ENV } from '../config-names';
import { type Asset, PRESIGN_EXPIRES_SECONDS, PRESIGN_WINDOW_SECONDS, presignOverrides } from '../core/assets';
import type { AssetUrls } from '../core/read';

/**
 * Presigned GETs of the files beside the posts, made with the function's own credentials (its
 * role may read only those: infra/stack.ts). Signed as of the start of the current window, so
 * every request of one window gets the same URL and browsers cache the bytes under it; S3 answers
 * with the allow-list's content type, cache policy and disposition (response-* overrides), not
 * the ones the object was uploaded with.
 *
 * Signed with the SDK's S3 presigner alone, on a request built here: the read function never
 * sends anything to S3, so it does not carry (and load, at every cold start) the S3 client.
 */
export function presignedAssetUrls(
  bucket: string,
  env: Record<string, string | undefined>,
  now: () => number = Date.now,
): AssetUrls {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  // Lambda gives a function its role's credentials in these variables.
  const credentials = async () => ({
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
  });
  const presigner = new S3RequestPresigner({ credentials, region, sha256: Sha256 });
  // An emulator's endpoint (the local stack, the tests) takes the bucket in the path, as s3rver needs.
  const endpoint = env[ENV.s3Endpoint] ? new URL(env[ENV.s3Endpoint]!) : undefined;
  return {
    async url(asset: Asset) {
      const windowMs = PRESIGN_WINDOW_SECONDS * 1000;
      const signingDate = new Date(Math.floor(now() / windowMs) * windowMs);
      const overrides = presignOverrides(asset);
      const key = asset.key.split('/').map(encodeS3).join('/');
      const request = {
        method: 'GET',
        protocol: endpoint?.protocol ?? 'https:',
        hostname: endpoint?.hostname ?? `${bucket}.s3.${region}.amazonaws.com`,
        ...(endpoint?.port ? { port: Number(endpoint.port) } : {}),
        path: endpoint ? `/${encodeS3(bucket)}/${key}` : `/${key}`,
        query: {
          // As the SDK's client names the operation in the URLs it presigns.
          'x-id': 'GetObject',
          'response-content-type': overrides.contentType,
          'response-cache-control': overrides.cacheControl,
          ...(overrides.contentDisposition ? { 'response-content-disposition': overrides.contentDisposition } : {}),
        } as Record<string, string>,
        headers: { host: endpoint?.host ?? `${bucket}.s3.${region}.amazonaws.com` } as Record<string, string>,
      };
      const signed = await presigner.presign(request, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate });
      const query = Object.entries(signed.query ?? {})
        .flatMap(([name, value]) =>
          (Array.isArray(value) ? value : [value]).map((one) => `${encodeS3(name)}=${encodeS3(String(one ?? ''))}`),
        )
        .join('&');
      const port = signed.port ? `:${signed.port}` : '';
      return `${signed.protocol}//${signed.hostname}${port}${signed.path}?${query}`;
    },
  };
}

/** S3's URI encoding of one path segment or query part (RFC 3986 unreserved characters kept). */
function encodeS3(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the SDK's signer takes. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = Sha256.start(secret);
  }
  private static start(secret?: string | ArrayBuffer | ArrayBufferView): Hash | Hmac {
    if (secret === undefined) return createHash('sha256');
    return createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = Sha256.start(this.secret);
  }
}

function toBuffer(data: ArrayBuffer | ArrayBufferView): Buffer {
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}
