/**
 * Pictures and files published beside posts: which site paths are files, which object key each
 * one is, and the headers it is served with (docs/assets.md).
 *
 * The mapping: the bucket's `posts/` folder is the site's source folder, as a Jekyll site's
 * folder is. A site path whose file name ends in an allowed extension (ASSET_TYPES) is the object
 * at `posts` + that path: `/assets/logo.png` is `posts/assets/logo.png`, and a picture kept beside
 * a post in `posts/news/_posts/` is `/news/_posts/photo.jpg` (ingest resolves a post's relative
 * references to files to that path: functions/core/render-body.ts). No table is read, and nothing
 * outside `posts/` can be named. Any other path is a page.
 */
import { NotFound } from './errors';

export type AssetKind = 'image' | 'audio' | 'video' | 'document';

interface AssetType {
  type: string;
  kind: AssetKind;
  /** Sent as an attachment (downloaded, never shown in the site's origin). */
  attachment?: boolean;
}

/**
 * The only files served. Anything else (`.html`, `.js`, `.css`, `.json`, `.exe`…) is not a file
 * of the site at all: its path is a page path, and no page is there (404). Refusing them, rather
 * than serving them as `application/octet-stream` attachments, keeps the site's origin from
 * handing out whatever was put in the bucket; the deployed function can read only these
 * extensions (infra/stack.ts).
 */
export const ASSET_TYPES: Readonly<Record<string, AssetType>> = {
  png: { type: 'image/png', kind: 'image' },
  jpg: { type: 'image/jpeg', kind: 'image' },
  jpeg: { type: 'image/jpeg', kind: 'image' },
  gif: { type: 'image/gif', kind: 'image' },
  webp: { type: 'image/webp', kind: 'image' },
  avif: { type: 'image/avif', kind: 'image' },
  svg: { type: 'image/svg+xml', kind: 'image' },
  ico: { type: 'image/x-icon', kind: 'image' },
  mp3: { type: 'audio/mpeg', kind: 'audio' },
  m4a: { type: 'audio/mp4', kind: 'audio' },
  aac: { type: 'audio/aac', kind: 'audio' },
  ogg: { type: 'audio/ogg', kind: 'audio' },
  oga: { type: 'audio/ogg', kind: 'audio' },
  opus: { type: 'audio/ogg', kind: 'audio' },
  wav: { type: 'audio/wav', kind: 'audio' },
  flac: { type: 'audio/flac', kind: 'audio' },
  mp4: { type: 'video/mp4', kind: 'video' },
  m4v: { type: 'video/mp4', kind: 'video' },
  webm: { type: 'video/webm', kind: 'video' },
  mov: { type: 'video/quicktime', kind: 'video' },
  pdf: { type: 'application/pdf', kind: 'document' },
  csv: { type: 'text/csv; charset=utf-8', kind: 'document', attachment: true },
  doc: { type: 'application/msword', kind: 'document', attachment: true },
  docx: {
    type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    kind: 'document',
    attachment: true,
  },
  xls: { type: 'application/vnd.ms-excel', kind: 'document', attachment: true },
  xlsx: {
    type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    kind: 'document',
    attachment: true,
  },
  ppt: { type: 'application/vnd.ms-powerpoint', kind: 'document', attachment: true },
  pptx: {
    type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    kind: 'document',
    attachment: true,
  },
  odt: { type: 'application/vnd.oasis.opendocument.text', kind: 'document', attachment: true },
  ods: { type: 'application/vnd.oasis.opendocument.spreadsheet', kind: 'document', attachment: true },
  epub: { type: 'application/epub+zip', kind: 'document', attachment: true },
  zip: { type: 'application/zip', kind: 'document', attachment: true },
};

/** Where files are kept: the site's source folder in the bucket. */
export const ASSET_ROOT = 'posts/';
/** S3's limit on a key's length, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

/**
 * The extension as a name ends, in lower case; only all-lower or all-upper case is a file's
 * (`a.PNG` is, `a.Png` is not), because the deployed function's read permission is granted
 * for exactly those (IAM resource patterns are case-sensitive).
 */
export function assetExtension(name: string): string | undefined {
  const extension = /\.([A-Za-z0-9]{2,5})$/.exec(name)?.[1];
  if (!extension) return undefined;
  if (extension !== extension.toLowerCase() && extension !== extension.toUpperCase()) return undefined;
  const lower = extension.toLowerCase();
  return Object.hasOwn(ASSET_TYPES, lower) ? lower : undefined;
}

