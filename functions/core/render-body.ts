import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { encodePath } from './urls';
import { mapSrcset } from './srcset';

// CommonMark with GitHub's tables and autolink literals (bare http(s)://, www. and e-mail
// addresses become links), HTML blocks passed through. Jekyll's kramdown does not link bare
// URLs (kramdown/parser-gfm#17); the issue asks for GitHub's autolinks, and a bare URL that
// a reader cannot click helps nobody. Text inside HTML blocks is never linkified, as on GitHub.
const markdown = new MarkdownIt('default', { html: true, linkify: true, typographer: false });
markdown.linkify
  .set({ fuzzyLink: false, fuzzyEmail: true, fuzzyIP: false })
  // GitHub links neither `//host` nor ftp:, but does link `www.host` (as http://).
  .add('//', null)
  .add('ftp:', null)
  .add('www.', {
    validate(text, pos, self) {
      const validator = (self.re as unknown as { get_http_validator(): RegExp }).get_http_validator();
      const candidate = '//www.' + text.slice(pos);
      validator.lastIndex = 0;
      const match = validator.exec(candidate);
      return match && match[0].length > '//www.'.length + 2 ? match[0].length - '//www.'.length : 0;
    },
    normalize(match) {
      match.url = 'http://' + match.url;
    },
  });

export type BodyFormat = 'html' | 'markdown';

export interface BodyOptions {
  /**
   * Decoded site path of the post (`/chengduribao/2022/01/12/a.html`). Relative `href`/`src`
   * are resolved against it into root-relative paths, so the body reads the same on the post
   * page, on list pages and (absolutized with the site's origin) in feeds.
   */
  postPath?: string;
  /** Host names whose `<iframe>`s are kept (`www.youtube.com`); every iframe is removed by default. */
  iframeHosts?: readonly string[];
}

/** Attributes whose value is one URL; `srcset` holds several. */
const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'];

const BASE_ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img', 'figure', 'figcaption', 'picture', 'source', 'video', 'audio', 'del', 'ins', 'sup', 'sub',
];

const BASE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: BASE_ALLOWED_TAGS,
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    '*': ['class', 'id', 'title', 'lang', 'dir'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'srcset', 'alt', 'title', 'width', 'height', 'loading'],
    source: ['src', 'srcset', 'type', 'media'],
    video: ['src', 'controls', 'poster', 'width', 'height'],
    audio: ['src', 'controls'],
    td: ['colspan', 'rowspan', 'align'],
    th: ['colspan', 'rowspan', 'align', 'scope'],
    iframe: ['src', 'width', 'height', 'title', 'allow', 'allowfullscreen', 'frameborder', 'loading'],
  },
  // No javascript:, vbscript:, data: (…) anywhere; data: only as an image's source.
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster'],
  allowProtocolRelative: true,
  allowIframeRelativeUrls: false,
};

/** `.html`/`.htm` bodies are HTML as given; every other extension is Markdown (Jekyll's rule). */
export function bodyFormatOf(key: string): BodyFormat {
  return /\.html?$/i.test(key) ? 'html' : 'markdown';
}

/** Renders and sanitizes a post body: what is stored is always safe to serve. */
export function renderBody(body: string, format: BodyFormat, options: BodyOptions = {}): string {
  const html = format === 'html' ? body : markdown.render(body);
  return sanitizeHtml(html, sanitizeOptions(options)).trim();
}

/** Inline Markdown (an excerpt or description written in front matter), sanitized, no paragraph. */
export function renderInlineText(text: string, options: BodyOptions = {}): string {
  return sanitizeHtml(markdown.renderInline(text), sanitizeOptions(options));
}

/** The first paragraph of rendered HTML: bodies like the seed have no blank lines to split on. */
export function firstParagraph(html: string): string {
  const match = /<p[\s>][\s\S]*?<\/p>/i.exec(html);
  return match ? match[0] : '';
}

function sanitizeOptions({ postPath, iframeHosts = [] }: BodyOptions): sanitizeHtml.IOptions {
  return {
    ...BASE_OPTIONS,
    allowedTags: iframeHosts.length > 0 ? [...BASE_ALLOWED_TAGS, 'iframe'] : BASE_ALLOWED_TAGS,
    allowedIframeHostnames: [...iframeHosts],
    ...(postPath === undefined
      ? {}
      : {
          transformTags: {
            '*': (tagName: string, attribs: sanitizeHtml.Attributes) => ({
              tagName,
              attribs: resolveAttributes(attribs, postPath),
            }),
          },
        }),
  };
}

function resolveAttributes(attribs: sanitizeHtml.Attributes, postPath: string): sanitizeHtml.Attributes {
  let resolved: sanitizeHtml.Attributes | undefined;
  for (const name of Object.keys(attribs)) {
    const attribute = name.toLowerCase();
    const value = attribs[name];
    const next = attribute === 'srcset'
      ? mapSrcset(value, (url) => resolveAgainstPost(url, postPath))
      : URL_ATTRIBUTES.includes(attribute) ? resolveAgainstPost(value, postPath) : value;
    if (next !== value) (resolved ??= { ...attribs })[name] = next;
  }
  return resolved ?? attribs;
}

// What a URL parser ignores before deciding whether a reference has a scheme.
const IGNORED_BY_URL_PARSER = /[\u0000-\u0020\u007f]/g;
const HAS_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const RESOLUTION_ORIGIN = 'http://post.invalid';

/**
 * A relative reference (`img.png`, `../a.html`, `?page=2`, `#notes`) resolved against the
 * post's own URL, as a root-relative path (`/chengduribao/2022/01/12/img.png`). References
 * with a scheme, protocol-relative ones and root-relative ones are returned as written: the
 * sanitizer judges those.
 */
export function resolveAgainstPost(reference: string, postPath: string): string {
  const bare = reference.replace(IGNORED_BY_URL_PARSER, '');
  if (bare === '' || HAS_SCHEME.test(bare) || /^[/\\]/.test(bare)) return reference;
  try {
    const url = new URL(reference.trim(), RESOLUTION_ORIGIN + encodePath(postPath));
    if (url.origin !== RESOLUTION_ORIGIN) return reference;
    return url.pathname + url.search + url.hash;
  } catch {
    return reference;
  }
}

