import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * The rules the W3C Feed Validation Service applies to RSS 2.0 and Atom 1.0 (as far as a
 * document of ours can break them), and the JSON Feed 1.1 specification's requirements.
 * The service itself is not reachable from these machines, so its rules are restated here;
 * each check returns the list of errors, empty for a valid document.
 */

const RFC822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (0[1-9]|[12]\d|3[01]) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d ([+-]\d{4}|GMT|UT|[ECMP][SD]T)$/;
const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;
const TAG_URI = /^tag:[A-Za-z0-9.-]+,\d{4}(-\d{2}(-\d{2})?)?:[\x21-\x7e]*$/;
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const HTML_DANGER = /<script\b|\son[a-z]+\s*=|javascript:/i;
const RELATIVE_URL_IN_HTML = /\s(?:href|src)\s*=\s*["'](?![a-z][a-z0-9+.-]*:|#)/i;

const REPEATED = new Set([
  'rss.channel.item',
  'rss.channel.item.category',
  'rss.channel.atom:link',
  'rss.channel.item.enclosure',
  'rss.channel.item.media:content',
  'feed.entry',
  'feed.link',
  'feed.author',
  'feed.entry.link',
  'feed.entry.author',
  'feed.entry.category',
]);
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: false,
  isArray: (_name, path) => REPEATED.has(String(path)),
});

type Node = Record<string, unknown>;

function text(node: unknown): string | undefined {
  if (node === undefined || node === null) return undefined;
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && '#text' in (node as Node)) return String((node as Node)['#text']);
  if (typeof node === 'object') return '';
  return String(node);
}

