/**
 * Post URLs as Jekyll 4 builds them (lib/jekyll/url.rb, lib/jekyll/drops/url_drop.rb,
 * lib/jekyll/utils.rb `slugify`, the style table in lib/jekyll/configuration.rb), so that a site
 * moved here keeps every post's URL. Paths here are decoded: Jekyll percent-encodes the values it
 * puts in a URL, and HTTP API hands us the path decoded again (docs/design.md).
 */
import { PostRejected } from './errors';
import type { PostDate } from './post-date';

/** Jekyll's named permalink styles (`permalink: pretty` in _config.yml); `date` is its default. */
export const PERMALINK_STYLES: Readonly<Record<string, string>> = {
  date: '/:categories/:year/:month/:day/:title:output_ext',
  pretty: '/:categories/:year/:month/:day/:title/',
  ordinal: '/:categories/:year/:y_day/:title:output_ext',
  weekdate: '/:categories/:year/W:week/:short_day/:title:output_ext',
  none: '/:categories/:title:output_ext',
};

/** Jekyll's default style: every post without a site config or a permalink of its own. */
export const DEFAULT_PERMALINK = PERMALINK_STYLES.date;

/** The template a site's `permalink` setting names: a style, or a template as written. */
export function permalinkTemplate(setting: string): string {
  return PERMALINK_STYLES[setting] ?? setting;
}

export type SlugifyMode = 'raw' | 'default' | 'pretty' | 'ascii';

/** What each mode replaces with a hyphen, runs at once (Jekyll's SLUGIFY_*_REGEXP). */
const SLUGIFY_REPLACED: Record<SlugifyMode, RegExp> = {
  raw: /\s+/gu,
  default: /[^\p{M}\p{L}\p{Nd}]+/gu,
  // "._~!$&'()+,;=@" read as themselves in a URL, and are allowed in file names everywhere.
  pretty: /[^\p{M}\p{L}\p{Nd}._~!$&'()+,;=@]+/gu,
  ascii: /[^A-Za-z0-9]+/g,
};

/**
 * Jekyll's `Utils.slugify`: runs of the characters a mode does not keep become one hyphen, a
 * hyphen at either end is dropped, and the result is lowercased unless `cased`.
 * `slugify("UX/UI")` is `ux-ui`; `slugify("Hello World & you?", "pretty", true)` is `Hello-World-&-you`.
 */
export function slugify(text: string, mode: SlugifyMode = 'default', cased = false): string {
  const slug = text.replace(SLUGIFY_REPLACED[mode], '-').replace(/^-|-$/g, '');
  return cased ? slug : slug.toLowerCase();
}

/** What a post's URL is built from. */
export interface PermalinkParts {
  /** Every category, in Jekyll's order (folders above `_posts`, then front matter). */
  categories: string[];
  date: PostDate;
  /** `slug:` from front matter, else the file name's title part (`2022-01-12-my-post.md`: `my-post`). */
  slug: string;
  /** The file name without its extension (Jekyll's `basename_without_ext`), for `:name`. */
  basename: string;
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Every placeholder Jekyll 4 gives a post's URL, as Ruby's strftime writes it, in the date's own offset. */
function placeholders({ categories, date, slug, basename }: PermalinkParts): Record<string, string> {
  const local = new Date(date.epochMs + date.offsetMinutes * 60_000);
  const year = local.getUTCFullYear();
  const startOfYear = Date.UTC(year, 0, 1);
  const dayOfYear =
    Math.floor((Date.UTC(year, local.getUTCMonth(), local.getUTCDate()) - startOfYear) / 86_400_000) + 1;
  const weekday = local.getUTCDay();
  const iso = isoWeek(local);
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return {
    year: date.year,
    month: date.month,
    day: date.day,
    hour: pad(local.getUTCHours()),
    minute: pad(local.getUTCMinutes()),
    second: pad(local.getUTCSeconds()),
    i_month: String(Number(date.month)),
    i_day: String(Number(date.day)),
    y_day: pad(dayOfYear, 3),
    short_year: date.year.slice(-2),
    short_month: MONTHS[Number(date.month) - 1].slice(0, 3),
    long_month: MONTHS[Number(date.month) - 1],
    short_day: WEEKDAYS[weekday].slice(0, 3),
    long_day: WEEKDAYS[weekday],
    w_day: String(weekday === 0 ? 7 : weekday),
    week: pad(iso.week),
    w_year: String(iso.year),
    title: slugify(slug, 'pretty', true),
    slug: slugify(slug),
    name: slugify(basename),
    // Jekyll downcases categories here (a set, so `News` and `news` count once), and slugifies them for :slugified_categories.
    categories: [...new Set(categories.map((name) => name.toLowerCase()))].join('/'),
    slugified_categories: [...new Set(categories.map((name) => slugify(name)))].join('/'),
    // Every post is served as an HTML page here, whatever its source's extension.
    output_ext: '.html',
    collection: 'posts',
  };
}

/** ISO 8601 week and week-based year (strftime's %V and %G). */
function isoWeek(local: Date): { week: number; year: number } {
  const day = local.getUTCDay() || 7;
  const thursday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 4 - day));
  const yearStart = Date.UTC(thursday.getUTCFullYear(), 0, 1);
  return { week: Math.ceil(((thursday.getTime() - yearStart) / 86_400_000 + 1) / 7), year: thursday.getUTCFullYear() };
}

/**
 * The decoded path Jekyll gives a post for a template (the site's or the post's `permalink`):
 * each `:placeholder` replaced (`:month_:day` is `:month` then `_`), percent-escapes written in the
 * template decoded, then Jekyll's clean-up: `..` becomes `/`, `./` is dropped, runs of `/` become
 * one, and the path starts with `/`. An unknown placeholder is refused, as Jekyll stops the build.
 */
export function jekyllPath(template: string, parts: PermalinkParts): string {
  const values = placeholders(parts);
  let filled = '';
  let last = 0;
  for (const match of template.matchAll(/:([a-z_]+)/g)) {
    filled += decodeEscapes(template.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[1];
    const winner = [name, ...(name.endsWith('_') ? [name.slice(0, -1)] : [])].find((key) => key in values);
    if (winner === undefined) {
      throw new PostRejected(
        `permalink "${template}" has the placeholder :${name}, which Jekyll does not know for posts`,
      );
    }
    filled += values[winner] + name.slice(winner.length);
  }
  filled += decodeEscapes(template.slice(last));
  if (`/${filled}`.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new PostRejected(`permalink "${template}" contains . or .. segments`);
  }
  return `/${filled}`
    .replaceAll('..', '/')
    .replaceAll('./', '')
    .replace(/\/{2,}/g, '/');
}

/** `%20` in a template is the space a request path arrives with (an undecodable run stays as written, and is refused later). */
function decodeEscapes(literal: string): string {
  return literal.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/** Jekyll's `titleize_slug`: the title of a post that gives none (`my-first-post` is `My First Post`). */
export function titleFromSlug(slug: string): string {
  return slug
    .split('-')
    .map((word) => {
      const [first = '', ...rest] = [...word];
      return first.toUpperCase() + rest.join('').toLowerCase();
    })
    .join(' ');
}
