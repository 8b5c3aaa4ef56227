import { createHash } from 'node:crypto';
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { PostRejected } from './errors';
import { nameProblem, normalizeName, showName } from './names';
import { parsePostDate, type PostDate } from './post-date';
import type { Post } from './post';
import { removeXmlUnsafeCharacters } from './post-text';
import { bodyFormatOf, firstParagraph, renderBody, renderInlineText, type BodyOptions } from './render-body';
import { feedAliasOf, MAX_PATH_BYTES, matchRoute } from './routes';
import { isPlausibleShareCode, shortCodeCandidate } from './short-code';

/** What parsing a file yields: a post ready to store, or `published: false`. */
/**
 * `updatedGiven`: the post's `updated` is its `last_modified_at` from front matter (else it is
 * `now`, and ingest decides: see functions/core/ingest.ts).
 */
export type ParsedPost = { published: true; post: Post; updatedGiven?: true } | { published: false; id: string };

export interface ParseOptions {
  /** Instant to record as `updated` when the content changed (the S3 event time). */
  now: string;
  /** Offset for dates written without one, minutes east of UTC. */
  defaultOffsetMinutes?: number;
  /** Host names whose `<iframe>`s bodies may keep (IFRAME_HOSTS); none by default. */
  iframeHosts?: readonly string[];
  /** Host names of the site this one replaces: links to them become this site's where it serves the path. */
  legacyHosts?: readonly string[];
}

/**
 * What one post may take in the table: DynamoDB refuses items over 400 KB, and the post item
 * carries the body and the summary beside its other fields. Above this a post is refused with
 * that reason rather than failing on every retry.
 */
export const MAX_STORED_POST_BYTES = 380_000;
const MAX_ID_LENGTH = 200;

/*
 * Limits on front matter. YAML aliases (`&a` … `*a`) let a few hundred bytes stand for billions
 * of values (the "billion laughs"): js-yaml shares an aliased value wherever it is used, so
 * parsing is cheap, but everything after it walks the data as a tree. Aliases are allowed,
 * since some Jekyll posts use them, and the values and text they expand to are capped instead:
 * a count of aliases would not bound the cost (one alias of a large list is large) and the
 * expanded size does. Front matter in the wild is a few hundred bytes and a few levels deep.
 */
/**
 * Lines of front matter. gray-matter looks for comment lines with a regular expression that is
 * quadratic in a run of blank lines (tens of thousands took seconds); posts have a few dozen.
 */
export const MAX_FRONT_MATTER_LINES = 1000;
/** Bytes of front matter, the lines between the two `---`. */
export const MAX_FRONT_MATTER_BYTES = 64 * 1024;
/** Lists and mappings nested in front matter (DynamoDB stores at most 32 levels). */
export const MAX_FRONT_MATTER_DEPTH = 16;
/** Values (text, numbers, lists, mappings) in front matter once its aliases are expanded. */
export const MAX_FRONT_MATTER_VALUES = 10_000;
/** Characters of keys and text in front matter once its aliases are expanded: no post holds more. */
export const MAX_FRONT_MATTER_CHARS = MAX_STORED_POST_BYTES;

// Fields this module interprets; everything else is kept on the post as given.
const KNOWN_FIELDS = new Set([
  'layout', 'title', 'date', 'categories', 'category', 'tags', 'tag', 'published', 'permalink',
  'excerpt', 'description', 'excerpt_separator', 'author', 'id', 'infoCode', 'slug', 'last_modified_at',
]);

const FILE_NAME_DATE = /^(\d{4}-\d{2}-\d{2})-(.+)$/;
const DEFAULT_PERMALINK = '/:categories/:year/:month/:day/:title.html';

/**
 * Reads a Jekyll post (YAML front matter over an HTML or Markdown body) into a Post.
 * Throws PostRejected, saying what and where, when the file cannot be published.
 */
