/**
 * The files of this site a post refers to (functions/core/assets.ts): its pictures, sources,
 * posters and links to files in the body, its `image:`, and its `audio:`/`video:`, as object keys.
 * Ingest records them with the post's published version, so that `npm run errors` can say which
 * are missing from the bucket; `npm run check` compares them with the files it is given.
 */
import { assetAt } from './assets';
import type { Post } from './post';
import { postEnclosure } from './post-media';
import { mapSrcset } from './srcset';

export interface FileReference {
  /** The site path (decoded). */
  path: string;
  key: string;
}

const URL_ATTRIBUTE = /\s(src|href|poster|srcset)="([^"]*)"/gi;

export function referencedFiles(post: Pick<Post, 'html' | 'extra'>): FileReference[] {
  const found = new Map<string, FileReference>();
  const add = (reference: string) => {
    const path = sitePath(reference);
    if (path === undefined) return;
    try {
      const asset = assetAt(path);
      if (asset) found.set(asset.key, { path, key: asset.key });
    } catch {
      // A path the site never serves (a `..`, a draft's folder): nothing to look for.
    }
  };
  for (const [, name, value] of post.html.matchAll(URL_ATTRIBUTE)) {
    const decoded = decodeAttribute(value);
    if (name.toLowerCase() === 'srcset')
      mapSrcset(decoded, (url) => {
        add(url);
        return url;
      });
    else add(decoded);
  }
  const image = post.extra.image;
  const imagePath =
    typeof image === 'string'
      ? image
      : typeof (image as { path?: unknown })?.path === 'string'
        ? (image as { path: string }).path
        : undefined;
  if (imagePath) add(imagePath.trim());
  const enclosure = postEnclosure(post.extra);
  if (enclosure) add(enclosure.url);
  return [...found.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** A root-relative reference's decoded path (query and fragment cut off), else undefined. */
function sitePath(reference: string): string | undefined {
  if (!reference.startsWith('/') || reference.startsWith('//')) return undefined;
  const path = reference.split(/[?#]/)[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

function decodeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
