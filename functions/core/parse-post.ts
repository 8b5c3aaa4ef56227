import { createHash } from 'node:crypto';
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { PostRejected } from './errors';
import { parsePostDate, type PostDate } from './post-date';
import type { Post } from './post';
import { bodyFormatOf, firstParagraph, renderBody, renderInlineText } from './render-body';
import { shortCodeCandidate } from './short-code';

/** What parsing a file yields: a post ready to store, or `published: false`. */
export type ParsedPost = { published: true; post: Post } | { published: false; id: string };

export interface ParseOptions {
  /** Instant to record as `updated` when the content changed (the S3 event time). */
  now: string;
  /** Offset for dates written without one, minutes east of UTC. */
  defaultOffsetMinutes?: number;
}

// Fields this module interprets; everything else is kept on the post as given.
const KNOWN_FIELDS = new Set([
  'layout', 'title', 'date', 'categories', 'category', 'tags', 'tag', 'published', 'permalink',
  'excerpt', 'description', 'excerpt_separator', 'author', 'id', 'infoCode', 'slug',
]);

const FILE_NAME_DATE = /^(\d{4}-\d{2}-\d{2})-(.+)$/;
const LEGACY_SHARE_LINK = /NewsShare\.html\?(?:[^\s"'<>)]*&)?infoCode=([A-Za-z0-9_-]{1,64})/;
const DEFAULT_PERMALINK = '/:categories/:year/:month/:day/:title.html';

/**
 * Reads a Jekyll post (YAML front matter over an HTML or Markdown body) into a Post.
 * Throws PostRejected, saying what and where, when the file cannot be published.
 */
export function parsePost(sourceKey: string, text: string, options: ParseOptions): ParsedPost {
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const { data, content } = readFrontMatter(source);
  const fileName = baseName(sourceKey);
  const fromFileName = FILE_NAME_DATE.exec(fileName.replace(/\.[^.]+$/, ''));

  const explicitId = stringField(data, 'id') ?? stringField(data, 'infoCode');
  const infoCode = stringField(data, 'infoCode') ?? LEGACY_SHARE_LINK.exec(content)?.[1];
  const id = explicitId ?? infoCode ?? sourceKey.replace(/^posts\//, '').replace(/\.[^./]+$/, '');

  if (data.published === false) return { published: false, id };

  const title = stringField(data, 'title')?.trim();
  if (!title) throw new PostRejected('front matter has no title', 1);

  const date = readDate(data, fromFileName?.[1], options.defaultOffsetMinutes ?? 0);
  const slug = stringField(data, 'slug') ?? fromFileName?.[2] ?? fileName.replace(/\.[^.]+$/, '');
  const categories = nameList(data, 'categories', 'category');
  const tags = nameList(data, 'tags', 'tag');
  const html = renderBody(content, bodyFormatOf(sourceKey));
  const path = buildPermalink(stringField(data, 'permalink') ?? DEFAULT_PERMALINK, { categories, date, slug });

  const extra: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) if (!KNOWN_FIELDS.has(field)) extra[field] = value;

  const contentHash = createHash('sha256').update(sourceKey).update('\0').update(source).digest('hex');
  return {
    published: true,
    post: {
      id,
      ...(infoCode ? { infoCode } : {}),
      sourceKey,
      title,
      date: date.rfc3339,
      updated: options.now,
      categories,
      tags,
      ...(stringField(data, 'author') ? { author: stringField(data, 'author') } : {}),
      path,
      shortCode: shortCodeCandidate(id, 0),
      html,
      summary: readSummary(data, content, html, bodyFormatOf(sourceKey)),
      contentHash,
      extra,
    },
  };
}

function readFrontMatter(source: string): { data: Record<string, unknown>; content: string } {
  if (!source.startsWith('---')) throw new PostRejected('file does not start with YAML front matter (---)', 1);
  try {
    // An explicit engine: js-yaml's CORE_SCHEMA keeps dates as the strings written, offset included.
    // Passing options also keeps gray-matter from caching every input forever.
    const parsed = matter(source, {
      engines: { yaml: (text: string) => yaml.load(text, { schema: yaml.CORE_SCHEMA }) as object },
    });
    const data = parsed.data ?? {};
    if (typeof data !== 'object' || Array.isArray(data)) {
      throw new PostRejected('front matter is not a YAML mapping of fields', 2);
    }
    return { data: data as Record<string, unknown>, content: parsed.content };
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // gray-matter hands the engine the text after `---`, starting with that line's newline,
      // so js-yaml's line 0 is the file's line 1 and its line numbers are 0-based file lines.
      const line = error.mark ? error.mark.line + 1 : undefined;
      const column = error.mark ? error.mark.column + 1 : undefined;
      throw new PostRejected(`front matter is not valid YAML: ${error.reason}`, line, column);
    }
    throw error;
  }
}

function readDate(data: Record<string, unknown>, fileNameDate: string | undefined, defaultOffset: number): PostDate {
  const written = data.date;
  if (written !== undefined && written !== null) {
    if (typeof written !== 'string') throw new PostRejected(`date must be a date such as 2022-01-12 02:44:46 +0800, not ${JSON.stringify(written)}`);
    return parsePostDate(written, defaultOffset);
  }
  if (fileNameDate) return parsePostDate(fileNameDate, defaultOffset);
  throw new PostRejected('post has no date: give `date:` in front matter or name the file YYYY-MM-DD-slug.ext');
}

/** Jekyll's rule: a YAML list, or a space-separated string. Trimmed, NFC, de-duplicated. */
function nameList(data: Record<string, unknown>, plural: string, singular: string): string[] {
  const raw = data[plural] ?? data[singular];
  if (raw === undefined || raw === null) return [];
  const items = Array.isArray(raw) ? raw : String(raw).split(/\s+/);
  const names = items
    .map((item) => String(item).normalize('NFC').trim())
    .filter((name) => name !== '');
  for (const name of names) {
    if (/[/\\?#%]/.test(name) || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new PostRejected(`${plural} name "${name}" contains a character not allowed in a name (/ \\ ? # % or a control character)`);
    }
  }
  return [...new Set(names)];
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
  return normalized;
}

function readSummary(data: Record<string, unknown>, content: string, html: string, format: 'html' | 'markdown'): string {
  const given = stringField(data, 'excerpt') ?? stringField(data, 'description');
  if (given) return `<p>${renderInlineText(given)}</p>`;
  const separator = stringField(data, 'excerpt_separator');
  if (separator && content.includes(separator)) return renderBody(content.slice(0, content.indexOf(separator)), format);
  return firstParagraph(html) || html.slice(0, 500);
}

function stringField(data: Record<string, unknown>, field: string): string | undefined {
  const value = data[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'object') throw new PostRejected(`front matter field "${field}" must be text, not a list or mapping`);
  return String(value);
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}
