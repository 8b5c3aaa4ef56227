/**
 * What search engines read: robots.txt, the sitemap index over the day sitemaps and the names
 * sitemap (https://www.sitemaps.org/protocol.html), and the Google News sitemap of the last two
 * days (https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap).
 *
 * Each document is one Query (functions/core/store.ts: readSitemapIndex, readSitemapDay,
 * readRecent), kept small by the bySitemap index that ingest's writes of the site feed maintain.
 * A sitemap lists at most SITEMAP_PAGE_URLS pages; a day with more is split into numbered pages.
 */
import { cleanXmlText, escapeXml } from './feeds/text';
import type { FeedEntry } from './post';
import type { Site } from './site';
import type { SitemapListing, SitemapUrl } from './store';
import { absoluteUrl, feedPagePath } from './urls';

/**
 * URLs per sitemap. The protocol allows 50,000 (and 50 MB), but a Lambda response is at most
 * 6 MB: 2,000 locations of the longest page path (2,048 bytes, percent-encoded) still fit.
 */
export const SITEMAP_PAGE_URLS = 2000;
/** Google News reads the articles of the last two days, at most 1,000 per sitemap. */
export const NEWS_WINDOW_MS = 48 * 3_600_000;
export const NEWS_MAX_URLS = 1000;

export const SITEMAP_PATH = '/sitemap.xml';
export const NEWS_SITEMAP_PATH = '/news-sitemap.xml';
export const SITEMAP_CONTENT_TYPE = 'application/xml; charset=utf-8';

const SITEMAPS_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** One sitemap the index lists: `posts-2022-01-12.xml` (`posts-2022-01-12.p2.xml` for its second page), `names.xml`. */
export type SitemapFile = { kind: 'day'; day: string; page: number } | { kind: 'names'; page: number };

/** Decoded path of a sitemap the index lists. */
export function sitemapPath(file: SitemapFile): string {
  const base = file.kind === 'day' ? `posts-${file.day}` : 'names';
  return `/sitemaps/${base}${file.page > 1 ? `.p${file.page}` : ''}.xml`;
}

/** The sitemap a `/sitemaps/{file}` name is, when it is one this site writes. */
export function parseSitemapFile(file: string): SitemapFile | undefined {
  const match = /^(?:posts-(\d{4}-\d{2}-\d{2})|names)(?:\.p([1-9]\d{0,5}))?\.xml$/.exec(file);
  if (!match) return undefined;
  const page = match[2] ? Number(match[2]) : 1;
  // One name per document: page 1 has no number.
  if (match[2] && page === 1) return undefined;
  if (match[1] && Number.isNaN(Date.parse(`${match[1]}T00:00:00Z`))) return undefined;
  return match[1] ? { kind: 'day', day: match[1], page } : { kind: 'names', page };
}

/** robots.txt: the whole site and its sitemaps, or (a staging site: ROBOTS=disallow) nothing at all. */
export function renderRobots(site: Pick<Site, 'baseUrl' | 'robots'>): string {
  if (site.robots === 'disallow') return 'User-agent: *\nDisallow: /\n';
  return [
    'User-agent: *',
    'Allow: /',
    '',
    `Sitemap: ${site.baseUrl}${SITEMAP_PATH}`,
    `Sitemap: ${site.baseUrl}${NEWS_SITEMAP_PATH}`,
    '',
  ].join('\n');
}

/** The sitemaps of a listing, in the order the index lists them: days oldest first, then the names. */
export function sitemapFiles(listing: SitemapListing): Array<{ file: SitemapFile; lastModified?: string }> {
  const files: Array<{ file: SitemapFile; lastModified?: string }> = [];
  for (const { day, count, lastModified } of [...listing.days].sort((a, b) => (a.day < b.day ? -1 : 1))) {
    for (let page = 1; (page - 1) * SITEMAP_PAGE_URLS < count; page++)
      files.push({ file: { kind: 'day', day, page }, ...(lastModified ? { lastModified } : {}) });
  }
  for (let page = 1; (page - 1) * SITEMAP_PAGE_URLS < listing.names.length; page++)
    files.push({ file: { kind: 'names', page } });
  return files;
}

