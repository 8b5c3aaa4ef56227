import { Readable } from 'node:stream';
import { parseFeed as parseWithRowanmanning } from '@rowanmanning/feed-parser';
import FeedParser from 'feedparser';
import { parseFeed as parseWithFeedsmith } from 'feedsmith';
import Parser from 'rss-parser';
import { parseWithFeedparser } from './feedparser';

/** One enclosure as a reader's parser reports it: where, and of what type. */
export interface ReadEnclosure {
  url: string;
  type: string;
}

/** Each item's enclosures, in document order, as one parser read them. */
export type EnclosuresByItem = ReadEnclosure[][];

const rssParser = new Parser();

/** npm feedparser (sax-based, the parser of many Node readers), which streams items. */
async function readWithNpmFeedparser(document: string): Promise<FeedParser.Item[]> {
  return new Promise((resolve, reject) => {
    const items: FeedParser.Item[] = [];
    const parser = new FeedParser({});
    parser.on('error', reject);
    parser.on('readable', () => {
      for (let item = parser.read(); item; item = parser.read()) items.push(item);
    });
    parser.on('end', () => resolve(items));
    Readable.from([document]).pipe(parser);
  });
}

interface FeedsmithLink {
  href?: string;
  rel?: string;
  type?: string;
}

/**
 * The enclosures of an RSS or Atom document as five independent parsers read them: Python's
 * feedparser, rss-parser, npm feedparser, @rowanmanning/feed-parser and feedsmith. rss-parser
 * reads RSS only (Atom enclosure links are not among its fields): it is left out for Atom.
 */
export async function enclosuresByParser(document: string): Promise<Record<string, EnclosuresByItem>> {
  const isAtom = /<feed[\s>]/.test(document.slice(0, 500));
  const byParser: Record<string, EnclosuresByItem> = {};

  byParser['python feedparser'] = parseWithFeedparser(document).entries.map((entry) =>
    entry.enclosures.map(({ href, type }) => ({ url: href ?? '', type: type ?? '' })),
  );
  if (!isAtom)
    byParser['rss-parser'] = (await rssParser.parseString(document)).items.map((item) =>
      item.enclosure ? [{ url: item.enclosure.url, type: item.enclosure.type ?? '' }] : [],
    );
  byParser['npm feedparser'] = (await readWithNpmFeedparser(document)).map((item) =>
    item.enclosures.map(({ url, type }) => ({ url, type: type ?? '' })),
  );
  byParser['@rowanmanning/feed-parser'] = parseWithRowanmanning(document).items.map((item) =>
    item.media.map(({ url, mimeType }) => ({ url, type: mimeType ?? '' })),
  );
  const feedsmith = parseWithFeedsmith(document);
  if (feedsmith.format === 'atom')
    byParser.feedsmith = (feedsmith.feed.entries ?? []).map((entry) =>
      ((entry.links ?? []) as FeedsmithLink[])
        .filter((link) => link.rel === 'enclosure')
        .map((link) => ({ url: link.href ?? '', type: link.type ?? '' })),
    );
  else if (feedsmith.format === 'rss')
    byParser.feedsmith = (feedsmith.feed.items ?? []).map((item) =>
      (item.enclosures ?? []).map(({ url, type }) => ({ url: url ?? '', type: type ?? '' })),
    );
  else throw new Error(`feedsmith read the document as ${feedsmith.format}, not RSS or Atom`);
  return byParser;
}
