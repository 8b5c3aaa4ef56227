/**
 * RSS 2.0 and Atom 1.0 through the `feed` package, with its output corrected.
 *
 * No text of ours reaches the package directly. Each value goes in as a placeholder token
 * (private-use characters the package passes through untouched), dates go in as unique
 * synthetic instants, and ids that it parses as URLs go in as placeholder URNs. The
 * package then only decides the document's structure; afterwards each placeholder is
 * replaced, once, by the value escaped for where it landed (CDATA or escaped text, element
 * or attribute), and each synthetic date by the real one in the post's own offset. Since
 * user text is inserted in a single pass after all structural rewriting, nothing in a title
 * or body can be mistaken for a date, a token or markup.
 */
import { Feed, type Item } from 'feed';
import { feedUpdatedRfc822, feedUpdatedRfc3339, type PreparedFeed } from './model';
import { cdata, escapeXml } from './text';

const TOKEN_OPEN = '\uE000';
const TOKEN_CLOSE = '\uE001';
const URL_TOKEN_PREFIX = 'urn:x-feed-token:';

type TokenMode = 'text' | 'html';

class Placeholders {
  private readonly values: Array<{ value: string; mode: TokenMode }> = [];
  private readonly dates = new Map<string, string | null>();
  private nextSecond = 1;

  /** Plain text (titles, names, ids): always written as escaped XML text. */
  text(value: string): string {
    return this.add(value, 'text');
  }

  /** HTML markup: written as CDATA where the package put CDATA, else as escaped text. */
  html(value: string): string {
    return this.add(value, 'html');
  }

  /** A placeholder for a field the package parses with `new URL()` (Atom entry ids). */
  urlText(value: string): string {
    return `${URL_TOKEN_PREFIX}${this.values.push({ value, mode: 'text' }) - 1}`;
  }

  /**
   * A synthetic instant whose ISO and UTC string forms stand for `iso` / `rfc822`
   * (`null`: drop the element). Instants are whole, distinct seconds after the epoch.
   */
  date(iso: string | null, rfc822: string | null): Date {
    const synthetic = new Date(this.nextSecond++ * 1000);
    this.dates.set(synthetic.toISOString(), iso);
    this.dates.set(synthetic.toUTCString(), rfc822);
    return synthetic;
  }

  /** Replaces synthetic dates and URL placeholders; the output still holds text tokens. */
  resolveStructure(xml: string): string {
    const withDates = xml.replace(
      /(\n[ \t]*)?<(updated|published|pubDate|lastBuildDate)>([^<]*)<\/\2>/g,
      (_whole, indent: string | undefined, tag: string, text: string) => {
        if (!this.dates.has(text)) throw new Error(`feeds: unexpected <${tag}>${text}</${tag}> from the feed package`);
        const value = this.dates.get(text);
        return value === null || value === undefined ? '' : `${indent ?? ''}<${tag}>${value}</${tag}>`;
      },
    );
    return withDates.replace(/urn:x-feed-token:(\d+)/g, (_, index: string) => `${TOKEN_OPEN}${index}${TOKEN_CLOSE}`);
  }

  /** Inserts every value, escaped for its position, in one pass. */
  resolveText(xml: string): string {
    return xml.replace(
      /<!\[CDATA\[\uE000(\d+)\uE001\]\]>|\uE000(\d+)\uE001/g,
      (_whole, inCdata?: string, bare?: string) => {
        const entry = this.values[Number(inCdata ?? bare)];
        if (!entry) throw new Error(`feeds: unknown placeholder in feed package output`);
        return inCdata !== undefined && entry.mode === 'html' ? cdata(entry.value) : escapeXml(entry.value);
      },
    );
  }

  private add(value: string, mode: TokenMode): string {
    return `${TOKEN_OPEN}${this.values.push({ value, mode }) - 1}${TOKEN_CLOSE}`;
  }
}

function newFeed(feed: PreparedFeed, p: Placeholders, updated: Date): Feed {
  return new Feed({
    id: p.text(feed.id),
    title: p.text(feed.title),
    description: p.text(feed.description),
    language: p.text(feed.language),
    link: feed.pageUrl,
    // Only `feedLinks` (never `feed`): RSS takes `.rss`, Atom `.atom`, each its own self link.
    feedLinks: { ...feed.selfUrls },
    author: { name: p.text(feed.authorName), link: feed.siteUrl },
    updated,
  });
}

export function renderRss(feed: PreparedFeed): string {
  const p = new Placeholders();
  const lastBuild = feedUpdatedRfc822(feed);
  const out = newFeed(feed, p, p.date(null, lastBuild ?? null));
  for (const entry of feed.entries) {
    const item: Item = {
      title: p.text(entry.title),
      link: entry.url,
      guid: p.text(entry.id),
      // `published` wins over `date` for <pubDate>; `date` is required by the package.
      date: p.date(null, null),
      published: p.date(entry.published, entry.publishedRfc822),
      description: p.html(entry.summaryHtml),
      content: p.html(entry.contentHtml),
      category: entry.categories.map((c) => ({ name: p.text(c.name), domain: p.text(c.scheme) })),
      // One <enclosure> per item (RSS 2.0 has room for one): the audio or video, else the picture.
      // A length nobody gave is 0, as the RSS Advisory Board's profile says to write an unknown one.
      ...((entry.enclosure ?? entry.image)
        ? {
            enclosure: {
              url: (entry.enclosure ?? entry.image)!.url,
              type: (entry.enclosure ?? entry.image)!.type,
              length: entry.enclosure?.length ?? 0,
            },
          }
        : {}),
      extensions: [
        // RSS <author> must be an e-mail address; a name goes in <dc:creator>.
        ...(entry.author ? [{ name: 'dc:creator', objects: { _text: p.text(entry.author) } }] : []),
        // The picture in Media RSS too, which readers show as the item's thumbnail.
        ...(entry.image
          ? [
              {
                name: 'media:content',
                objects: { _attributes: { url: attribute(entry.image.url), type: entry.image.type, medium: 'image' } },
              },
              { name: 'media:thumbnail', objects: { _attributes: { url: attribute(entry.image.url) } } },
            ]
          : []),
      ],
    };
    out.addItem(item);
  }
  let xml = p.resolveText(addNavigation(p.resolveStructure(out.rss2()), feed, 'rss'));
  if (xml.includes('<media:content ')) {
    if (!xml.includes('<rss version="2.0"')) throw new Error('feeds: unexpected RSS root from the feed package');
    xml = xml.replace('<rss version="2.0"', `<rss version="2.0" xmlns:media="${MEDIA_RSS_NAMESPACE}"`);
  }
  if (xml.includes('<dc:creator>') && !xml.includes('xmlns:dc=')) {
    throw new Error('feeds: the feed package no longer declares the dc namespace');
  }
  return xml;
}