/** The sitemap index; undefined when there is nothing to list (an index must list a sitemap). */
export function renderSitemapIndex(listing: SitemapListing, site: Pick<Site, 'baseUrl'>): string | undefined {
  const files = sitemapFiles(listing);
  if (files.length === 0) return undefined;
  const items = files.map(
    ({ file, lastModified }) =>
      `<sitemap><loc>${loc(site, sitemapPath(file))}</loc>${lastModified ? `<lastmod>${escapeXml(lastModified)}</lastmod>` : ''}</sitemap>`,
  );
  return `${XML_DECLARATION}<sitemapindex xmlns="${SITEMAPS_NS}">\n${items.join('\n')}\n</sitemapindex>\n`;
}

/** A day's sitemap: its posts' pages with when each last changed. */
export function renderUrlSet(
  urls: ReadonlyArray<{ path: string; lastModified?: string }>,
  site: Pick<Site, 'baseUrl'>,
): string {
  const items = urls.map(
    ({ path, lastModified }) =>
      `<url><loc>${loc(site, path)}</loc>${lastModified ? `<lastmod>${escapeXml(lastModified)}</lastmod>` : ''}</url>`,
  );
  return `${XML_DECLARATION}<urlset xmlns="${SITEMAPS_NS}">\n${items.join('\n')}\n</urlset>\n`;
}

export function dayUrls(urls: SitemapUrl[]): Array<{ path: string; lastModified: string }> {
  return urls.map(({ path, updated }) => ({ path, lastModified: updated }));
}

/** The category and tag pages of one page of the names sitemap, categories first, each by name. */
export function namePages(listing: SitemapListing, page: number): Array<{ path: string }> {
  const ordered = [...listing.names].sort((a, b) =>
    a.kind !== b.kind ? (a.kind === 'category' ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  return ordered
    .slice((page - 1) * SITEMAP_PAGE_URLS, page * SITEMAP_PAGE_URLS)
    .map(({ kind, name }) => ({ path: feedPagePath({ kind, name }) }));
}

/**
 * The Google News sitemap: the posts dated within the last 48 hours (not in the future), newest
 * first, with the site's name and language and each post's date in its own offset. With none, an
 * empty `urlset`: the sitemaps.org schema wants at least one `url`, but Google's News sitemap
 * guide (developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap) says a sitemap
 * emptied because nothing was published in two days "will not cause any problems".
 */
export function renderNewsSitemap(
  entries: FeedEntry[],
  site: Pick<Site, 'baseUrl' | 'title' | 'language'>,
  now: number,
): string {
  const recent = entries
    .filter((entry) => {
      const at = Date.parse(entry.date);
      return at >= now - NEWS_WINDOW_MS && at <= now;
    })
    .slice(0, NEWS_MAX_URLS);
  const publication = `<news:publication><news:name>${text(site.title)}</news:name><news:language>${newsLanguage(site.language)}</news:language></news:publication>`;
  const items = recent.map(
    (entry) =>
      `<url><loc>${loc(site, entry.path)}</loc><news:news>${publication}` +
      `<news:publication_date>${escapeXml(entry.date)}</news:publication_date><news:title>${text(entry.title)}</news:title></news:news></url>`,
  );
  return `${XML_DECLARATION}<urlset xmlns="${SITEMAPS_NS}" xmlns:news="${NEWS_NS}">\n${items.join('\n')}${items.length ? '\n' : ''}</urlset>\n`;
}

/**
 * Google News wants an ISO 639 code (two or three letters), and `zh-cn` / `zh-tw` for Chinese in
 * simplified and traditional script; the site's language is a BCP 47 tag (`zh-CN`, `en-GB`).
 */
export function newsLanguage(tag: string): string {
  const parts = tag.toLowerCase().split('-');
  if (parts[0] === 'zh') {
    const traditional = parts.includes('hant') || parts.includes('tw') || parts.includes('hk') || parts.includes('mo');
    return traditional ? 'zh-tw' : 'zh-cn';
  }
  return parts[0];
}

function loc(site: Pick<Site, 'baseUrl'>, path: string): string {
  return escapeXml(absoluteUrl(site.baseUrl, path));
}

function text(value: string): string {
  return escapeXml(cleanXmlText(value));
}
