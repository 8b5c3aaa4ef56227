import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type Asset, PRESIGN_EXPIRES_SECONDS, PRESIGN_WINDOW_SECONDS, presignOverrides } from '../core/assets';
import type { AssetUrls } from '../core/read';

/**
 * Presigned GETs of the files beside the posts, made with the function's own credentials (its
 * role may read only those: infra/stack.ts). Signed as of the start of the current window, so
 * every request of one window gets the same URL and browsers cache the bytes under it; S3 answers
 * with the allow-list's content type, cache policy and disposition (response-* overrides), not
 * the ones the object was uploaded with.
 */
export function presignedAssetUrls(s3: S3Client, bucket: string, now: () => number = Date.now): AssetUrls {
  return {
    url(asset: Asset) {
      const windowMs = PRESIGN_WINDOW_SECONDS * 1000;
      const signingDate = new Date(Math.floor(now() / windowMs) * windowMs);
      const overrides = presignOverrides(asset);
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: asset.key,
        ResponseContentType: overrides.contentType,
        ResponseCacheControl: overrides.cacheControl,
        ...(overrides.contentDisposition ? { ResponseContentDisposition: overrides.contentDisposition } : {}),
      });
      return getSignedUrl(s3, command, { expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate });
    },
  };
}
