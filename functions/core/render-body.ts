import type { Env, Token } from 'markdown-it';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { looksLikeAsset } from './assets';
import { PostRejected } from './errors';
import { feedAliasOf, matchRoute } from './routes';
import { mapSrcset } from './srcset';
import { encodePath } from './urls';

/*
 * Limits on rendering a body. Without them a 1 MiB post of `*a *a …`, of table rows or of
 * nested <div>s took seconds and hundreds of MB, and a link reference used 100,000 times built
 * gigabytes of HTML; with them every file of MAX_POST_BYTES is refused or rendered in a
 * fraction of a second and a few tens of MB (bench/ingest-budget.ts measures it). Each limit is
 * far above what a post that fits in the table (MAX_STORED_POST_BYTES, 380 KB once rendered)
 * can use, so only posts that could not be stored anyway are refused for them.
 */

/**
 * Markdown renders to at least its own text, so a longer Markdown body could not be stored;
 * and markdown-it spends up to 0.7 µs a byte on pathological text (a run of `[`).
 */
export const MAX_MARKDOWN_BYTES = 512 * 1024;
/**
 * markdown-it's maxNesting (its CommonMark preset's value; the default preset's 100 makes a
 * run of `[` three times slower). markdown-it silently drops blocks nested deeper, so those
 * are refused instead; inline markup nested deeper is kept as text.
 */
export const MAX_MARKDOWN_NESTING = 20;
/**
 * markdown-it keeps every token in memory, some 650 bytes each with its own bookkeeping (60,000
 * is 40 MB), and takes some 5 µs for each. A post that can be stored has fewer: a table of
 * 3,000 rows of four cells takes 54,000.
 */
export const MAX_MARKDOWN_TOKENS = 60_000;
/**
 * HTML markdown-it may produce, in characters, before it is sanitized: ten times what a post
 * can hold, and as much as the largest post file taken (MAX_POST_BYTES is at most 4 MiB).
 */
export const MAX_MARKDOWN_HTML = 4 * 1024 * 1024;
/**
 * Elements the sanitizer reads (a srcset image counts as one), some 10 µs each. A Word export
 * of 1 MiB has about 10,000.
 */
export const MAX_HTML_ELEMENTS = 30_000;
/** Browsers stop nesting there too (Blink's parser, kMaximumHTMLParserDOMTreeDepth). */
export const MAX_HTML_NESTING = 512;

// CommonMark with GitHub's tables and autolink literals (bare http(s)://, www. and e-mail
// addresses become links), HTML blocks passed through. Jekyll's kramdown does not link bare
// URLs (kramdown/parser-gfm#17); the issue asks for GitHub's autolinks, and a bare URL that
// a reader cannot click helps nobody. Text inside HTML blocks is never linkified, as on GitHub.
const markdown = new MarkdownIt('default', {
  html: true,
  linkify: true,
  typographer: false,
  maxNesting: MAX_MARKDOWN_NESTING,
});
markdown.linkify
  .set({ fuzzyLink: false, fuzzyEmail: true, fuzzyIP: false })
  // GitHub links neither `//host` nor ftp:, but does link `www.host` (as http://).
  .add('//', null)
  .add('ftp:', null)
  .add('www.', {
    validate(text, pos, self) {
      const validator = (self.re as unknown as { get_http_validator(): RegExp }).get_http_validator();
      const candidate = `//www.${text.slice(pos)}`;
      validator.lastIndex = 0;
      const match = validator.exec(candidate);
      return match && match[0].length > '//www.'.length + 2 ? match[0].length - '//www.'.length : 0;
    },
    normalize(match) {
      match.url = `http://${match.url}`;
    },
  });

/** What one render has spent, kept in markdown-it's `env`, which every parser state of a render shares. */
interface RenderEnv extends Env {
  tokens: number;
  /** 0-based line of the body being parsed, for refusals. */
  line: number;
  /** File line of the body's first line; undefined when the text has no place in the file. */
  firstLine?: number;
}