export function parsePost(sourceKey: string, text: string, options: ParseOptions): ParsedPost {
  const source = removeXmlUnsafeCharacters(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  const { fields, content, bodyLine } = readFrontMatter(source);
  const fileName = baseName(sourceKey);
  const fromFileName = FILE_NAME_DATE.exec(fileName.replace(/\.[^.]+$/, ''));

  const explicitId = identityField(fields, 'id') ?? identityField(fields, 'infoCode');
  const givenInfoCode = identityField(fields, 'infoCode');
  if (givenInfoCode !== undefined && !isPlausibleShareCode(givenInfoCode)) {
    fields.fail('infoCode', `infoCode "${givenInfoCode}" may only contain letters, digits, _ and - (at most 64)`);
  }
  // A code found in a link in the body is a fallback: often the post's own share link (the seed's),
  // but it may be a link to another story, so it never takes anything from a post that declares it.
  const foundInfoCode = givenInfoCode === undefined ? legacyShareCode(content) : undefined;
  const infoCode = givenInfoCode ?? foundInfoCode;
  const id = explicitId ?? infoCode ?? keyDerivedId(sourceKey);

  if (fields.data.published === false) return { published: false, id };

  const title = fields.text('title')?.trim();
  if (!title) throw new PostRejected('front matter has no title', fields.lineOf('title') ?? 1);

  const date = readDate(fields, fromFileName?.[1], options.defaultOffsetMinutes ?? 0);
  // jekyll-seo-tag's and jekyll-feed's field: when the content last changed, as the publisher says.
  const lastModified = readOptionalDate(fields, 'last_modified_at', options.defaultOffsetMinutes ?? 0);
  const slug = readSlug(fields, fromFileName?.[2] ?? fileName.replace(/\.[^.]+$/, ''));
  const categories = nameList(fields, 'categories', 'category');
  const tags = nameList(fields, 'tags', 'tag');
  const permalink = fields.text('permalink') ?? DEFAULT_PERMALINK;
  const path = fields.at('permalink', () => buildPermalink(permalink, { categories, date, slug }));
  const bodyOptions: BodyOptions = { postPath: path, iframeHosts: options.iframeHosts ?? [], legacyHosts: options.legacyHosts ?? [], firstLine: bodyLine, maxBytes: MAX_STORED_POST_BYTES };
  const format = bodyFormatOf(sourceKey);
  const html = renderBody(content, format, bodyOptions);
  const author = readAuthor(fields);

  const extra: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields.data)) if (!KNOWN_FIELDS.has(field)) extra[field] = value;

  const contentHash = createHash('sha256')
    .update(sourceKey).update('\0')
    .update((options.iframeHosts ?? []).join(',')).update('\0')
    .update((options.legacyHosts ?? []).join(',')).update('\0')
    .update(source)
    .digest('hex');
  const post: Post = {
    id,
    ...(explicitId === undefined && foundInfoCode !== undefined ? { idFromBody: true } : {}),
    ...(infoCode ? { infoCode } : {}),
    ...(foundInfoCode !== undefined ? { infoCodeFromBody: true } : {}),
    sourceKey,
    title,
    date: date.rfc3339,
    updated: lastModified ? new Date(lastModified.rfc3339).toISOString() : options.now,
    categories,
    tags,
    ...(author ? { author } : {}),
    path,
    shortCode: shortCodeCandidate(id, 0),
    html,
    summary: readSummary(fields, content, html, format, bodyOptions),
    contentHash,
    extra,
  };
  const storedBytes = Buffer.byteLength(JSON.stringify(post));
  if (storedBytes > MAX_STORED_POST_BYTES) {
    throw new PostRejected(
      `post takes ${storedBytes} bytes once rendered, over the ${MAX_STORED_POST_BYTES} bytes one post can hold in the table`,
    );
  }
  return { published: true, post, ...(lastModified ? { updatedGiven: true } : {}) };
}

/** Front-matter fields, with the file line each top-level field is written on. */
class FrontMatter {
  constructor(
    readonly data: Record<string, unknown>,
    private readonly lines: Map<string, number>,
  ) {}

  lineOf(field: string): number | undefined {
    return this.lines.get(field);
  }

  fail(field: string, message: string): never {
    throw new PostRejected(message, this.lineOf(field));
  }

  /** Runs `read`; a refusal without a place is placed on `field`'s line. */
  at<T>(field: string, read: () => T): T {
    try {
      return read();
    } catch (error) {
      if (error instanceof PostRejected && error.line === undefined) this.fail(field, error.message);
      throw error;
    }
  }

  /** A scalar field as text; a list or mapping is refused. */
  text(field: string): string | undefined {
    const value = this.data[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'object') this.fail(field, `front matter field "${field}" must be text, not a list or mapping`);
    return String(value);
  }
}

// js-yaml's maxDepth counts the front matter mapping and the text inside the deepest list;
// it keeps the parser's recursion short, and copyFrontMatter counts depth again, aliases expanded.
const YAML_OPTIONS = { schema: yaml.CORE_SCHEMA, maxDepth: MAX_FRONT_MATTER_DEPTH + 2 };

