import { createHash } from 'node:crypto';
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { PostRejected } from './errors';
import { nameProblem, normalizeName, showName } from './names';
import { DEFAULT_PERMALINK, jekyllPath, slugify, titleFromSlug } from './permalink';
import type { Post } from './post';
import { type DateReading, type PostDate, parsePostDate } from './post-date';
import { removeXmlUnsafeCharacters } from './post-text';
import { type BodyOptions, bodyFormatOf, firstParagraph, renderBody, renderInlineText } from './render-body';
import { feedAliasOf, MAX_PATH_BYTES, matchRoute } from './routes';
import { isPlausibleShareCode, shortCodeCandidate } from './short-code';
import { nameInUrl } from './urls';

/** What parsing a file yields: a post ready to store, or `published: false`. */
/**
 * `updatedGiven`: the post's `updated` is its `last_modified_at` from front matter (else it is
 * `now`, and ingest decides: see functions/core/ingest.ts).
 */
export type ParsedPost =
  | { published: true; post: Post; updatedGiven?: true }
  | { published: false; id: string; reason?: string };

/**
 * What a site's _config.yml decides for its posts (functions/core/site-config.ts). Present when
 * the site has one: its dates are then shown in `timeZone` (UTC when the config gives none, as
 * GitHub Pages and CI build), as Jekyll shows them.
 */
export interface JekyllSite {
  /** The permalink template every post without its own `permalink` gets (a style already resolved). */
  permalink: string;
  /** IANA time zone. */
  timeZone: string;
}

export interface ParseOptions {
  /** Instant to record as `updated` when the content changed (the S3 event time). */
  now: string;
  /** Offset for dates written without one, minutes east of UTC. */
  defaultOffsetMinutes?: number;
  /** Host names whose `<iframe>`s bodies may keep (IFRAME_HOSTS); none by default. */
  iframeHosts?: readonly string[];
  /** Host names of the site this one replaces: links to them become this site's where it serves the path. */
  legacyHosts?: readonly string[];
  /** The site's _config.yml, when one was uploaded. */
  site?: JekyllSite;
  /** TIME_ZONE: the zone of dates written without an offset, over the site's `timezone`. */
  timeZone?: string;
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
  'layout',
  'title',
  'date',
  'categories',
  'category',
  'tags',
  'tag',
  'published',
  'permalink',
  'excerpt',
  'description',
  'excerpt_separator',
  'author',
  'id',
  'infoCode',
  'slug',
  'last_modified_at',
]);

/**
 * A dated file name, as Jekyll's DATE_FILENAME_MATCHER reads it: `2022-01-12-my-post.md`,
 * `2014-10-1-a.md`; the title part runs to the last extension.
 */