function refuse(message: string, env: RenderEnv): never {
  throw new PostRejected(message, env.firstLine === undefined ? undefined : env.firstLine + env.line);
}

function countTokens(env: RenderEnv, count = 1): void {
  env.tokens += count;
  if (env.tokens > MAX_MARKDOWN_TOKENS) {
    refuse(
      `Markdown body has more than ${MAX_MARKDOWN_TOKENS} parts (paragraphs, table cells, links, emphasis marks…)`,
      env,
    );
  }
}

// Tokens are counted as they are made, so a refusal comes before the memory is spent. A
// subclass of the parser states is markdown-it's own extension point (md.block.State).
class BoundedBlockState extends markdown.block.State {
  override push(type: string, tag: string, nesting: Token['nesting']): Token {
    const token = super.push(type, tag, nesting);
    const env = this.env as RenderEnv;
    countTokens(env);
    if (this.level >= MAX_MARKDOWN_NESTING) {
      refuse(
        `Markdown nests lists, list items and block quotes more than ${MAX_MARKDOWN_NESTING - 1} levels deep`,
        env,
      );
    }
    return token;
  }
}

class BoundedInlineState extends markdown.inline.State {
  override push(type: string, tag: string, nesting: Token['nesting']): Token {
    countTokens(this.env as RenderEnv);
    return super.push(type, tag, nesting);
  }
}

markdown.block.State = BoundedBlockState;
markdown.inline.State = BoundedInlineState;
// Notes the line of each block as parsing reaches it (a rule that never matches).
markdown.block.ruler.before('table', 'note_line', (state, startLine) => {
  (state.env as RenderEnv).line = startLine;
  return false;
});
// markdown-it's own `inline` core rule, noting each block's line first.
markdown.core.ruler.at('inline', (state) => {
  for (const token of state.tokens) {
    if (token.type !== 'inline') continue;
    (state.env as RenderEnv).line = token.map?.[0] ?? 0;
    state.md.inline.parse(token.content, state.md, state.env, token.children ?? []);
  }
});

export type BodyFormat = 'html' | 'markdown';

export interface BodyOptions {
  /**
   * Decoded site path of the post (`/chengduribao/2022/01/12/a.html`). Relative `href`/`src`
   * are resolved against it into root-relative paths, so the body reads the same on the post
   * page, on list pages and (absolutized with the site's origin) in feeds.
   */
  postPath?: string;
  /**
   * Decoded site path of the post's own file (`/chengduribao/_posts/2022-01-12-a.md`: its object
   * key without `posts`). Relative references to files (a name with an allowed extension:
   * functions/core/assets.ts) are resolved against it instead, to the site path the file beside
   * the post is served at (`photo.jpg` → `/chengduribao/_posts/photo.jpg`).
   */
  sourcePath?: string;
  /** Host names whose `<iframe>`s are kept (`www.youtube.com`); every iframe is removed by default. */
  iframeHosts?: readonly string[];
  /**
   * Host names of the site this one replaces (LEGACY_HOSTS): a link to one of them, with `http:`,
   * `https:` or none, becomes a root-relative link on this site when this site serves that path.
   */
  legacyHosts?: readonly string[];
  /** File line of the body's first line, so that a refusal can say where; none for text from front matter. */
  firstLine?: number;
  /**
   * Bytes the rendered body may take (what a post can hold): Markdown whose text alone takes
   * more is refused before it is rendered and sanitized.
   */
  maxBytes?: number;
}

/** Attributes whose value is one URL; `srcset` holds several. */
const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'];

const BASE_ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags,
  'img',
  'figure',
  'figcaption',
  'picture',
  'source',
  'video',
  'audio',
  'del',
  'ins',
  'sup',
  'sub',
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
  const html = format === 'html' ? body : renderMarkdown(body, options);
  return sanitize(html, options).trim();
}