export function renderAtom(feed: PreparedFeed): string {
  const p = new Placeholders();
  const updatedIso = feedUpdatedRfc3339(feed);
  const out = newFeed(feed, p, p.date(updatedIso, null));
  /** Each entry's enclosure links, by its id placeholder (the package types enclosures by file extension: image/jpg, audio/mp3). */
  const enclosures = new Map<string, string[]>();
  for (const entry of feed.entries) {
    const id = p.urlText(entry.id);
    const links = [entry.enclosure, entry.image].flatMap((media) =>
      media
        ? [
            `<link rel="enclosure" href="${escapeXml(media.url)}" type="${escapeXml(media.type)}"${'length' in media && media.length ? ` length="${media.length}"` : ''}/>`,
          ]
        : [],
    );
    if (links.length) enclosures.set(id, links);
    out.addItem({
      title: p.text(entry.title),
      id,
      link: entry.url,
      date: p.date(entry.updated, null),
      published: p.date(entry.published, null),
      description: p.html(entry.summaryHtml),
      content: p.html(entry.contentHtml),
      category: entry.categories.map((c) => ({ name: p.text(c.name), term: p.text(c.name), scheme: c.scheme })),
      ...(entry.author ? { author: [{ name: p.text(entry.author) }] } : {}),
    });
  }
  const root = '<feed xmlns="http://www.w3.org/2005/Atom">';
  let atom = out.atom1();
  for (const [id, links] of enclosures) {
    // At the end of the entry: readers that take an entry's first link as its page (rss-parser)
    // still find the alternate link first.
    const at = new RegExp(`(\\n[ \\t]*)<id>${id}</id>`).exec(atom);
    const end = at ? atom.indexOf('\n    </entry>', at.index) : -1;
    if (!at || end === -1) throw new Error("feeds: an entry is missing from the feed package's Atom output");
    atom = atom.slice(0, end) + links.map((link) => `${at[1]}${link}`).join('') + atom.slice(end);
  }
  let xml = p.resolveStructure(atom);
  if (!xml.includes(root)) throw new Error('feeds: unexpected Atom root from the feed package');
  xml = xml.replace(root, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${p.text(feed.language)}">`);
  // Titles are plain text: the package marks them type="html" around raw CDATA.
  xml = xml.replace(/<title type="html">(<!\[CDATA\[\uE000\d+\uE001\]\]>)<\/title>/g, '<title type="text">$1</title>');
  return p.resolveText(addNavigation(xml, feed, 'atom'));
}

const HISTORY_NAMESPACE = 'http://purl.org/syndication/history/1.0';
const MEDIA_RSS_NAMESPACE = 'http://search.yahoo.com/mrss/';

/** An attribute value for the package, which escapes quotes but not ampersands there. */
function attribute(value: string): string {
  return value.replace(/&/g, '&amp;');
}

/**
 * RFC 5005 archive links (`current`, `prev-archive`, `fh:archive`) and the WebSub hub,
 * placed right after the document's self link: the package writes none of them.
 */
function addNavigation(xml: string, feed: PreparedFeed, format: 'rss' | 'atom'): string {
  const links: Array<[rel: string, href: string]> = [];
  if (feed.currentUrls) links.push(['current', feed.currentUrls[format]]);
  if (feed.prevArchiveUrls) links.push(['prev-archive', feed.prevArchiveUrls[format]]);
  if (feed.hub) links.push(['hub', feed.hub]);
  const selfLink =
    format === 'rss'
      ? /(\n[ \t]*)(<atom:link href="[^"]*" rel="self" type="application\/rss\+xml"\/>)/
      : /(\n[ \t]*)(<link rel="self" href="[^"]*"\/>)/;
  const match = selfLink.exec(xml);
  if (!match) throw new Error(`feeds: no self link in the feed package's ${format} output`);
  const [, indent] = match;
  const type = format === 'rss' ? ' type="application/rss+xml"' : '';
  let added = links
    .map(([rel, href]) =>
      format === 'rss'
        ? `${indent}<atom:link href="${escapeXml(href)}" rel="${rel}"${rel === 'hub' ? '' : type}/>`
        : `${indent}<link rel="${rel}" href="${escapeXml(href)}"/>`,
    )
    .join('');
  if (feed.currentUrls) added += `${indent}<fh:archive xmlns:fh="${HISTORY_NAMESPACE}"/>`;
  return xml.slice(0, match.index + match[0].length) + added + xml.slice(match.index + match[0].length);
}