function isAbsoluteUrl(value: string | undefined): boolean {
  if (!value) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function wellFormed(xml: string, errors: string[]): Node | undefined {
  if (XML_ILLEGAL.test(xml)) errors.push('document contains characters XML 1.0 does not allow');
  const result = XMLValidator.validate(xml);
  if (result !== true) {
    errors.push(`not well-formed XML: ${result.err.msg} (line ${result.err.line})`);
    return undefined;
  }
  return parser.parse(xml) as Node;
}

const MIME_TYPE = /^[a-z]+\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/**
 * Media as the W3C validator checks it: an RSS <enclosure> has an absolute url, a length that is
 * a whole number of bytes and a MIME type, and one per item (DuplicateEnclosure); Media RSS
 * elements have absolute urls (its namespace declared, or the document is not well-formed).
 */
function checkRssMedia(where: string, item: Node, errors: string[]): void {
  const enclosures = (item.enclosure as Node[] | undefined) ?? [];
  if (enclosures.length > 1) errors.push(`${where} has more than one <enclosure> (DuplicateEnclosure)`);
  for (const enclosure of enclosures) {
    if (!isAbsoluteUrl(String(enclosure['@url'] ?? ''))) errors.push(`${where} <enclosure> needs an absolute url`);
    if (!/^\d+$/.test(String(enclosure['@length'] ?? ''))) errors.push(`${where} <enclosure> needs a length in bytes`);
    if (!MIME_TYPE.test(String(enclosure['@type'] ?? ''))) errors.push(`${where} <enclosure> needs a MIME type`);
  }
  for (const content of (item['media:content'] as Node[] | undefined) ?? []) {
    if (!isAbsoluteUrl(String(content['@url'] ?? ''))) errors.push(`${where} <media:content> needs an absolute url`);
    if (content['@type'] !== undefined && !MIME_TYPE.test(String(content['@type'])))
      errors.push(`${where} <media:content> type is not a MIME type`);
  }
  const thumbnail = item['media:thumbnail'] as Node | undefined;
  if (thumbnail && !isAbsoluteUrl(String(thumbnail['@url'] ?? '')))
    errors.push(`${where} <media:thumbnail> needs an absolute url`);
}

function checkHtml(where: string, html: string | undefined, errors: string[]): void {
  if (html === undefined) return;
  if (HTML_DANGER.test(html))
    errors.push(`${where} contains potentially dangerous content (script, event handler or javascript: URL)`);
  if (RELATIVE_URL_IN_HTML.test(html)) errors.push(`${where} contains a relative URL`);
}

/** RSS 2.0, as the W3C validator reads it. `selfUrl`: where the document was fetched from. */
export function rssErrors(xml: string, selfUrl?: string): string[] {
  const errors: string[] = [];
  const doc = wellFormed(xml, errors);
  if (!doc) return errors;
  const rss = doc.rss as Node | undefined;
  if (rss?.['@version'] !== '2.0') return [...errors, 'root element must be <rss version="2.0">'];
  const channel = rss.channel as Node | undefined;
  if (!channel || Array.isArray(channel)) return [...errors, 'rss must contain exactly one channel'];
  for (const required of ['title', 'link', 'description']) {
    if (!text(channel[required])?.trim()) errors.push(`channel is missing <${required}>`);
  }
  if (!isAbsoluteUrl(text(channel.link))) errors.push('channel <link> must be an absolute URL');
  const language = text(channel.language);
  if (language !== undefined && !LANGUAGE.test(language))
    errors.push(`channel <language> "${language}" is not a language code`);
  for (const field of ['lastBuildDate', 'pubDate']) {
    const value = text(channel[field]);
    if (value !== undefined && !RFC822.test(value)) errors.push(`channel <${field}> "${value}" is not an RFC 822 date`);
  }
  const atomLinks = (channel['atom:link'] as Node[] | undefined) ?? [];
  if (atomLinks.length && !String(rss['@xmlns:atom'] ?? '').includes('http://www.w3.org/2005/Atom')) {
    errors.push('atom:link used without declaring the Atom namespace');
  }
  const self = atomLinks.find((link) => link['@rel'] === 'self');
  if (!self) errors.push('missing atom:link with rel="self"');
  else {
    if (!isAbsoluteUrl(String(self['@href']))) errors.push('self link must be an absolute URL');
    if (self['@type'] !== 'application/rss+xml') errors.push('self link type must be application/rss+xml');
    if (selfUrl && self['@href'] !== selfUrl)
      errors.push(`self reference ${self['@href']} does not match document location ${selfUrl}`);
  }
  for (const link of atomLinks) {
    if (!link['@rel'] || !isAbsoluteUrl(String(link['@href'])))
      errors.push(`atom:link rel="${link['@rel']}" needs an absolute href`);
  }
  const guids = new Set<string>();
  const items = (channel.item as Node[] | undefined) ?? [];
  items.forEach((item, index) => {
    const where = `item ${index + 1}`;
    const title = text(item.title);
    if (!title?.trim() && !text(item.description)?.trim()) errors.push(`${where} needs a title or a description`);
    if (item.link !== undefined && !isAbsoluteUrl(text(item.link)))
      errors.push(`${where} <link> must be an absolute URL`);
    const guidNode = item.guid as Node | string | undefined;
    const guid = text(guidNode);
    if (!guid) errors.push(`${where} has no <guid>`);
    else {
      if (guids.has(guid)) errors.push(`${where} repeats guid ${guid}`);
      guids.add(guid);
      const permalink = typeof guidNode === 'object' ? guidNode['@isPermaLink'] : undefined;
      if (permalink !== 'false' && !isAbsoluteUrl(guid))
        errors.push(`${where} guid must be a URL unless isPermaLink="false"`);
    }
    const pubDate = text(item.pubDate);
    if (pubDate !== undefined && !RFC822.test(pubDate))
      errors.push(`${where} <pubDate> "${pubDate}" is not an RFC 822 date`);
    for (const category of (item.category as unknown[] | undefined) ?? []) {
      if (!text(category)?.trim()) errors.push(`${where} has an empty <category>`);
    }
    const keys = Object.keys(item);
    if (keys.indexOf('description') > keys.indexOf('content:encoded') && keys.includes('content:encoded')) {
      errors.push(`${where} should put <description> before <content:encoded>`);
    }
    checkHtml(`${where} description`, text(item.description), errors);
    checkHtml(`${where} content:encoded`, text(item['content:encoded']), errors);
    checkRssMedia(where, item, errors);
  });
  return errors;
}

/** Atom 1.0 (RFC 4287), as the W3C validator reads it. */
export function atomErrors(xml: string, selfUrl?: string): string[] {
  const errors: string[] = [];
  const doc = wellFormed(xml, errors);
  if (!doc) return errors;
  const feed = doc.feed as Node | undefined;
  if (feed?.['@xmlns'] !== 'http://www.w3.org/2005/Atom') return [...errors, 'root element must be an Atom <feed>'];
  const checkId = (where: string, id: string | undefined) => {
    if (!id) errors.push(`${where} is missing <id>`);
    else if (id.startsWith('tag:') ? !TAG_URI.test(id) : !isAbsoluteUrl(id))
      errors.push(`${where} <id> "${id}" is not a valid IRI`);
  };
  const checkDate = (where: string, value: string | undefined, required: boolean) => {
    if (value === undefined) {
      if (required) errors.push(`${where} is missing <updated>`);
    } else if (!RFC3339.test(value)) errors.push(`${where} date "${value}" is not RFC 3339`);
  };
  const checkText = (where: string, node: unknown) => {
    if (node === undefined) return;
    const type = typeof node === 'object' ? (node as Node)['@type'] : undefined;
    if (type !== undefined && !['text', 'html', 'xhtml'].includes(String(type)))
      errors.push(`${where} has type "${type}"`);
  };
  checkId('feed', text(feed.id));
  if (!text(feed.title)?.trim()) errors.push('feed is missing <title>');
  checkText('feed title', feed.title);
  checkDate('feed', text(feed.updated), true);
  const lang = feed['@xml:lang'];
  if (lang !== undefined && !LANGUAGE.test(String(lang))) errors.push(`xml:lang "${lang}" is not a language tag`);
  const links = (feed.link as Node[] | undefined) ?? [];
  const self = links.find((link) => link['@rel'] === 'self');
  if (!self) errors.push('missing <link rel="self">');
  else if (selfUrl && self['@href'] !== selfUrl)
    errors.push(`self reference ${self['@href']} does not match document location ${selfUrl}`);
  for (const link of links)
    if (!isAbsoluteUrl(String(link['@href']))) errors.push(`link rel="${link['@rel']}" needs an absolute href`);
  const feedHasAuthor = ((feed.author as Node[] | undefined) ?? []).some((author) => text(author.name)?.trim());
  const ids = new Set<string>();
  // The W3C validator's DuplicateUpdated warning: entries published apart but updated at the same
  // instant (an import that dated every entry with the time it was made) read as one batch to
  // readers that sort by it. Entries the publisher dated alike are alike; its documentation says
  // "if the two atom:entry elements were updated at the same time, then no action is necessary"
  // (w3c/feedvalidator docs/warning/DuplicateUpdated.html).
  const updated = new Map<string, { index: number; published?: string }>();
  ((feed.entry as Node[] | undefined) ?? []).forEach((entry, index) => {
    const where = `entry ${index + 1}`;
    const when = text(entry.updated);
    const published = text(entry.published);
    const earlier = when === undefined ? undefined : updated.get(when);
    if (earlier && earlier.published !== published)
      errors.push(
        `${where} has the same <updated> as entry ${earlier.index}, published at another time (DuplicateUpdated)`,
      );
    else if (when !== undefined && !earlier) updated.set(when, { index: index + 1, published });
    const id = text(entry.id);
    checkId(where, id);
    if (id && ids.has(id)) errors.push(`${where} repeats id ${id}`);
    if (id) ids.add(id);
    if (!text(entry.title)?.trim()) errors.push(`${where} is missing <title>`);
    checkText(`${where} title`, entry.title);
    checkDate(where, text(entry.updated), true);
    checkDate(`${where} published`, text(entry.published), false);
    const entryLinks = (entry.link as Node[] | undefined) ?? [];
    if (!entryLinks.some((link) => (link['@rel'] ?? 'alternate') === 'alternate'))
      errors.push(`${where} has no alternate link`);
    for (const link of entryLinks)
      if (!isAbsoluteUrl(String(link['@href']))) errors.push(`${where} link needs an absolute href`);
    for (const link of entryLinks.filter((candidate) => candidate['@rel'] === 'enclosure')) {
      if (link['@type'] !== undefined && !MIME_TYPE.test(String(link['@type'])))
        errors.push(`${where} enclosure link type is not a MIME type`);
      if (link['@length'] !== undefined && !/^\d+$/.test(String(link['@length'])))
        errors.push(`${where} enclosure link length is not a whole number`);
    }
    const hasAuthor = ((entry.author as Node[] | undefined) ?? []).some((author) => text(author.name)?.trim());
    if (!hasAuthor && !feedHasAuthor) errors.push(`${where} has no author and the feed has none`);
    for (const category of (entry.category as Node[] | undefined) ?? []) {
      if (!String(category['@term'] ?? '').trim()) errors.push(`${where} category has no term`);
    }
    const content = entry.content as Node | undefined;
    if (!content && !entry.summary) errors.push(`${where} has neither content nor summary`);
    checkText(`${where} summary`, entry.summary);
    if (content && content['@type'] === 'html') checkHtml(`${where} content`, text(content), errors);
  });
  return errors;
}

/** JSON Feed 1.1 (https://jsonfeed.org/version/1.1). */
export function jsonFeedErrors(body: string, selfUrl?: string): string[] {
  const errors: string[] = [];
  let feed: Record<string, unknown>;
  try {
    feed = JSON.parse(body) as Record<string, unknown>;
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  const url = (where: string, value: unknown, required = false) => {
    if (value === undefined) {
      if (required) errors.push(`${where} is required`);
    } else if (typeof value !== 'string' || !isAbsoluteUrl(value)) errors.push(`${where} must be an absolute URL`);
  };
  const authors = (where: string, value: unknown) => {
    if (value === undefined) return;
    if (
      !Array.isArray(value) ||
      value.some((author) => typeof author !== 'object' || !(author.name || author.url || author.avatar))
    ) {
      errors.push(`${where} must be an array of author objects with a name, url or avatar`);
    }
  };
  if (feed.version !== 'https://jsonfeed.org/version/1.1')
    errors.push(`version must be https://jsonfeed.org/version/1.1`);
  if (typeof feed.title !== 'string' || !feed.title) errors.push('title is required');
  url('home_page_url', feed.home_page_url);
  url('feed_url', feed.feed_url);
  if (selfUrl && feed.feed_url !== selfUrl) errors.push(`feed_url ${feed.feed_url} does not match ${selfUrl}`);
  url('next_url', feed.next_url);
  if (feed.language !== undefined && (typeof feed.language !== 'string' || !LANGUAGE.test(feed.language)))
    errors.push('language must be a language tag');
  authors('authors', feed.authors);
  if ('author' in feed) errors.push('author is JSON Feed 1.0; 1.1 uses authors');
  if (
    feed.hubs !== undefined &&
    (!Array.isArray(feed.hubs) || feed.hubs.some((hub) => typeof hub?.type !== 'string' || !isAbsoluteUrl(hub?.url)))
  ) {
    errors.push('hubs must be an array of {type, url}');
  }
  if (!Array.isArray(feed.items)) return [...errors, 'items must be an array'];
  const ids = new Set<string>();
  feed.items.forEach((item: Record<string, unknown>, index: number) => {
    const where = `item ${index + 1}`;
    if (typeof item.id !== 'string' || !item.id) errors.push(`${where} id must be a non-empty string`);
    else if (ids.has(item.id)) errors.push(`${where} repeats id ${item.id}`);
    else ids.add(item.id);
    if (typeof item.content_html !== 'string' && typeof item.content_text !== 'string')
      errors.push(`${where} needs content_html or content_text`);
    url(`${where} url`, item.url);
    for (const field of ['date_published', 'date_modified']) {
      const value = item[field];
      if (value !== undefined && (typeof value !== 'string' || !RFC3339.test(value)))
        errors.push(`${where} ${field} is not RFC 3339`);
    }
    if (item.title !== undefined && typeof item.title !== 'string') errors.push(`${where} title must be a string`);
    if (item.summary !== undefined && typeof item.summary !== 'string')
      errors.push(`${where} summary must be a string`);
    if (item.tags !== undefined && (!Array.isArray(item.tags) || item.tags.some((tag) => typeof tag !== 'string'))) {
      errors.push(`${where} tags must be strings`);
    }
    authors(`${where} authors`, item.authors);
    if ('author' in item) errors.push(`${where} author is JSON Feed 1.0; 1.1 uses authors`);
    if (typeof item.content_html === 'string') checkHtml(`${where} content_html`, item.content_html, errors);
    url(`${where} image`, item.image);
    if (item.attachments !== undefined) {
      if (!Array.isArray(item.attachments)) errors.push(`${where} attachments must be an array`);
      else
        item.attachments.forEach((attachment: Record<string, unknown>, at: number) => {
          url(`${where} attachment ${at + 1} url`, attachment.url, true);
          if (typeof attachment.mime_type !== 'string' || !MIME_TYPE.test(attachment.mime_type))
            errors.push(`${where} attachment ${at + 1} needs a mime_type`);
          if (
            attachment.size_in_bytes !== undefined &&
            !(Number.isInteger(attachment.size_in_bytes) && Number(attachment.size_in_bytes) >= 0)
          ) {
            errors.push(`${where} attachment ${at + 1} size_in_bytes must be a whole number`);
          }
        });
    }
  });
  return errors;
}
