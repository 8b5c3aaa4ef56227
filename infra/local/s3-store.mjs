// s3rver's filesystem store, with what it gets wrong replaced: the local S3 keeps its objects in
// files under DATA_DIR/s3, and this is the code that lists them.
//
// s3rver listed keys in the order of their file names, not S3's: `a-b._S3rver_object` sorts
// before `a._S3rver_object`, a folder `2022/` before `2022-01-01.md`, so a page could end on a
// key that S3 puts later and the next page (which starts after it) skipped keys.
//
// Why a subclass of s3rver's store, in our code: s3rver takes its store as one object
// (`s3rver.store`, which every request reaches through), so replacing the methods that touch files
// fixes them where they happen, and leaves the protocol (XML, signatures, events) to s3rver.
// A patch of node_modules/s3rver would carry the same code as a diff that is harder to read and
// test; the maintained fork (@20minutes/s3rver) lists files exactly as s3rver does. The one
// fix outside the store, ListObjectsV2's continuation tokens, is a patch (patches/).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';
import S3Object from 's3rver/lib/models/object.js';

const OBJECT = '._S3rver_object';
const UPLOADS = '._S3rver_uploads';

/** S3 lists keys in the binary order of their UTF-8 bytes. */
function s3Order(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class LocalS3Store extends FilesystemStore {
  /** s3rver's listing, in S3's key order (s3rver followed file names, which sort differently), of objects that are there. */
  async listObjects(bucket, { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity }) {
    const objects = [];
    const commonPrefixes = new Set();
    const keys = this.#keysInOrder(this.getBucketPath(bucket), '', { startAfter, prefix });
    const readMetadata = (key) =>
      this.getMetadata(bucket, key).catch((error) => {
        if (error.code !== 'ENOENT') throw error;
      });
    // Metadata is read a page at a time, in parallel; keys without it are left out and more are read.
    for (let exhausted = false; !exhausted; ) {
      const batch = [];
      while (batch.length <= maxKeys - objects.length) {
        const next = await keys.next();
        if (next.done) {
          exhausted = true;
          break;
        }
        const cut = delimiter ? next.value.indexOf(delimiter, prefix.length) : -1;
        if (cut !== -1) commonPrefixes.add(next.value.slice(0, cut + delimiter.length));
        else batch.push(next.value);
      }
      const metadata = await Promise.all(batch.map(readMetadata));
      for (const [index, key] of batch.entries()) {
        if (!metadata[index]) continue;
        if (objects.length === maxKeys) {
          await keys.return();
          return { objects, commonPrefixes: [...commonPrefixes].sort(s3Order), isTruncated: true };
        }
        objects.push(new S3Object(bucket, key, null, metadata[index]));
      }
    }
    return { objects, commonPrefixes: [...commonPrefixes].sort(s3Order), isTruncated: false };
  }

  /** Keys with an object file under `folder` (whose keys begin with `base`), after startAfter and under prefix, in S3's order. */
  async *#keysInOrder(folder, base, bounds) {
    const entries = await readdir(folder, { withFileTypes: true }).catch((error) => {
      if (error.code === 'ENOENT') return []; // a folder removed while listing
      throw error;
    });
    // A folder `d` holds the keys that begin `d/`, which sort right after `d/` itself among its siblings.
    const children = [];
    for (const entry of entries) {
      if (entry.isDirectory() && !(base === '' && entry.name === UPLOADS)) {
        children.push({ key: `${base}${FilesystemStore.decodeKeyPath(entry.name)}/`, folder: join(folder, entry.name) });
      } else if (entry.isFile() && entry.name.endsWith(OBJECT)) {
        children.push({ key: base + FilesystemStore.decodeKeyPath(entry.name.slice(0, -OBJECT.length)) });
      }
    }
    for (const child of children) child.bytes = Buffer.from(child.key);
    children.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
    for (const child of children) {
      const afterStart = s3Order(child.key, bounds.startAfter) > 0;
      if (child.folder) {
        const mayHoldPrefix = child.key.startsWith(bounds.prefix) || bounds.prefix.startsWith(child.key);
        if (mayHoldPrefix && (afterStart || bounds.startAfter.startsWith(child.key))) yield* this.#keysInOrder(child.folder, child.key, bounds);
      } else if (afterStart && child.key.startsWith(bounds.prefix)) {
        yield child.key;
      }
    }
  }
}