/** Whether a site path (decoded) or object key names a file by its extension. */
export function looksLikeAsset(path: string): boolean {
  return assetExtension(path.slice(path.lastIndexOf('/') + 1)) !== undefined;
}

export interface Asset {
  key: string;
  /** The site path (decoded). */
  path: string;
  extension: string;
  type: AssetType;
  /** The name carries a content hash: it never changes, and is cached for a year. */
  immutable: boolean;
}

/**
 * The file a decoded site path names: undefined when the path is not a file's (no allowed
 * extension: a page); NotFound when it names one the site never serves: a segment that is
 * empty, `.` or `..`, starts with `.` (`.git`), or starts with `_` other than `_posts` (drafts,
 * `_config.yml`, `_site`), or holds `\`, `%` or a control character; or a key over S3's limit.
 */
export function assetAt(path: string): Asset | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const extension = assetExtension(name);
  if (extension === undefined) return undefined;
  const segments = path.split('/');
  if (segments[0] !== '') throw new NotFound('no such file');
  for (const segment of segments.slice(1)) {
    if (
      segment === '' ||
      segment.startsWith('.') ||
      (segment.startsWith('_') && segment !== '_posts') ||
      /[\\%\u0000-\u001f\u007f]/.test(segment)
    )
      throw new NotFound('no such file');
  }
  const key = ASSET_ROOT + segments.slice(1).join('/');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new NotFound('no such file');
  return { key, path, extension, type: ASSET_TYPES[extension], immutable: isContentHashed(name) };
}

/** The site path of an object key under `posts/` that is a file the site serves, else undefined. */
export function assetPathOf(key: string): string | undefined {
  if (!key.startsWith(ASSET_ROOT)) return undefined;
  const path = `/${key.slice(ASSET_ROOT.length)}`;
  try {
    return assetAt(path)?.key === key ? path : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A name with a content hash, as build tools write them: `app.3f2a9c1b.png`, `photo-3f2a9c1b7d.jpg`,
 * `logo_0123abcd.svg` (8 or more hex digits, after `.`, `-` or `_`, just before the extension).
 */
export function isContentHashed(name: string): boolean {
  return /[._-][0-9a-f]{8,64}\.[A-Za-z0-9]+$/.test(name);
}

/** A year, for names that never change; ten minutes (then a conditional GET) for the rest. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';
export const ASSET_CACHE = 'public, max-age=600';

/** What an SVG may do when opened on its own: draw, with its inline styles; no script, no loads. */
export const SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * The headers a file is served with, whoever serves it: its type from the allow-list (never the
 * type it was uploaded with), `nosniff`, its cache policy, `attachment` for office documents and
 * archives, and for SVG a policy that keeps it from running script.
 */
export function assetHeaders(asset: Asset): Record<string, string> {
  return {
    'content-type': asset.type.type,
    'x-content-type-options': 'nosniff',
    'cache-control': asset.immutable ? IMMUTABLE_CACHE : ASSET_CACHE,
    ...(asset.type.attachment ? { 'content-disposition': contentDisposition(asset.path) } : {}),
    ...(asset.extension === 'svg' ? { 'content-security-policy': SVG_CSP } : {}),
  };
}

/** `attachment` with the file's name (RFC 6266; RFC 8187 for names that are not ASCII). */
export function contentDisposition(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The deployed answer for a file (until a CDN serves them): 302 to a presigned GET of the object,
 * cacheable for as long as every URL handed out stays valid (see PRESIGN_WINDOW_SECONDS).
 */
export const ASSET_REDIRECT_CACHE_SECONDS = 300;
/** Presigned URLs are signed as of the start of a 5-minute window, so one window hands out one URL (which caches). */
export const PRESIGN_WINDOW_SECONDS = 300;
/** Valid for 15 minutes from the start of the window: at least 10 minutes after any request in it. */
export const PRESIGN_EXPIRES_SECONDS = 900;

/** What the presigned GET makes S3 answer with: the allow-list's type and policy, not the upload's. */
export interface PresignOverrides {
  contentType: string;
  cacheControl: string;
  /**
   * S3 cannot send nosniff or a CSP, so an SVG (which could run script opened on its own at
   * S3's origin) and office documents are attachments there; `<img>` ignores the disposition.
   */
  contentDisposition?: string;
}

export function presignOverrides(asset: Asset): PresignOverrides {
  const headers = assetHeaders(asset);
  return {
    contentType: headers['content-type'],
    cacheControl: headers['cache-control'],
    ...(asset.type.attachment || asset.extension === 'svg'
      ? { contentDisposition: contentDisposition(asset.path) }
      : {}),
  };
}