function readFrontMatter(source: string): { fields: FrontMatter; content: string; bodyLine: number } {
  const lines = source.split('\n');
  if (!/^---[ \t]*$/.test(lines[0])) throw new PostRejected('file does not start with YAML front matter (---)', 1);
  const end = lines.findIndex((line, index) => index > 0 && /^---[ \t]*$/.test(line));
  if (end === -1) throw new PostRejected('front matter is not closed: no --- line after the one on line 1', 1);
  // From just after the first `---`, so that js-yaml's line 0 is the file's line 1 and its
  // line numbers are 0-based file lines.
  const text = lines.slice(0, end).join('\n').slice(3);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FRONT_MATTER_BYTES) {
    throw new PostRejected(`front matter (lines 2 to ${end}) is ${bytes} bytes, over the ${MAX_FRONT_MATTER_BYTES} bytes it may have`, 1);
  }
  if (end - 1 > MAX_FRONT_MATTER_LINES) {
    throw new PostRejected(`front matter (lines 2 to ${end}) has ${end - 1} lines, over the ${MAX_FRONT_MATTER_LINES} it may have`, 1);
  }
  const lineOfField = fieldLines(lines.slice(1, end));
  let parsed: unknown;
  try {
    // gray-matter is given the front matter only, closed by the line found above, so the body
    // starts where the line numbers say. An explicit engine: js-yaml's CORE_SCHEMA keeps dates as
    // the strings written, offset included. Options also keep gray-matter from caching every input.
    parsed = matter(`${lines.slice(0, end + 1).join('\n')}\n`, { engines: { yaml: (block: string) => (yaml.load(block, YAML_OPTIONS) ?? {}) as object } }).data;
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const line = error.mark ? error.mark.line + 1 : undefined;
    const column = error.mark ? error.mark.column + 1 : undefined;
    if (error.reason.startsWith('nesting exceeded maxDepth')) throw new PostRejected(TOO_DEEP, line, column);
    throw new PostRejected(`front matter is not valid YAML: ${error.reason}`, line, column);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PostRejected('front matter is not a YAML mapping of fields', 2);
  }
  const data = copyFrontMatter(parsed as Record<string, unknown>, lineOfField);
  return { fields: new FrontMatter(data, lineOfField), content: lines.slice(end + 1).join('\n'), bodyLine: end + 2 };
}

const TOO_DEEP = `front matter nests lists and mappings more than ${MAX_FRONT_MATTER_DEPTH} deep`;

/**
 * A copy of the parsed fields as a tree, aliases expanded, refused at the front-matter limits
 * (a refusal is placed on the line of the field being copied). The characters XML forbids are
 * removed: YAML escapes (`"\x07"`, `"\ud800"`) make characters the text cleaning already removed.
 */
function copyFrontMatter(data: Record<string, unknown>, lineOfField: Map<string, number>): Record<string, unknown> {
  let field = '';
  let values = 0;
  let chars = 0;
  const fail = (message: string): never => {
    throw new PostRejected(message, lineOfField.get(field));
  };
  const text = (value: string): string => {
    chars += value.length;
    if (chars > MAX_FRONT_MATTER_CHARS) {
      fail(`front matter holds more than ${MAX_FRONT_MATTER_CHARS} characters once its aliases are expanded, more than a post can hold`);
    }
    return removeXmlUnsafeCharacters(value);
  };
  const copy = (value: unknown, depth: number): unknown => {
    if (++values > MAX_FRONT_MATTER_VALUES) {
      fail(`front matter has more than ${MAX_FRONT_MATTER_VALUES} values (list items and fields, aliases expanded)`);
    }
    if (typeof value === 'string') return text(value);
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_FRONT_MATTER_DEPTH) fail(TOO_DEEP);
    if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [text(key), copy(item, depth + 1)]));
  };
  const copied: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    field = key;
    copied[text(key)] = copy(value, 1);
  }
  return copied;
}

/** File line (1-based) of each top-level `field:` in the front-matter lines (which start on line 2). */
function fieldLines(frontMatterLines: string[]): Map<string, number> {
  const lines = new Map<string, number>();
  frontMatterLines.forEach((line, index) => {
    const match = /^(["']?)([^\s"'#:][^"':]*?)\1\s*:(\s|$)/.exec(line);
    if (match && !lines.has(match[2])) lines.set(match[2], index + 2);
  });
  return lines;
}