/** Inline Markdown (an excerpt or description written in front matter), sanitized, no paragraph. */
export function renderInlineText(text: string, options: BodyOptions = {}): string {
  const env: RenderEnv = { tokens: 0, line: 0 };
  const tokens = markdown.parseInline(text, env);
  checkRenderedSize(tokens, env, options.maxBytes);
  return sanitize(markdown.renderer.render(tokens, markdown.options, env), options);
}

function renderMarkdown(body: string, { firstLine, maxBytes }: BodyOptions): string {
  const env: RenderEnv = { tokens: 0, line: 0, firstLine };
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_MARKDOWN_BYTES) {
    refuse(
      `Markdown body is ${bytes} bytes, over the ${MAX_MARKDOWN_BYTES} bytes a Markdown body may have (it would render larger than a post can hold)`,
      env,
    );
  }
  const tokens = markdown.parse(body, env);
  checkRenderedSize(tokens, env, maxBytes);
  return markdown.renderer.render(tokens, markdown.options, env);
}

/**
 * Refuses parsed Markdown whose HTML would be too large, before it is built: a link
 * reference or image defined once can be used 100,000 times. Counts the tokens linkify added.
 * Also refuses Markdown whose text alone would take more than `maxBytes`: the sanitizer keeps
 * all text (escaped), except inside raw <script>, <style>, <textarea> and <option>, so text is
 * counted up to the first of those.
 */
function checkRenderedSize(tokens: Token[], env: RenderEnv, maxBytes = Infinity): void {
  env.tokens = 0;
  let size = 0;
  let text = 0;
  let textKept = true;
  for (const block of tokens) {
    env.line = block.map?.[0] ?? env.line;
    countTokens(env, 1 + (block.children?.length ?? 0));
    for (const token of [block, ...(block.children ?? [])]) {
      size += token.tag.length * 2 + 5 + renderedLength(token);
      for (const [name, value] of token.attrs ?? []) size += name.length + 4 + escapedLength(String(value));
      if (size > MAX_MARKDOWN_HTML) {
        refuse(
          `Markdown body renders to more than ${MAX_MARKDOWN_HTML} characters of HTML, more than a post can hold (a link or image used many times?)`,
          env,
        );
      }
      if (token.type.startsWith('html_') && HIDES_TEXT.test(token.content)) textKept = false;
      if (textKept && TEXT_TOKENS.has(token.type)) text += keptTextBytes(token.content);
      if (text > maxBytes) {
        throw new PostRejected(
          `the text of the Markdown body alone takes more than ${maxBytes} bytes once rendered, more than one post can hold in the table`,
        );
      }
    }
  }
}

const HIDES_TEXT = /<(script|style|textarea|option)\b/i;
const TEXT_TOKENS = new Set(['text', 'code_inline', 'code_block', 'fence']);

/** UTF-8 bytes of text as the sanitizer writes it: `&amp;` `&lt;` `&gt;`. */
function keptTextBytes(text: string): number {
  let bytes = Buffer.byteLength(text);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x26) bytes += 4;
    else if (code === 0x3c || code === 0x3e) bytes += 3;
  }
  return bytes;
}

/** What a token's content adds to the HTML: raw HTML as written, text escaped; an inline block renders its children instead. */
function renderedLength(token: Token): number {
  if (token.type === 'inline') return 0;
  return token.type.startsWith('html_') ? token.content.length : escapedLength(token.content);
}

/** Length of text once markdown-it escapes it: `&amp;` `&lt;` `&gt;` `&quot;`. */
function escapedLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x26) length += 4;
    else if (code === 0x3c || code === 0x3e) length += 3;
    else if (code === 0x22) length += 5;
  }
  return length;
}

/**
 * sanitize-html with MAX_HTML_ELEMENTS and MAX_HTML_NESTING: it and its parser (htmlparser2)
 * keep every open element, and htmlparser2 searches them at each end tag, so a long run of
 * unclosed elements took time quadratic in their number.
 */
