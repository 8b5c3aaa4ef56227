// s3rver's filesystem store, with what it gets wrong replaced: the local S3 keeps its objects in
// files under DATA_DIR/s3, and this is the code that writes, reads, lists and deletes them.
//
// What s3rver got wrong:
// - It wrote into the final files and answered before the bytes were written: after kill -9 an
//   answered upload could come back empty or torn, and a half-written metadata file made every
//   later listing fail.
// - It listed keys in the order of their file names, not S3's: `a-b._S3rver_object` sorts before
//   `a._S3rver_object`, a folder `2022/` before `2022-01-01.md`, so a page could end on a key that
//   S3 puts later and the next page (which starts after it) skipped keys.
// - A key too long for a file name failed in a write stream nobody listened to, which ended its
//   thread; a `..` part in a key wrote outside the bucket.
//
// Why a subclass of s3rver's store, in our code: s3rver takes its store as one object
// (`s3rver.store`, which every request reaches through), so replacing the methods that touch files
// fixes these where they happen, and leaves the protocol (XML, signatures, events) to s3rver.
// A patch of node_modules/s3rver would carry the same code as a diff that is harder to read and
// test; the maintained fork (@20minutes/s3rver) handles files exactly as s3rver does. The one
// fix outside the store, ListObjectsV2's continuation tokens, is a patch (patches/).
//
// Files of a key `a/b/c` in bucket `content`: `content/a/b/c._S3rver_object` (the bytes) and
// `c._S3rver_metadata.json` (headers and ETag), as s3rver lays them out, so existing data stays
// readable. Rules:
// - A write goes to temp files beside the final ones (`<final name>.<write id>.tmp`), synced;
//   then the object is renamed into place, then the metadata, and the folder is synced, all
//   before the upload is answered and its event emitted.
// - An object counts once its metadata is in place and whole; until then it is not there.
// - The object's rename is the commit: recover() completes a write whose process died between
//   the two renames (its metadata temp file is whole by then) and sets everything else aside.
// - Commits and reads of one key take turns, so no reader sees an object with another's metadata.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import S3Error from 's3rver/lib/models/error.js';
import S3Object from 's3rver/lib/models/object.js';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

const OBJECT = '._S3rver_object';
const METADATA = '._S3rver_metadata.json';
const RESOURCE = '._S3rver_';
const UPLOADS = '._S3rver_uploads';
const TEMP = /^(.+)\.([0-9a-f]{12})\.tmp$/;
/** Bytes in a file or folder name on Linux and macOS file systems. */
const NAME_MAX = 255;
/** The most our file names add to the last part of a key: a metadata temp file. */
const NAME_ADDED = Buffer.byteLength(`${METADATA}.${'0'.repeat(12)}.tmp`);
const KEY_MAX = 1024;

/** S3 lists keys in the binary order of their UTF-8 bytes. */
function s3Order(a, b) {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Refuses, with S3's error for it, a key whose files this store cannot name: longer than S3
 * allows, a part between slashes longer than a file name can be, or a folder part that is empty,
 * `.` or `..`, which the file system would resolve to another key's files (or outside the bucket).
 */
export function refuseUnstorableKey(key) {
  const keyBytes = Buffer.byteLength(key);
  if (keyBytes > KEY_MAX) {
    throw new S3Error('KeyTooLongError', `Your key is too long: ${keyBytes} bytes, where S3 allows ${KEY_MAX}.`, {
      Size: keyBytes,
      MaxSizeAllowed: KEY_MAX,
    });
  }
  const parts = key.split('/');
  const last = parts.pop();
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') {
      throw new S3Error(
        'InvalidArgument',
        `The local S3 cannot store this key: it keeps keys as files, and a folder part that is empty, "." or ".." would name another key's files.`,
        { ArgumentName: 'key', ArgumentValue: key },
      );
    }
    const bytes = Buffer.byteLength(part);
    if (bytes > NAME_MAX) throw tooLongForFiles(bytes, NAME_MAX, 'a part of it before a slash');
  }
  const lastBytes = Buffer.byteLength(last);
  if (lastBytes > NAME_MAX - NAME_ADDED)
    throw tooLongForFiles(lastBytes, NAME_MAX - NAME_ADDED, 'its part after the last slash');
}

function tooLongForFiles(bytes, limit, which) {
  return new S3Error(
    'KeyTooLongError',
    `Your key is too long for the local S3: it stores keys as files, and file names have at most ${NAME_MAX} bytes, ` +
      `so ${which} can have at most ${limit} bytes (this one has ${bytes}). S3 itself allows keys of up to ${KEY_MAX} bytes.`,
    { Size: bytes, MaxSizeAllowed: limit },
  );
}