function readOptionalDate(fields: FrontMatter, field: string, defaultOffset: number): PostDate | undefined {
  const written = fields.data[field];
  if (written === undefined || written === null) return undefined;
  if (typeof written !== 'string') fields.fail(field, `${field} must be a date such as 2022-01-12 02:44:46 +0800, not ${JSON.stringify(written)}`);
  return fields.at(field, () => parsePostDate(written, defaultOffset));
}

function readDate(fields: FrontMatter, fileNameDate: string | undefined, defaultOffset: number): PostDate {
  const written = fields.data.date;
  if (written !== undefined && written !== null) {
    if (typeof written !== 'string') {
      fields.fail('date', `date must be a date such as 2022-01-12 02:44:46 +0800, not ${JSON.stringify(written)}`);
    }
    return fields.at('date', () => parsePostDate(written, defaultOffset));
  }
  if (fileNameDate) return parsePostDate(fileNameDate, defaultOffset);
  throw new PostRejected('post has no date: give `date:` in front matter or name the file YYYY-MM-DD-slug.ext');
}

/** Jekyll's rule: a YAML list, or a space-separated string. Normalized (normalizeName), de-duplicated. */
function nameList(fields: FrontMatter, plural: string, singular: string): string[] {
  const field = fields.data[plural] !== undefined && fields.data[plural] !== null ? plural : singular;
  const raw = fields.data[field];
  if (raw === undefined || raw === null) return [];
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    fields.fail(field, `${field} must be a list or a space-separated string of names, not a mapping`);
  }
  const items: unknown[] = Array.isArray(raw) ? raw : String(raw).split(/\s+/);
  if (items.some((item) => typeof item === 'object' && item !== null)) {
    fields.fail(field, `${field} must list names, not lists or mappings`);
  }
  const names = items
    .filter((item) => item !== null)
    .map((item) => normalizeName(String(item)))
    .filter((name) => name !== '');
  for (const name of names) {
    if (/[/\\?#%]/.test(name) || NOT_IN_A_PATH.test(name)) {
      fields.fail(field, `${plural} name "${name}" contains a character not allowed in a name (/ \\ ? # % or a control character)`);
    }
    const problem = nameProblem(name);
    if (problem) fields.fail(field, `${plural} name ${showName(name)} ${problem}`);
    if (name.length > 200) fields.fail(field, `${plural} name "${name.slice(0, 20)}…" is longer than 200 characters`);
  }
  return [...new Set(names)];
}

/**
 * Characters a path cannot keep: API Gateway refuses a request whose path holds `%25` (an
 * encoded %), `?` and `#` end a path, and browsers read `\` as `/`.
 */
