import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// CommonMark with GitHub tables, HTML blocks passed through: how Jekyll's kramdown reads the seed.
const markdown = new MarkdownIt('default', { html: true, linkify: false, typographer: false });

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
    'img', 'figure', 'figcaption', 'picture', 'source', 'video', 'audio', 'del', 'ins', 'sup', 'sub',
  ],
  allowedAttributes: {
    ...sanitizeHtml.defaults.allowedAttributes,
    '*': ['class', 'id', 'title', 'lang', 'dir'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'srcset', 'alt', 'title', 'width', 'height', 'loading'],
    source: ['src', 'srcset', 'type', 'media'],
    video: ['src', 'controls', 'poster', 'width', 'height'],
    audio: ['src', 'controls'],
    td: ['colspan', 'rowspan', 'align'],
    th: ['colspan', 'rowspan', 'align', 'scope'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowProtocolRelative: true,
};

export type BodyFormat = 'html' | 'markdown';

/** `.html`/`.htm` bodies are HTML as given; every other extension is Markdown (Jekyll's rule). */
export function bodyFormatOf(key: string): BodyFormat {
  return /\.html?$/i.test(key) ? 'html' : 'markdown';
}

/** Renders and sanitizes a post body: what is stored is always safe to serve. */
export function renderBody(body: string, format: BodyFormat): string {
  const html = format === 'html' ? body : markdown.render(body);
  return sanitizeHtml(html, SANITIZE_OPTIONS).trim();
}

/** The first paragraph of rendered HTML: bodies like the seed have no blank lines to split on. */
export function firstParagraph(html: string): string {
  const match = /<p[\s>][\s\S]*?<\/p>/i.exec(html);
  return match ? match[0] : '';
}

export function renderInlineText(text: string): string {
  return sanitizeHtml(markdown.renderInline(text), SANITIZE_OPTIONS);
}