const DATED_NAME = /^(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$/;
/** The same for a file uploaded on its own (not from a `_posts` folder), which may have no extension. */
const LOOSE_DATED_NAME = /^(\d{2,4}-\d{1,2}-\d{1,2})-(.*?)(\.[^.]+)?$/;

/**
 * Where an object key sits in a Jekyll site uploaded whole (`posts/` + the file's path in the
 * site): a post of a `_posts` folder, with the categories Jekyll takes from the folders above it
 * (`news/_posts/…` is in `news`; `_posts/2022/…` in none); a draft; or a file uploaded on its own
 * (`posts/2022-01-12-a.md`, this site's own layout), which keeps the rules it always had.
 */
export type JekyllPlace = { kind: 'post'; folderCategories: string[] } | { kind: 'draft' } | { kind: 'loose' };

export function jekyllPlace(key: string): JekyllPlace {
  const relative = key.replace(/^posts\//, '');
  const folders = relative.split('/').slice(0, -1);
  if (folders.includes('_drafts')) return { kind: 'draft' };
  const at = folders.indexOf('_posts');
  if (at === -1) return { kind: 'loose' };
  // The folders above the first `_posts` (Jekyll's Document#categories_from_path).
  return { kind: 'post', folderCategories: folders.slice(0, at).filter((folder) => folder !== '') };
}

/**
 * Why Jekyll would not publish a file of a site's posts, or undefined: drafts, and files in
 * `_posts` it does not read (a name without a leading date and an extension, or one it ignores:
 * `.x`, `_x`, `#x`, `x~`).
 */
export function jekyllSkips(key: string): string | undefined {
  const place = jekyllPlace(key);
  if (place.kind === 'draft') return 'a draft (in _drafts): Jekyll publishes drafts only when asked to (--drafts)';
  if (place.kind !== 'post') return undefined;
  const name = baseName(key);
  if (/^[._#]|~$/.test(name)) return 'Jekyll ignores files in _posts whose name starts with . _ or # or ends with ~';
  if (!DATED_NAME.test(name))
    return 'Jekyll reads only files named YYYY-MM-DD-title.ext in _posts (it never publishes this one)';
  return undefined;
}

/**
 * Reads a Jekyll post (YAML front matter over an HTML or Markdown body) into a Post.
 * Throws PostRejected, saying what and where, when the file cannot be published.
 */
export function parsePost(sourceKey: string, text: string, options: ParseOptions): ParsedPost {
  const place = jekyllPlace(sourceKey);
  const skipped = jekyllSkips(sourceKey);
  if (skipped) return { published: false, id: keyDerivedId(sourceKey), reason: skipped };
  const source = removeXmlUnsafeCharacters(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  // Jekyll publishes a file of a site's _posts without front matter too (its title from the file name).
  const { fields, content, bodyLine } =
    place.kind === 'post' && !FRONT_MATTER_START.test(source)
      ? { fields: new FrontMatter({}, new Map()), content: source, bodyLine: 1 }
      : readFrontMatter(source);
  const fileName = baseName(sourceKey);
  // One extension off, as Jekyll takes it off a _posts name (`2022-01-12-v1.2.md` is `v1.2`): for a
  // file of _posts (DATED_NAME matched it, or jekyllSkips returned above) the same groups as DATED_NAME.
  const fromFileName = LOOSE_DATED_NAME.exec(fileName);

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

  if (fields.data.published === false)
    return { published: false, id, reason: 'published: false in its front matter: Jekyll does not publish it' };

  // Jekyll's slug: the file name's title part, trailing dots dropped (a post's `slug:` replaces it in URLs).
  const fileSlug = (fromFileName?.[2] ?? fileName.replace(/\.[^.]+$/, '')).replace(/\.+$/, '');
  // A post of a Jekyll site without a title gets Jekyll's, made from its file name.
  const title = fields.text('title')?.trim() ?? (place.kind === 'post' ? titleFromSlug(fileSlug) : undefined);
  if (!title) throw new PostRejected('front matter has no title', fields.lineOf('title') ?? 1);

  const dates: DateReading = {
    defaultOffsetMinutes: options.defaultOffsetMinutes ?? 0,
    // A Jekyll site's posts are read and shown in its zone (TIME_ZONE over its config's), as Jekyll
    // does; another site's dates written without an offset are read in TIME_ZONE, and keep their own.
    ...(options.site
      ? { timeZone: options.timeZone ?? options.site.timeZone }
      : options.timeZone
        ? { defaultTimeZone: options.timeZone }
        : {}),
  };
  const date = readDate(fields, fromFileName?.[1], dates);
  // jekyll-seo-tag's and jekyll-feed's field: when the content last changed, as the publisher says.
  const lastModified = readOptionalDate(fields, 'last_modified_at', dates);
  const slug = readSlug(fields, fileSlug);
  const categories = uniqueNames([
    ...(place.kind === 'post' ? place.folderCategories.map((name) => normalizeName(name)).filter(Boolean) : []),
    ...nameList(fields, 'categories', 'split'),
    ...nameList(fields, 'category', 'whole'),
  ]);
  // Jekyll's rule for tags: `tag` when given, else `tags`.
  const tags = uniqueNames(
    fields.data.tag !== undefined && fields.data.tag !== null
      ? nameList(fields, 'tag', 'whole')
      : nameList(fields, 'tags', 'split'),
  );
  const permalink = fields.text('permalink') ?? options.site?.permalink ?? DEFAULT_PERMALINK;
  const parts = { categories, date, slug, basename: fileName.replace(/\.[^.]+$/, '') };
  const path =
    fields.text('permalink') !== undefined
      ? fields.at('permalink', () => buildPermalink(permalink, parts))
      : buildPermalink(permalink, parts);
  const bodyOptions: BodyOptions = {
    postPath: path,
    sourcePath: `/${sourceKey.replace(/^posts\//, '')}`,
    iframeHosts: options.iframeHosts ?? [],
    legacyHosts: options.legacyHosts ?? [],
    firstLine: bodyLine,
    maxBytes: MAX_STORED_POST_BYTES,
  };
  const format = bodyFormatOf(sourceKey);
  const html = renderBody(content, format, bodyOptions);
  const author = readAuthor(fields);

  const extra: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields.data)) if (!KNOWN_FIELDS.has(field)) extra[field] = value;

  const contentHash = createHash('sha256')
    .update(sourceKey)
    .update('\0')
    .update((options.iframeHosts ?? []).join(','))
    .update('\0')
    .update((options.legacyHosts ?? []).join(','))
    .update('\0')
    .update(source)
    // Only with a site config, so that the hash of a post without one is what it always was.
    .update(options.site ? `\0site\0${options.site.permalink}\0${options.site.timeZone}` : '')
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
    if (typeof value === 'object')
      this.fail(field, `front matter field "${field}" must be text, not a list or mapping`);
    return String(value);
  }
}

/**
 * An unquoted YAML timestamp with a time (`date: 2022-01-12 02:44:46`), which Jekyll's YAML reader
 * (Ruby's Psych) makes a Time: without an offset, a UTC one. Quoted, the same text is a string
 * that Jekyll reads in the site's time zone. Kept apart for `date` and `last_modified_at`; text
 * everywhere else.
 */
export class YamlTimestamp {
  constructor(readonly text: string) {}
}

/** Psych's ScalarScanner::TIME: the plain scalars it reads as a Time. */
const PSYCH_TIME =
  /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/;

const TIMESTAMP = new yaml.Type('tag:yaml.org,2002:timestamp', {
  kind: 'scalar',
  // Implicit types are tried on plain (unquoted) scalars only.
  resolve: (data: unknown) => typeof data === 'string' && PSYCH_TIME.test(data),
  construct: (data: string) => new YamlTimestamp(data),
  instanceOf: YamlTimestamp,
});

// js-yaml's maxDepth counts the front matter mapping and the text inside the deepest list;
// it keeps the parser's recursion short, and copyFrontMatter counts depth again, aliases expanded.
// CORE_SCHEMA keeps every other date as the string written, offset included.
const YAML_OPTIONS = {
  schema: yaml.CORE_SCHEMA.extend({ implicit: [TIMESTAMP] }),
  maxDepth: MAX_FRONT_MATTER_DEPTH + 2,
};

/** Jekyll's test for front matter (Document::YAML_FRONT_MATTER_REGEXP): a first line of `---`. */
const FRONT_MATTER_START = /^---[ \t]*(\n|$)/;

function readFrontMatter(source: string): { fields: FrontMatter; content: string; bodyLine: number } {
  const lines = source.split('\n');
  if (!FRONT_MATTER_START.test(source)) throw new PostRejected('file does not start with YAML front matter (---)', 1);
  const end = lines.findIndex((line, index) => index > 0 && /^---[ \t]*$/.test(line));
  if (end === -1) throw new PostRejected('front matter is not closed: no --- line after the one on line 1', 1);
  // From just after the first `---`, so that js-yaml's line 0 is the file's line 1 and its
  // line numbers are 0-based file lines.
  const text = lines.slice(0, end).join('\n').slice(3);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_FRONT_MATTER_BYTES) {
    throw new PostRejected(
      `front matter (lines 2 to ${end}) is ${bytes} bytes, over the ${MAX_FRONT_MATTER_BYTES} bytes it may have`,
      1,
    );
  }
  if (end - 1 > MAX_FRONT_MATTER_LINES) {
    throw new PostRejected(
      `front matter (lines 2 to ${end}) has ${end - 1} lines, over the ${MAX_FRONT_MATTER_LINES} it may have`,
      1,
    );
  }
  const lineOfField = fieldLines(lines.slice(1, end));
  let parsed: unknown;
  try {
    // gray-matter is given the front matter only, closed by the line found above, so the body
    // starts where the line numbers say. An explicit engine: js-yaml's CORE_SCHEMA keeps dates as
    // the strings written, offset included. Options also keep gray-matter from caching every input.
    parsed = matter(`${lines.slice(0, end + 1).join('\n')}\n`, {
      engines: { yaml: (block: string) => (yaml.load(block, YAML_OPTIONS) ?? {}) as object },
    }).data;
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const line = error.mark ? error.mark.line + 1 : undefined;
    const column = error.mark ? error.mark.column + 1 : undefined;
    if (error.reason.startsWith('nesting exceeded maxDepth')) throw new PostRejected(TOO_DEEP, line, column);
    const opening = line === undefined ? undefined : unclosedOpening(error.reason, lines, Math.min(line, end + 1));
    if (opening)
      throw new PostRejected(
        `front matter is not valid YAML: ${error.reason} (opened here, never closed)`,
        opening.line,
        opening.column,
      );
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
      fail(
        `front matter holds more than ${MAX_FRONT_MATTER_CHARS} characters once its aliases are expanded, more than a post can hold`,
      );
    }
    return removeXmlUnsafeCharacters(value);
  };
  const copy = (value: unknown, depth: number): unknown => {
    if (++values > MAX_FRONT_MATTER_VALUES) {
      fail(`front matter has more than ${MAX_FRONT_MATTER_VALUES} values (list items and fields, aliases expanded)`);
    }
    if (typeof value === 'string') return text(value);
    // A timestamp stays one where it is a date Jekyll reads; elsewhere it is the text written.
    if (value instanceof YamlTimestamp)
      return depth === 1 && (field === 'date' || field === 'last_modified_at') ? value : text(value.text);
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

function readOptionalDate(fields: FrontMatter, field: string, reading: DateReading): PostDate | undefined {
  const written = fields.data[field];
  if (written === undefined || written === null) return undefined;
  if (written instanceof YamlTimestamp)
    return fields.at(field, () => parsePostDate(written.text, { ...reading, yamlTimestamp: true }));
  if (typeof written !== 'string')
    fields.fail(field, `${field} must be a date such as 2022-01-12 02:44:46 +0800, not ${JSON.stringify(written)}`);
  return fields.at(field, () => parsePostDate(written, reading));
}

function readDate(fields: FrontMatter, fileNameDate: string | undefined, reading: DateReading): PostDate {
  const written = readOptionalDate(fields, 'date', reading);
  if (written) return written;
  // Jekyll reads the file name's date as midnight in the site's time zone.
  if (fileNameDate) return parsePostDate(fileNameDate, reading);
  throw new PostRejected('post has no date: give `date:` in front matter or name the file YYYY-MM-DD-slug.ext');
}

/**
 * The names of one field, normalized (normalizeName) and checked: a YAML list, or text — split at
 * white space for `categories` and `tags`, whole for `category` and `tag`, as Jekyll reads them.
 */
function nameList(
  fields: FrontMatter,
  field: 'categories' | 'category' | 'tags' | 'tag',
  text: 'split' | 'whole',
): string[] {
  const raw = fields.data[field];
  if (raw === undefined || raw === null) return [];
  const plural = field.startsWith('categor') ? 'categories' : 'tags';
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    fields.fail(field, `${field} must be a list or a space-separated string of names, not a mapping`);
  }
  const items: unknown[] = Array.isArray(raw) ? raw : text === 'split' ? String(raw).split(/\s+/) : [raw];
  if (items.some((item) => typeof item === 'object' && item !== null)) {
    fields.fail(field, `${field} must list names, not lists or mappings`);
  }
  const names = items
    .filter((item) => item !== null)
    .map((item) => normalizeName(String(item)))
    .filter((name) => name !== '');
  for (const name of names) {
    if (NOT_IN_A_PATH.test(name)) fields.fail(field, `${plural} name ${showName(name)} contains a control character`);
    // A name with / ? # % or \\ is in URLs as its slug (functions/core/urls.ts): it must have one.
    if (nameInUrl(name) === '')
      fields.fail(field, `${plural} name "${name}" has no letter or digit to make its URL of`);
    const problem = nameProblem(name);
    if (problem) fields.fail(field, `${plural} name ${showName(name)} ${problem}`);
    if (name.length > 200) fields.fail(field, `${plural} name "${name.slice(0, 20)}…" is longer than 200 characters`);
  }
  return names;
}

function uniqueNames(names: string[]): string[] {
  return [...new Set(names)];
}

/**
 * `slug:` as written, else the file name's: what `:title` (Jekyll's pretty slug of it, case kept)
 * and `:slug` are made of. One that gives an empty slug is refused: the URL would end in `/.html`.
 */
function readSlug(fields: FrontMatter, fromFileName: string): string {
  const written = fields.text('slug');
  if (written !== undefined) {
    if (slugify(written, 'pretty', true) === '')
      fields.fail('slug', `slug "${written}" has no letter or digit to make a URL of`);
    return written;
  }
  if (slugify(fromFileName, 'pretty', true) === '' && fromFileName !== '') {
    throw new PostRejected(
      `file name gives an empty slug (Jekyll keeps letters, digits and ._~!$&'()+,;=@ of it): give slug: or permalink: in front matter`,
    );
  }
  return fromFileName;
}

/** The page path Jekyll gives the post (functions/core/permalink.ts), refused where no request could reach it. */
function buildPermalink(template: string, parts: Parameters<typeof jekyllPath>[1]): string {
  const normalized = jekyllPath(template, parts);
  if (/[?#]/.test(normalized))
    throw new PostRejected(`permalink "${template}" contains ? or #, which cannot be part of a page's path`);
  if (normalized.includes('%')) {
    throw new PostRejected(
      `permalink "${template}" contains %, which API Gateway refuses in a request path (as %25): the page could never be reached`,
    );
  }
  if (normalized.includes('\\'))
    throw new PostRejected(`permalink "${normalized}" contains \\, which browsers read as /`);
  if (NOT_IN_A_PATH.test(normalized))
    throw new PostRejected(`permalink "${template}" contains a control character or an unpaired surrogate`);
  const bytes = Buffer.byteLength(normalized);
  if (bytes > MAX_PATH_BYTES)
    throw new PostRejected(
      `permalink "${normalized.slice(0, 40)}…" is ${bytes} bytes, over the ${MAX_PATH_BYTES} bytes a page's path may have`,
    );
  // A post page is served only by the greedy route; a path another route takes is never its page.
  const route = matchRoute(normalized)?.route;
  if (route && route.view !== 'postPage') {
    throw new PostRejected(
      `permalink "${normalized}" is the site's own route ${route.path}, so the post's page could never be reached there`,
    );
  }
  if (feedAliasOf(normalized)) {
    throw new PostRejected(
      `permalink "${normalized}" is a feed address the site answers (for readers of sites moved here), so the post's page could never be reached there`,
    );
  }
  return normalized;
}

/**
 * Characters no name or path may hold. YAML escapes (`"\ud800"`, `"\x07"`) produce them after the
 * text itself was cleaned, and an unpaired surrogate cannot be percent-encoded into a URL.
 */
const NOT_IN_A_PATH =
  /[\u0000-\u001f\u007f-\u009f\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function readSummary(
  fields: FrontMatter,
  content: string,
  html: string,
  format: 'html' | 'markdown',
  options: BodyOptions,
): string {
  const field = fields.text('excerpt') !== undefined ? 'excerpt' : 'description';
  const given = fields.text(field);
  if (given) return `<p>${fields.at(field, () => renderInlineText(given, options))}</p>`;
  const separator = fields.text('excerpt_separator');
  if (separator && content.includes(separator))
    return renderBody(content.slice(0, content.indexOf(separator)), format, options);
  // No paragraph to take: no summary. Cutting HTML at a length would cut through a tag; the
  // feeds make a plain-text excerpt of the body instead.
  return firstParagraph(html);
}

/** `author: 张三`, a list of names, or a mapping with a `name` (as Jekyll themes write it). */
function readAuthor(fields: FrontMatter): string | undefined {
  const value = fields.data.author;
  if (value === undefined || value === null) return undefined;
  const refuse = () =>
    fields.fail('author', 'front matter field "author" must be a name, a list of names or a mapping with a name');
  // An author is shown, never a key: refused when it hides or reorders text, not folded.
  const checked = (name: unknown): string => {
    const text = String(name).trim();
    const problem = nameProblem(text);
    if (text && problem) fields.fail('author', `author name ${showName(text)} ${problem}`);
    return text;
  };
  if (Array.isArray(value)) {
    if (value.some((item) => typeof item === 'object' && item !== null)) refuse();
    // An empty item (`- ` or `~`) names no one: without this it became the author "null".
    return (
      value
        .filter((item) => item !== null)
        .map(checked)
        .filter(Boolean)
        .join(', ') || undefined
    );
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
  if (value.length > MAX_ID_LENGTH)
    fields.fail(field, `front matter field "${field}" is longer than ${MAX_ID_LENGTH} characters`);
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

/**
 * js-yaml reports a quoted scalar or a flow collection (`[…]`, `{…}`) left open where it finds
 * out, often the closing `---`; the place to fix is where it opens: the last line before that
 * one (file lines, 1-based) whose quote or bracket is not closed on it.
 */
function unclosedOpening(
  reason: string,
  lines: string[],
  reportedLine: number,
): { line: number; column: number } | undefined {
  const quote = /within a (double|single) quoted scalar/.exec(reason)?.[1];
  const flow = /flow collection/.test(reason);
  if (!quote && !flow) return undefined;
  for (let index = reportedLine - 2; index >= 1; index--) {
    const text = lines[index];
    if (quote) {
      const mark = quote === 'double' ? '"' : "'";
      // A quote that begins a value: after `key: `, `- `, or at the start of the line.
      const start = new RegExp(`^(\\s*(?:-\\s+)*(?:[^\\s#'"][^#]*?:\\s+)?)${mark}`).exec(text);
      if (!start) continue;
      const rest = text.slice(start[0].length);
      const closed =
        quote === 'double' ? rest.replace(/\\./g, '').includes('"') : rest.replace(/''/g, '').includes("'");
      if (!closed) return { line: index + 1, column: start[1].length + 1 };
    } else {
      const openers: number[] = [];
      let inQuote: string | undefined;
      for (let at = 0; at < text.length; at++) {
        const char = text[at];
        if (inQuote) {
          if (char === inQuote) inQuote = undefined;
        } else if (char === '"' || char === "'") inQuote = char;
        else if (char === '#' && (at === 0 || /\s/.test(text[at - 1]))) break;
        else if (char === '[' || char === '{') openers.push(at);
        else if ((char === ']' || char === '}') && openers.length > 0) openers.pop();
      }
      if (openers.length > 0) return { line: index + 1, column: openers[openers.length - 1] + 1 };
    }
  }
  return undefined;
}