function notThere(path) {
  return Object.assign(new Error(`${path} is not there`), { code: 'ENOENT' });
}

/** Turns "cannot exist as a file" into ENOENT, which s3rver's callers read as "no such key". */
function rethrowMissing(error) {
  if (['ENOENT', 'ENOTDIR', 'ENAMETOOLONG'].includes(error.code)) throw Object.assign(error, { code: 'ENOENT' });
  throw error;
}

async function unlinkIfPresent(path) {
  await unlink(path).catch((error) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

const tempPath = (path, id) => `${path}.${id}.tmp`;

/** Writes content (bytes or a stream) to a new temp file for `path` and syncs it; its size and MD5. */
async function writeTemp(path, id, content) {
  const file = await open(tempPath(path, id), 'wx');
  const md5 = createHash('md5');
  let size = 0;
  try {
    const chunks = Buffer.isBuffer(content) || typeof content === 'string' ? [Buffer.from(content)] : content;
    for await (const chunk of chunks) {
      md5.update(chunk);
      size += chunk.length;
      await file.write(chunk);
    }
    await file.sync();
  } catch (error) {
    await file.close();
    await unlinkIfPresent(tempPath(path, id));
    throw error;
  }
  await file.close();
  return { size, md5: md5.digest('hex') };
}

/** Makes renames and unlinks in a folder survive a crash of the machine, not only of the process. */
async function syncFolder(path) {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

/** Makes a folder and its missing parents; a new folder's name is an entry in its parent, synced too. */
async function makeFolder(path) {
  const first = await mkdir(path, { recursive: true });
  for (let folder = path; first && folder !== dirname(first); folder = dirname(folder))
    await syncFolder(dirname(folder));
}

/** Writes a whole file in one step: temp file, sync, rename, sync the folder. */
async function replaceFile(path, content) {
  const id = randomBytes(6).toString('hex');
  await writeTemp(path, id, content);
  await rename(tempPath(path, id), path);
  await syncFolder(dirname(path));
}

/** The metadata a file holds, or why it is not usable. */
function parseMetadata(bytes) {
  if (bytes.length === 0) return { problem: 'metadata is empty (0 bytes)' };
  try {
    const value = JSON.parse(bytes.toString('utf8'));
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { metadata: value };
  } catch {
    // reported below
  }
  return { problem: `metadata is not valid JSON (${bytes.length} bytes)` };
}

/** The headers s3rver keeps with an object (its own list and x-amz-meta-*). */
function storedHeaders(headers) {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-'),
    ),
  );
}

export class LocalS3Store extends FilesystemStore {
  /** Per key, the end of the last commit or read queued on it. */
  #turns = new Map();

  /** Runs `task` once every commit and read of this key queued before it has finished. */
  async #inTurn(bucket, key, task) {
    const id = `${bucket}/${key}`;
    const previous = this.#turns.get(id) ?? Promise.resolve();
    const run = previous.then(task);
    const done = run.catch(() => {});
    this.#turns.set(id, done);
    try {
      return await run;
    } finally {
      if (this.#turns.get(id) === done) this.#turns.delete(id);
    }
  }

  async #write(bucket, key, content, headers) {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const id = randomBytes(6).toString('hex');
    let committed = false;
    try {
      await makeFolder(dirname(objectPath));
      const { size, md5 } = await writeTemp(objectPath, id, content);
      // The ETag goes in the metadata, so the two files say everything (s3rver kept a third).
      await writeTemp(
        metadataPath,
        id,
        JSON.stringify({ ...storedHeaders(headers), etag: JSON.stringify(md5) }, null, 2),
      );
      await this.#inTurn(bucket, key, async () => {
        await rename(tempPath(objectPath, id), objectPath);
        committed = true;
        await rename(tempPath(metadataPath, id), metadataPath);
        await unlinkIfPresent(`${objectPath}.md5`);
        await syncFolder(dirname(objectPath));
      });
      return { size, md5 };
    } catch (error) {
      // Before the commit the temp files are dropped; after it, recover() finishes the write.
      if (!committed)
        await Promise.all([
          unlinkIfPresent(tempPath(objectPath, id)),
          unlinkIfPresent(tempPath(metadataPath, id)),
        ]).catch(() => {});
      if (error.code === 'ENAMETOOLONG') {
        throw new S3Error(
          'KeyTooLongError',
          `Your key is too long for the local S3: the file system here refused a file name this long. S3 itself allows keys of up to ${KEY_MAX} bytes.`,
        );
      }
      throw error;
    }
  }

  async putObject(object) {
    refuseUnstorableKey(object.key);
    return this.#write(object.bucket, object.key, object.content, object.metadata);
  }

  async copyObject(srcBucket, srcKey, destBucket, destKey, replacementMetadata) {
    refuseUnstorableKey(destKey);
    const source = await this.getObject(srcBucket, srcKey);
    if (!source) throw new S3Error('NoSuchKey', 'The specified key does not exist.', { Key: srcKey });
    await this.#write(destBucket, destKey, source.content, replacementMetadata ?? source.metadata);
    return this.#inTurn(destBucket, destKey, () => this.getMetadata(destBucket, destKey));
  }

  /** The object's metadata, as s3rver's store gives it; ENOENT unless the object is there with whole metadata. */
  async getMetadata(bucket, key) {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const { metadata } = parseMetadata(await readFile(metadataPath).catch(rethrowMissing));
    if (!metadata) throw notThere(metadataPath);
    const stats = await stat(objectPath).catch(rethrowMissing);
    return {
      ...metadata,
      etag: metadata.etag ?? JSON.stringify(await this.#legacyMd5(objectPath)),
      'last-modified': stats.mtime.toUTCString(),
      'content-length': stats.size,
    };
  }

  /** Objects written by s3rver itself keep their MD5 in a file of its own, or in none. */
  async #legacyMd5(objectPath) {
    try {
      return (await readFile(`${objectPath}.md5`, 'utf8')).trim();
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
      const md5 = createHash('md5');
      for await (const chunk of createReadStream(objectPath)) md5.update(chunk);
      return md5.digest('hex');
    }
  }

  async getObject(bucket, key, options) {
    // In turn until the object's file is open: its bytes are then those its metadata describes.
    return this.#inTurn(bucket, key, () => super.getObject(bucket, key, options));
  }

  async existsObject(bucket, key) {
    return this.#inTurn(bucket, key, () =>
      this.getMetadata(bucket, key).then(
        () => true,
        (error) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      ),
    );
  }

  async deleteObject(bucket, key) {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await this.#inTurn(bucket, key, async () => {
      // Metadata first: from then on the object is not there, whatever else happens.
      for (const resource of ['metadata.json', 'object', 'object.md5', 'tagging.xml']) {
        await unlinkIfPresent(this.getResourcePath(bucket, key, resource));
      }
      await syncFolder(dirname(objectPath));
    });
    // Empty folders stay: removing one would race with an upload into it.
  }

  async putSubresource(bucket, key, resource) {
    await replaceFile(this.getResourcePath(bucket, key, `${resource.type}.xml`), resource.toXML(2));
  }

  async initiateUpload(bucket, key, uploadId, metadata) {
    refuseUnstorableKey(key);
    const uploadDir = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    await makeFolder(uploadDir);
    await replaceFile(join(uploadDir, 'key'), key);
    await replaceFile(join(uploadDir, 'metadata'), JSON.stringify(metadata));
  }

  async putPart(bucket, uploadId, partNumber, content) {
    const partPath = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await makeFolder(dirname(partPath));
    const id = randomBytes(6).toString('hex');
    const { size, md5 } = await writeTemp(partPath, id, content);
    await rename(tempPath(partPath, id), partPath);
    await replaceFile(`${partPath}.md5`, md5);
    return { size, md5 };
  }

  /** s3rver's listing, in S3's key order (s3rver followed file names, which sort differently), of objects that are there. */
  async listObjects(bucket, { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity }) {
    const objects = [];
    const commonPrefixes = new Set();
    const keys = this.#keysInOrder(this.getBucketPath(bucket), '', { startAfter, prefix });
    const readMetadata = (key) =>
      this.#inTurn(bucket, key, () => this.getMetadata(bucket, key)).catch((error) => {
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
        children.push({
          key: `${base}${FilesystemStore.decodeKeyPath(entry.name)}/`,
          folder: join(folder, entry.name),
        });
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
        if (mayHoldPrefix && (afterStart || bounds.startAfter.startsWith(child.key)))
          yield* this.#keysInOrder(child.folder, child.key, bounds);
      } else if (afterStart && child.key.startsWith(bounds.prefix)) {
        yield child.key;
      }
    }
  }

  /**
   * Run before serving: completes writes that had committed when the process died, and moves
   * whatever else an interrupted write (or s3rver before this store) left unfinished or damaged
   * into `damagedDirectory`/<time>/, under the same path, never deleting it. Returns what was
   * set aside, by key, with the reason; a problem with one key never stops the others.
   */
  async recover(damagedDirectory) {
    const setAside = [];
    const aside = join(damagedDirectory, new Date().toISOString().replace(/[:.]/g, '-'));
    const buckets = await readdir(this.rootDirectory, { withFileTypes: true }).catch(() => []);
    for (const bucket of buckets.filter((entry) => entry.isDirectory())) {
      await this.#recoverFolder(bucket.name, join(this.rootDirectory, bucket.name), '', aside, setAside);
    }
    return setAside;
  }

  async #recoverFolder(bucket, folder, base, aside, setAside) {
    const report = async (name, files, reason) => {
      const key = base + FilesystemStore.decodeKeyPath(name);
      const moved = [];
      try {
        for (const file of files) {
          const to = join(aside, relative(this.rootDirectory, join(folder, file)));
          await mkdir(dirname(to), { recursive: true });
          await rename(join(folder, file), to);
          moved.push(to);
        }
        setAside.push({ bucket, key, reason, files: moved });
      } catch (error) {
        setAside.push({ bucket, key, reason: `${reason}; could not be moved aside: ${error.message}`, files: moved });
      }
    };
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      setAside.push({
        bucket,
        key: base,
        reason: `folder could not be read, left in place: ${error.message}`,
        files: [],
      });
      return;
    }
    const files = new Set(entries.filter((entry) => entry.isFile()).map((entry) => entry.name));

    // Temp files, by write: complete a write whose object was renamed into place, set the rest aside.
    const writes = new Map();
    for (const name of files) {
      const match = TEMP.exec(name);
      if (match) writes.set(match[2], [...(writes.get(match[2]) ?? []), { temp: name, final: match[1] }]);
    }
    for (const temps of writes.values()) {
      for (const { temp } of temps) files.delete(temp);
      const { final } = temps[0];
      const name = final.includes(RESOURCE) ? final.slice(0, final.lastIndexOf(RESOURCE)) : final;
      try {
        // Only the metadata's temp file left, beside an object: the object's rename had committed the write.
        const [only] = temps;
        const committed =
          temps.length === 1 &&
          only.final === name + METADATA &&
          files.has(name + OBJECT) &&
          parseMetadata(await readFile(join(folder, only.temp))).metadata;
        if (committed) {
          await rename(join(folder, only.temp), join(folder, only.final));
          await syncFolder(folder);
          files.add(only.final);
        } else {
          await report(
            name,
            temps.map(({ temp }) => temp),
            'an upload cut short before it was answered (its temp files)',
          );
        }
      } catch (error) {
        setAside.push({
          bucket,
          key: base + name,
          reason: `could not be checked, left in place: ${error.message}`,
          files: [],
        });
      }
    }

    // Each key's files: an object with whole metadata is fine; anything else is set aside.
    const keys = new Map();
    for (const name of files) {
      const at = name.lastIndexOf(RESOURCE);
      if (at === -1 || (base === '' && at === 0)) continue; // not an object's file; the bucket's own settings
      keys.set(name.slice(0, at), [...(keys.get(name.slice(0, at)) ?? []), name]);
    }
    const problemOf = async (name, names) => {
      const hasObject = names.includes(name + OBJECT);
      if (!names.includes(name + METADATA))
        return hasObject
          ? 'object without metadata: an upload (or a delete) cut short'
          : 'files left without an object';
      const { problem } = parseMetadata(await readFile(join(folder, name + METADATA)));
      return problem ?? (hasObject ? undefined : 'metadata without its object');
    };
    const check = ([name, names]) =>
      problemOf(name, names).then(
        (problem) => ({ name, names, problem, move: true }),
        (error) => ({ name, names, problem: `could not be checked, left in place: ${error.message}`, move: false }),
      );
    const all = [...keys];
    for (let start = 0; start < all.length; start += 64) {
      // 64 keys' metadata read at once: every start reads all of it.
      for (const { name, names, problem, move } of await Promise.all(all.slice(start, start + 64).map(check))) {
        if (problem && move) await report(name, names, problem);
        else if (problem) setAside.push({ bucket, key: base + name, reason: problem, files: [] });
      }
    }

    for (const entry of entries) {
      if (entry.isDirectory() && !(base === '' && entry.name === UPLOADS)) {
        await this.#recoverFolder(
          bucket,
          join(folder, entry.name),
          `${base}${FilesystemStore.decodeKeyPath(entry.name)}/`,
          aside,
          setAside,
        );
      }
    }
  }
}
