/**
 * Makes every URL in an HTML fragment absolute, so a feed reader (which shows the fragment
 * out of the page it came from) and the `feed` package (which throws on relative URLs)
 * never see a relative one.
 */

import { mapSrcset } from '../srcset';
import { decodeHtmlEntities } from './text';

/** Attributes whose whole value is one URL. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'poster', 'cite', 'background', 'longdesc', 'action', 'formaction']);

// A start tag, with attributes quoted either way or unquoted.
const START_TAG = /<[a-zA-Z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*\/?>/g;
// One attribute inside a start tag (the leading whitespace keeps it from matching the tag name).
const ATTRIBUTE = /(\s)([^\s"'>/=]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/g;
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;

/**
 * Rewrites relative `href`/`src` (and other URL attributes, and `srcset`) in `html` against
 * `baseUrl` (the post's absolute URL). Protocol-relative `//host/x` becomes `https://host/x`.
 * Absolute URLs of any scheme, empty values and values that cannot be resolved stay as written.
 */
export function absolutizeHtmlUrls(html: string, baseUrl: string): string {
  return html.replace(START_TAG, (tag) =>
    tag.replace(
      ATTRIBUTE,
      (whole, space: string, name: string, equals: string, dq?: string, sq?: string, bare?: string) => {
        const attribute = name.toLowerCase();
        const isSrcset = attribute === 'srcset';
        if (!isSrcset && !URL_ATTRIBUTES.has(attribute)) return whole;
        const quote = sq !== undefined ? "'" : '"';
        const raw = dq ?? sq ?? bare ?? '';
        const value = decodeHtmlEntities(raw);
        const resolved = isSrcset ? mapSrcset(value, (url) => resolveUrl(url, baseUrl)) : resolveUrl(value, baseUrl);
        if (resolved === value) return whole;
        return `${space}${name}${equals}${quote}${escapeAttribute(resolved, quote)}${quote}`;
      },
    ),
  );
}

/** Absolute form of one URL reference; unchanged when already absolute, empty or unresolvable. */
export function resolveUrl(reference: string, baseUrl: string): string {
  const trimmed = reference.trim();
  if (trimmed === '' || HAS_SCHEME.test(trimmed)) return reference;
  try {
    if (trimmed.startsWith('//')) return new URL(`https:${trimmed}`).href;
    return new URL(trimmed, baseUrl).href;
  } catch {
    return reference;
  }
}

function escapeAttribute(value: string, quote: string): string {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return quote === '"' ? escaped.replace(/"/g, '&quot;') : escaped.replace(/'/g, '&#39;');
}
