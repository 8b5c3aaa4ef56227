import { cleanXmlText, escapeXml as escapeXmlText } from './feeds/text';
import type { FeedRef } from './post';
import { displayName } from './settings';
import type { Site } from './site';
import { absoluteUrl, FEED_FORMATS, type FeedFormat, feedPagePath, feedPath } from './urls';

const escapeXml = (text: string): string => escapeXmlText(cleanXmlText(text));

const OUTLINE_TYPES: Record<FeedFormat, string> = { rss: 'rss', atom: 'atom', json: 'json' };

/**
 * OPML 2.0 subscription list: the site feed, then every category and every tag feed,
 * grouped, so a reader subscribes to the whole site in one step. RSS is listed, the
 * format every reader takes; each outline names its page.
 */
export function renderOpml(
  names: { categories: Array<{ name: string; count: number }>; tags: Array<{ name: string; count: number }> },
  site: Site,
): string {
  const format: FeedFormat = FEED_FORMATS[0];
  const outline = (ref: FeedRef, text: string) =>
    `      <outline type="${OUTLINE_TYPES[format]}" text="${escapeXml(text)}" title="${escapeXml(text)}" xmlUrl="${escapeXml(
      absoluteUrl(site.baseUrl, feedPath(ref, format)),
    )}" htmlUrl="${escapeXml(absoluteUrl(site.baseUrl, feedPagePath(ref)))}"/>`;
  const group = (title: string, lines: string[]) =>
    lines.length
      ? [`    <outline text="${escapeXml(title)}" title="${escapeXml(title)}">`, ...lines, '    </outline>']
      : [];
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeXml(site.title)}</title>`,
    `    <ownerName>${escapeXml(site.title)}</ownerName>`,
    `    <docs>http://opml.org/spec2.opml</docs>`,
    '  </head>',
    '  <body>',
    outline({ kind: 'site' }, site.title).replace(/^ {6}/, '    '),
    ...group(
      '分类 Categories',
      names.categories.map(({ name }) => outline({ kind: 'category', name }, displayName('category', name, site))),
    ),
    ...group(
      '标签 Tags',
      names.tags.map(({ name }) => outline({ kind: 'tag', name }, displayName('tag', name, site))),
    ),
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
