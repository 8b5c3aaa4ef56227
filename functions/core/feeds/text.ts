/** Text helpers for feed output: XML-legal characters, escaping, HTML to plain text. */

// XML 1.0 `Char` excludes C0 controls other than tab/LF/CR, U+FFFE, U+FFFF and surrogates.
// With the `u` flag a surrogate class only matches *lone* surrogates (pairs are one code point).
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/gu;

/** Removes characters that may not appear in an XML 1.0 document (also lone surrogates). */
export function cleanXmlText(text: string): string {
  return text.replace(XML_ILLEGAL, '');
}

/** Escapes text for XML element content or a double- or single-quoted attribute value. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** A CDATA section holding `text` exactly, split where the text contains `]]>`. */
export function cdata(text: string): string {
  return `<![CDATA[${text.split(']]>').join(']]]]><![CDATA[>')}]]>`;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00A0',
  hellip: '\u2026',
  mdash: '\u2014',
  ndash: '\u2013',
  lsquo: '\u2018',
  rsquo: '\u2019',
  ldquo: '\u201C',
  rdquo: '\u201D',
  middot: '\u00B7',
  copy: '\u00A9',
};

/** Decodes numeric character references and the common named entities; leaves unknown ones as written. */
export function decodeHtmlEntities(text: string): string {
  return text.replace(
    /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{1,31}));/g,
    (whole, dec, hex, name) => {
      if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
      const code = dec !== undefined ? Number(dec) : parseInt(hex, 16);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    },
  );
}

/**
 * Elements that break a line or stand apart when rendered: their tags become a space. Inline
 * ones (`strong`, `a`, `span`…) vanish without one, as in a rendered page: a space inserted
 * there would split CJK text, which has none between words (`成都地铁<strong>新线路</strong>`).
 */
const SEPARATING_ELEMENTS = new Set([
  'address',
  'article',
  'aside',
  'audio',
  'blockquote',
  'br',
  'caption',
  'dd',
  'details',
  'div',
  'dl',
  'dt',
  'figcaption',
  'figure',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'iframe',
  'img',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
  'video',
]);

/** Plain text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed. */
export function htmlToText(html: string): string {
  const withoutInvisible = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|template)\b[\s\S]*?<\/\1\s*>/gi, ' ');
  const withoutTags = withoutInvisible.replace(/<\/?([a-zA-Z][a-zA-Z0-9-]*)[^>]*>/g, (_, name: string) =>
    SEPARATING_ELEMENTS.has(name.toLowerCase()) ? ' ' : '',
  );
  return decodeHtmlEntities(withoutTags).replace(/\s+/g, ' ').trim();
}

/** At most `maxChars` code points of `text`, cut at a space when one is near, with an ellipsis when cut. */
export function truncateText(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  let cut = chars.slice(0, maxChars).join('');
  const space = cut.lastIndexOf(' ');
  if (space > cut.length * 0.6) cut = cut.slice(0, space);
  return `${cut.trimEnd()}…`;
}