const NOT_ROUTABLE = /[%?#\\]/g;

/**
 * `slug:` as written, refused when it holds a character a path cannot keep; else the file
 * name's slug, without those characters: the publisher named a file, not a URL (WordPress
 * also drops a stray % from slugs).
 */
function readSlug(fields: FrontMatter, fromFileName: string): string {
  const written = fields.text('slug');
  if (written !== undefined) {
    const bad = written.match(NOT_ROUTABLE);
    if (bad) fields.fail('slug', `slug "${written}" contains ${bad[0]}, which cannot be part of a page's path`);
    return written;
  }
  const slug = fromFileName.replace(NOT_ROUTABLE, '');
  if (slug === '' && fromFileName !== '') {
    throw new PostRejected(`file name gives no slug once % ? # \\ are left out: give slug: or permalink: in front matter`);
  }
  return slug;
}

function buildPermalink(template: string, parts: { categories: string[]; date: PostDate; slug: string }): string {
  const path = template
    .replace(/:categories/g, parts.categories.join('/'))
    .replace(/:year/g, parts.date.year)
    .replace(/:month/g, parts.date.month)
    .replace(/:day/g, parts.date.day)
    .replace(/:title|:slug/g, parts.slug);
  const normalized = ('/' + path).replace(/\/{2,}/g, '/');
  if (normalized.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new PostRejected(`permalink "${template}" contains . or .. segments`);
  }
  if (/[?#]/.test(normalized)) throw new PostRejected(`permalink "${template}" contains ? or #, which cannot be part of a page's path`);
  if (normalized.includes('%')) {
    throw new PostRejected(`permalink "${template}" contains %, which API Gateway refuses in a request path (as %25): the page could never be reached`);
  }
  if (normalized.includes('\\')) throw new PostRejected(`permalink "${template}" contains \\, which browsers read as /`);
  if (NOT_IN_A_PATH.test(normalized)) throw new PostRejected(`permalink "${template}" contains a control character or an unpaired surrogate`);
  const bytes = Buffer.byteLength(normalized);
  if (bytes > MAX_PATH_BYTES) throw new PostRejected(`permalink "${normalized.slice(0, 40)}…" is ${bytes} bytes, over the ${MAX_PATH_BYTES} bytes a page's path may have`);
  // A post page is served only by the greedy route; a path another route takes is never its page.
  const route = matchRoute(normalized)?.route;
  if (route && route.view !== 'postPage') {
    throw new PostRejected(`permalink "${normalized}" is the site's own route ${route.path}, so the post's page could never be reached there`);
  }
  if (feedAliasOf(normalized)) {
    throw new PostRejected(`permalink "${normalized}" is a feed address the site answers (for readers of sites moved here), so the post's page could never be reached there`);
  }
  return normalized;
}

/**
 * Characters no name or path may hold. YAML escapes (`"\ud800"`, `"\x07"`) produce them after the
 * text itself was cleaned, and an unpaired surrogate cannot be percent-encoded into a URL.
 */
const NOT_IN_A_PATH = /[\u0000-\u001f\u007f-\u009f\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function readSummary(fields: FrontMatter, content: string, html: string, format: 'html' | 'markdown', options: BodyOptions): string {
  const field = fields.text('excerpt') !== undefined ? 'excerpt' : 'description';
  const given = fields.text(field);
  if (given) return `<p>${fields.at(field, () => renderInlineText(given, options))}</p>`;
  const separator = fields.text('excerpt_separator');
  if (separator && content.includes(separator)) return renderBody(content.slice(0, content.indexOf(separator)), format, options);
  // No paragraph to take: no summary. Cutting HTML at a length would cut through a tag; the
  // feeds make a plain-text excerpt of the body instead.
  return firstParagraph(html);
}

/** `author: 张三`, a list of names, or a mapping with a `name` (as Jekyll themes write it). */
function readAuthor(fields: FrontMatter): string | undefined {
  const value = fields.data.author;
  if (value === undefined || value === null) return undefined;
  const refuse = () => fields.fail('author', 'front matter field "author" must be a name, a list of names or a mapping with a name');
  // An author is shown, never a key: refused when it hides or reorders text, not folded.
  const checked = (name: unknown): string => {
    const text = String(name).trim();
    const problem = nameProblem(text);
    if (text && problem) fields.fail('author', `author name ${showName(text)} ${problem}`);
    return text;
  };
  if (Array.isArray(value)) {
    if (value.some((item) => typeof item === 'object' && item !== null)) refuse();
    return value.map(checked).filter(Boolean).join(', ') || undefined;
  }
  if (typeof value === 'object') {
    const name = (value as Record<string, unknown>).name;
    if (typeof name !== 'string' && typeof name !== 'number') refuse();
    return checked(name) || undefined;
  }
  return checked(value) || undefined;
}

/** `id` / `infoCode`: text, not blank, short enough to key the post. */
function identityField(fields: FrontMatter, field: 'id' | 'infoCode'): string | undefined {
  const value = fields.text(field)?.trim();
  if (value === undefined) return undefined;
  if (value === '') fields.fail(field, `front matter field "${field}" is empty`);
  if (value.length > MAX_ID_LENGTH) fields.fail(field, `front matter field "${field}" is longer than ${MAX_ID_LENGTH} characters`);
  return value;
}

/**
 * The infoCode of the first legacy share link (`…/NewsShare.html?from=app&infoCode=NW…`) in the
 * body; of several in one link, the last. Each link is read once: a regular expression that
 * backtracked over the rest of a link at every `NewsShare.html?` took quadratic time.
 */
function legacyShareCode(content: string): string | undefined {
  for (const link of content.matchAll(/NewsShare\.html\?([^\s"'<>)]*)/g)) {
    const codes = [...link[1].matchAll(/(?:^|&)infoCode=([A-Za-z0-9_-]{1,64})/g)];
    if (codes.length > 0) return codes[codes.length - 1][1];
  }
  return undefined;
}

/** The identity a post has when it declares none: its object key without `posts/` and extension. */
export function keyDerivedId(sourceKey: string): string {
  return sourceKey.replace(/^posts\//, '').replace(/\.[^./]+$/, '');
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