function sanitize(html: string, options: BodyOptions): string {
  let elements = 0;
  const open: string[] = [];
  const countElement = () => {
    if (++elements > MAX_HTML_ELEMENTS) throw new PostRejected(`body has more than ${MAX_HTML_ELEMENTS} HTML elements`);
  };
  return sanitizeHtml(html, {
    ...sanitizeOptions(options, countElement),
    onOpenTag(name) {
      countElement();
      if (open.push(name) > MAX_HTML_NESTING) throw nestedTooDeep(open);
    },
    onCloseTag() {
      open.pop();
    },
  });
}

/** Names the element most often open: most often the one a run of unclosed tags leaves open. */
function nestedTooDeep(open: string[]): PostRejected {
  const counts = new Map<string, number>();
  for (const name of open) counts.set(name, (counts.get(name) ?? 0) + 1);
  const [name, times] = [...counts].reduce((most, next) => (next[1] > most[1] ? next : most));
  return new PostRejected(
    `body nests HTML elements more than ${MAX_HTML_NESTING} deep (${times} open <${name}> elements: a missing </${name}>?)`,
  );
}

/** The first paragraph of rendered HTML: bodies like the seed have no blank lines to split on. */
export function firstParagraph(html: string): string {
  const match = /<p[\s>][\s\S]*?<\/p>/i.exec(html);
  return match ? match[0] : '';
}

function sanitizeOptions(
  { postPath, sourcePath, iframeHosts = [], legacyHosts = [] }: BodyOptions,
  countUrl: () => void,
): sanitizeHtml.IOptions {
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
              attribs: resolveAttributes(attribs, { postPath, sourcePath }, legacyHosts, countUrl),
            }),
          },
        }),
  };
}

/** `countUrl` is called for each srcset candidate: one element can hold any number of them. */
function resolveAttributes(
  attribs: sanitizeHtml.Attributes,
  { postPath, sourcePath }: { postPath: string; sourcePath?: string | undefined },
  legacyHosts: readonly string[],
  countUrl: () => void,
): sanitizeHtml.Attributes {
  let resolved: sanitizeHtml.Attributes | undefined;
  const resolve = (url: string) =>
    ownPath(
      resolveAgainstPost(url, sourcePath !== undefined && isFileReference(url) ? sourcePath : postPath),
      legacyHosts,
    );
  for (const name of Object.keys(attribs)) {
    const attribute = name.toLowerCase();
    const value = attribs[name];
    const next =
      attribute === 'srcset'
        ? mapSrcset(value, (url) => {
            countUrl();
            return resolve(url);
          })
        : URL_ATTRIBUTES.includes(attribute)
          ? resolve(value)
          : value;
    if (next === value) continue;
    resolved ??= { ...attribs };
    resolved[name] = next;
  }
  return resolved ?? attribs;
}

/** Whether a reference names a file the site serves beside the posts (by its extension), whatever its query or fragment. */
function isFileReference(url: string): boolean {
  return looksLikeAsset(url.split(/[?#]/)[0].trim());
}

/**
 * A link to the site this one replaces, made this site's own (`/category/chengduribao.html`) when
 * this site serves that path: one of its routes other than a post page (share links, categories,
 * tags, feeds), or another generator's feed address it answers. Other links are left as written.
 */
export function ownPath(reference: string, legacyHosts: readonly string[]): string {
  if (legacyHosts.length === 0) return reference;
  const bare = reference.replace(IGNORED_BY_URL_PARSER, '');
  if (!/^(https?:)?\/\//i.test(bare)) return reference;
  let url: URL;
  try {
    url = new URL(bare.startsWith('//') ? `http:${bare}` : bare);
  } catch {
    return reference;
  }
  if (!legacyHosts.includes(url.hostname.toLowerCase()) || url.username || url.password) return reference;
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return reference;
  }
  const route = matchRoute(path)?.route;
  if (!(route && route.view !== 'postPage') && !feedAliasOf(path)) return reference;
  return url.pathname + url.search + url.hash;
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
