import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { POSTS_PREFIX } from '../../functions/config-names';
import { ASSET_TYPES, assetExtension, looksLikeAsset } from '../../functions/core/assets';

export interface SyncSummary {
  uploaded: string[];
  unchanged: string[];
  deleted: string[];
}

/**
 * Mirrors `content/posts/**` into the bucket under `posts/`: uploads new and changed files
 * (compared by MD5 with the object's ETag) and deletes objects that an earlier sync
 * uploaded from files since removed. Objects uploaded by other clients are never touched:
 * the manifest remembers which keys came from content/.
 */
export async function syncContent(options: {
  s3: S3Client;
  bucket: string;
  contentDir: string;
  manifestFile: string;
}): Promise<SyncSummary> {
  const { s3, bucket, contentDir, manifestFile } = options;
  const postsDir = join(contentDir, 'posts');
  const files = await listFiles(postsDir);
  const existing = await listETags(s3, bucket);
  const previous = await readManifest(manifestFile);
  const summary: SyncSummary = { uploaded: [], unchanged: [], deleted: [] };

  const keys = new Set<string>();
  for (const file of files) {
    const key = postKeyOf(postsDir, file);
    keys.add(key);
    // Pictures and files beside the posts are streamed: a video is never held in memory whole.
    const md5 = looksLikeAsset(key) ? await md5OfFile(file) : md5Hex(await readFile(file));
    if (existing.get(key) === md5) {
      summary.unchanged.push(key);
      continue;
    }
    await putFile(s3, bucket, key, file);
    summary.uploaded.push(key);
  }
  for (const key of previous) {
    if (keys.has(key) || !existing.has(key)) continue;
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    summary.deleted.push(key);
  }
  await writeFile(manifestFile, `${JSON.stringify([...keys].sort(), null, 2)}\n`);
  return summary;
}

/** Every file under `dir`, recursively, sorted; dotfiles and dot-folders (`.git/`, `.DS_Store`) skipped. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .map((entry) => ({ entry, path: join(entry.parentPath, entry.name) }))
    .filter(
      ({ entry, path }) =>
        entry.isFile() &&
        !relative(dir, path)
          .split(sep)
          .some((part) => part.startsWith('.')),
    )
    .map(({ path }) => path)
    .sort();
}

/** The object key a file under `dir` is published at: `posts/` and its path relative to `dir`. */
export function postKeyOf(dir: string, file: string): string {
  return POSTS_PREFIX + relative(dir, file).split(sep).join('/');
}

export function md5Hex(body: Uint8Array): string {
  return createHash('md5').update(body).digest('hex');
}

/** ETag (unquoted) of every object under `posts/`. */
export async function listETags(s3: S3Client, bucket: string): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: POSTS_PREFIX, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      if (object.Key && object.ETag) etags.set(object.Key, object.ETag.replace(/"/g, ''));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return etags;
}

async function readManifest(file: string): Promise<string[]> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as string[];
  } catch {
    return [];
  }
}

/** MD5 (hex) of a file, read as a stream. */
export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** How long an upload may wait for the store's answer, plus 100 ms per MiB of the file. */
const UPLOAD_TIMEOUT_MS = 10_000;

/** Puts a file at `key`, streamed from disk with its length (the SDK needs it for a stream). */
export async function putFile(s3: S3Client, bucket: string, key: string, path: string): Promise<string | undefined> {
  const { size } = await stat(path);
  const answer = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: createReadStream(path),
      ContentLength: size,
      ContentType: contentTypeOf(key),
    }),
    // The clients' 2 s without an answer is for small reads and writes; the store answers a large
    // upload only once it has taken it all (s3rver: several seconds for 256 MiB).
    { requestTimeout: UPLOAD_TIMEOUT_MS + Math.ceil(size / 2 ** 20) * 100 },
  );
  return answer.ETag?.replace(/"/g, '');
}

export function contentTypeOf(key: string): string {
  const extension = assetExtension(key.slice(key.lastIndexOf('/') + 1));
  if (extension && looksLikeAsset(key)) return ASSET_TYPES[extension].type;
  if (/\.html?$/i.test(key)) return 'text/html; charset=utf-8';
  if (/\.(md|markdown)$/i.test(key)) return 'text/markdown; charset=utf-8';
  return 'text/plain; charset=utf-8';
}
