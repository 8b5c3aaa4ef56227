import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';

interface Version {
  id: string;
  body?: Uint8Array;
  /** A delete marker: the key reads as missing while it is the newest version. */
  marker?: boolean;
}

/**
 * A versioned bucket as GetObject sees it, for the ingest handler's unit tests: every PUT adds a
 * version, a plain DELETE adds a delete marker, and deleting a version by id removes it for good
 * (an old one: nothing changes; the newest one or a delete marker: the one below it shows). The
 * latest read answers the newest version, or 404 NoSuchKey when that is a delete marker; a read
 * by id answers that version (S3's errors: NoSuchVersion, 405 for a delete marker).
 */
export class VersionedBucket {
  /** Every GetObject, in order. */
  readonly reads: Array<{ key: string; versionId?: string }> = [];
  /** Bodies whose bytes were actually read (transformToByteArray), by key. */
  readonly bodiesRead: string[] = [];
  private readonly versions = new Map<string, Version[]>();
  private next = 0;

  constructor(initial: Record<string, Record<string, string>> = {}) {
    for (const [key, byId] of Object.entries(initial)) {
      for (const [id, text] of Object.entries(byId)) this.stack(key).push({ id, body: new TextEncoder().encode(text) });
    }
  }

  /** Adds a version; returns its id. */
  put(key: string, body: string | Uint8Array): string {
    const id = `v${++this.next}`;
    this.stack(key).push({ id, body: typeof body === 'string' ? new TextEncoder().encode(body) : body });
    return id;
  }

  /** A DELETE without a version id: adds a delete marker; returns its id. */
  deleteObject(key: string): string {
    const id = `m${++this.next}`;
    this.stack(key).push({ id, marker: true });
    return id;
  }

  /** A DELETE with a version id: that version (or delete marker) is gone for good. */
  deleteVersion(key: string, id: string): void {
    this.versions.set(
      key,
      this.stack(key).filter((version) => version.id !== id),
    );
  }

  readonly s3 = {
    send: async (command: GetObjectCommand | ListObjectsV2Command) => {
      if (command instanceof ListObjectsV2Command) {
        // One page: the keys whose newest version is not a delete marker.
        const contents = [...this.versions.entries()]
          .filter(
            ([key, stack]) => key.startsWith(command.input.Prefix ?? '') && stack.length > 0 && !stack.at(-1)!.marker,
          )
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, stack]) => ({
            Key: key,
            ETag: `"etag-${stack.at(-1)!.id}"`,
            Size: stack.at(-1)!.body!.byteLength,
          }));
        return { Contents: contents, IsTruncated: false };
      }
      if (!(command instanceof GetObjectCommand)) throw new Error(`unexpected command ${command}`);
      const { Key, VersionId } = command.input;
      this.reads.push({ key: Key!, ...(VersionId ? { versionId: VersionId } : {}) });
      const stack = this.stack(Key!);
      const version = VersionId ? stack.find((candidate) => candidate.id === VersionId) : stack.at(-1);
      if (!version && VersionId) throw s3Error('NoSuchVersion', 404);
      if (!version || (version.marker && !VersionId))
        throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      if (version.marker) throw s3Error('MethodNotAllowed', 405);
      const body = version.body!;
      return {
        Body: {
          transformToByteArray: async () => {
            this.bodiesRead.push(Key!);
            return body;
          },
          destroy: () => {},
        },
        ContentLength: body.byteLength,
        ETag: `"etag-${version.id}"`,
        VersionId: version.id,
      };
    },
  } as unknown as S3Client;

  private stack(key: string): Version[] {
    let stack = this.versions.get(key);
    if (!stack) {
      stack = [];
      this.versions.set(key, stack);
    }
    return stack;
  }
}

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode: status } });
}
