import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { ReadObject } from '../core/ingest';

export interface ListedObject {
  key: string;
  /** ETag without quotes. */
  etag: string;
  size: number;
}

/**
 * Reads posts from the content bucket: the latest object, or the version an event names. The
 * size is checked before the body is read: an object over `maxBytes` comes back without its
 * bytes, its body left unread (a 200 MiB upload would otherwise take 400 MiB of a 512 MB function).
 */
export function s3ObjectReader(s3: S3Client, bucket: string): ReadObject {
  return async (key, versionId, maxBytes = Number.POSITIVE_INFINITY) => {
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
      );
      const described = {
        ...(object.ContentLength !== undefined ? { size: object.ContentLength } : {}),
        ...(object.ETag ? { etag: unquote(object.ETag) } : {}),
        ...(object.LastModified ? { lastModified: object.LastModified.toISOString() } : {}),
      };
      if (object.ContentLength !== undefined && object.ContentLength > maxBytes) {
        // Closes the connection instead of reading the rest.
        (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
        return described;
      }
      const bytes = await object.Body?.transformToByteArray();
      if (!bytes) return undefined;
      return { ...described, bytes };
    } catch (error) {
      // A missing key, or a version expired by a lifecycle rule: the object is gone.
      if (error instanceof NoSuchKey) return undefined;
      if (
        error instanceof S3ServiceException &&
        (error.name === 'NoSuchVersion' || error.$metadata.httpStatusCode === 404)
      )
        return undefined;
      throw error;
    }
  };
}

/** Every object under `prefix`, page by page. */
export async function* listObjects(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<ListedObject> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      if (object.Key) yield { key: object.Key, etag: unquote(object.ETag ?? ''), size: object.Size ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

function unquote(etag: string): string {
  return etag.replace(/"/g, '');
}
