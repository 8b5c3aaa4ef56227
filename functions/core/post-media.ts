/**
 * The media a feed item carries: the post's picture (front matter `image:`, else the body's first
 * `<img>`: functions/core/preview.ts) and its audio or video (front matter `audio:` / `video:`, a
 * path or URL, or `{url, type, length}`), which makes the post a podcast episode. Kept on the
 * feed entry as the post gives them; made absolute when a feed is rendered.
 */
import type { Post } from './post';
import { postImageSource } from './preview';

export interface Enclosure {
  /** A site path (decoded) or an absolute URL, as the post gives it. */
  url: string;
  /** MIME type: the one given, else by the file's extension, else `application/octet-stream`. */
  type: string;
  /** Bytes, when the post gives them (front matter `length`, `size` or `size_in_bytes`); unknown otherwise. */
  length?: number;
}

const TYPES: Readonly<Record<string, string>> = {
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  opus: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
};
const MIME = /^[a-z]+\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/i;

/** The MIME type a file's name says, when its extension is a known one. */
export function typeByExtension(url: string): string | undefined {
  const path = url.split(/[?#]/)[0];
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(path)?.[1]?.toLowerCase();
  return extension ? TYPES[extension] : undefined;
}

/** The post's audio, else its video, from its front matter. */
export function postEnclosure(extra: Post['extra']): Enclosure | undefined {
  for (const field of ['audio', 'video'] as const) {
    const value = extra[field];
    const given =
      typeof value === 'string'
        ? { url: value }
        : value && typeof value === 'object'
          ? (value as Record<string, unknown>)
          : undefined;
    const url =
      typeof given?.url === 'string' ? given.url.trim() : typeof given?.path === 'string' ? given.path.trim() : '';
    if (!url) continue;
    const declaredType = [given?.type, given?.mime_type].find(
      (type): type is string => typeof type === 'string' && MIME.test(type.trim()),
    );
    const length = [given?.length, given?.size, given?.size_in_bytes]
      .map(Number)
      .find((bytes) => Number.isSafeInteger(bytes) && bytes > 0);
    return {
      url,
      type: declaredType?.trim().toLowerCase() ?? typeByExtension(url) ?? 'application/octet-stream',
      ...(length ? { length } : {}),
    };
  }
  return undefined;
}

/** The media fields of a post's feed entry; none when it has none (so entries without media are what they always were). */
export function entryMedia(post: Pick<Post, 'extra' | 'html'>): { image?: string; enclosure?: Enclosure } {
  const image = postImageSource(post)?.url;
  const enclosure = postEnclosure(post.extra);
  return { ...(image ? { image } : {}), ...(enclosure ? { enclosure } : {}) };
}
