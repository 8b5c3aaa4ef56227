import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { type Asset, assetHeaders } from '../../functions/core/assets';

/**
 * Serves a picture or file beside the posts from the local bucket, as a CDN in front of the
 * bucket would (deployed, the read function answers 302 to a presigned GET instead; docs/assets.md):
 * streamed (a video is never held in memory), with the allow-list's headers
 * (functions/core/assets.ts), the object's ETag (a matching If-None-Match is a 304), and byte
 * ranges (206) for audio and video players. False when there is no such object.
 */
export type LocalFiles = (asset: Asset, request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

export function bucketFiles(s3: S3Client, bucket: string): LocalFiles {
  return async (asset, request, response) => {
    const range = request.headers.range;
    let object: {
      ETag?: string;
      ContentLength?: number;
      LastModified?: Date;
      ContentRange?: string;
      Body?: unknown;
    };
    try {
      object =
        request.method === 'HEAD'
          ? await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: asset.key }))
          : await s3.send(new GetObjectCommand({ Bucket: bucket, Key: asset.key, ...(range ? { Range: range } : {}) }));
    } catch (error) {
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 416) {
        response.writeHead(416, { 'content-range': 'bytes */*', 'content-length': 0 });
        response.end();
        return true;
      }
      throw error;
    }
    const body = object.Body as Readable | undefined;
    const headers: Record<string, string | number> = {
      ...assetHeaders(asset),
      'accept-ranges': 'bytes',
      ...(object.ETag ? { etag: object.ETag } : {}),
      ...(object.LastModified ? { 'last-modified': object.LastModified.toUTCString() } : {}),
    };
    if (object.ETag && matches(request.headers['if-none-match'], object.ETag)) {
      body?.destroy();
      response.writeHead(304, {
        etag: object.ETag,
        'cache-control': assetHeaders(asset)['cache-control'],
        'x-content-type-options': 'nosniff',
      });
      response.end();
      return true;
    }
    if (object.ContentLength !== undefined) headers['content-length'] = object.ContentLength;
    const partial = Boolean(range && object.ContentRange);
    if (partial) headers['content-range'] = object.ContentRange!;
    response.writeHead(partial ? 206 : 200, headers);
    if (!body) {
      response.end();
      return true;
    }
    await pipeline(body, response);
    return true;
  };
}

/** If-None-Match (weak comparison, as RFC 9110 says for it): any listed tag, or `*`. */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}
