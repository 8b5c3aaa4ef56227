/**
 * What chat apps, social sites and search engines read from a page to show it: Open Graph
 * (https://ogp.me), Twitter Cards, the canonical link, and schema.org `NewsArticle` in JSON-LD
 * (the properties Google's Article rich results document). Kept apart from the page bodies.
 */
import { htmlToText, truncateText } from './feeds/text';
import { type Html, html, trusted } from './html';
import type { Post } from './post';
import type { Site } from './site';
import { absoluteUrl } from './urls';

/** About what preview cards show of a description (Open Graph sets no limit; cards cut near 200). */
const DESCRIPTION_CHARS = 200;

export interface PostImage {
  url: string;
  width?: number;
  height?: number;
  alt?: string;
}

/**
 * The post's picture: `image:` from front matter (jekyll-seo-tag's field: a path or URL, or
 * `{path, width, height, alt}`), else the first `<img>` of the body. Absolute, on this site
 * when it was a site path.
 */
export function postImage(post: Pick<Post, 'extra' | 'html'>, site: Pick<Site, 'baseUrl'>): PostImage | undefined {
  const image = postImageSource(post);
  const url = image && absoluteImageUrl(image.url, site.baseUrl);
  return image && url ? { ...image, url } : undefined;
}

/** The post's picture as the post gives it: a site path (decoded), or a URL; not yet on a site's origin. */
export function postImageSource(post: Pick<Post, 'extra' | 'html'>): PostImage | undefined {
  const declared = post.extra.image;
  const fromBody = /<img\b[^>]*?\ssrc="([^"]+)"[^>]*>/i.exec(post.html);
  let image: PostImage | undefined;
  if (typeof declared === 'string' && declared.trim()) image = { url: declared.trim() };
  else if (declared && typeof declared === 'object' && typeof (declared as { path?: unknown }).path === 'string') {
    const { path, width, height, alt } = declared as { path: string; width?: unknown; height?: unknown; alt?: unknown };
    image = {
      url: path.trim(),
      ...(positive(width) ? { width: Number(width) } : {}),
      ...(positive(height) ? { height: Number(height) } : {}),
      ...(typeof alt === 'string' && alt ? { alt } : {}),
    };
  } else if (fromBody) {
    const alt = /\salt="([^"]*)"/i.exec(fromBody[0])?.[1];
    image = { url: decodeAttribute(fromBody[1]), ...(alt ? { alt: decodeAttribute(alt) } : {}) };
  }
  return image?.url ? image : undefined;
}

/** A picture's URL on the site's origin when it is a site path; undefined unless http(s). */
export function absoluteImageUrl(source: string, baseUrl: string): string | undefined {
  // A site path, decoded (front matter) or encoded (the body's HTML): encoded once either way.
  const url = source.startsWith('/') && !source.startsWith('//') ? baseUrl + encodeURI(safelyDecoded(source)) : source;
  return /^https?:\/\//i.test(url) ? url : undefined;
}

/** The post's description for cards: its excerpt as plain text, cut to what cards show. */
export function postDescription(post: Pick<Post, 'summary'>): string {
  return truncateText(htmlToText(post.summary), DESCRIPTION_CHARS);
}

/** The head tags of a post's page. */
export function postCardHead(post: Post, site: Site): Html {
  const url = absoluteUrl(site.baseUrl, post.path);
  const description = postDescription(post);
  const image = postImage(post, site);
  const modified = inOffsetOf(post.updated, post.date);
  const article = {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: truncateText(post.title, 110),
    description,
    datePublished: post.date,
    dateModified: modified,
    ...(image ? { image: [image.url] } : {}),
    ...(post.author
      ? { author: [{ '@type': 'Person', name: post.author }] }
      : { author: [{ '@type': 'Organization', name: site.title, url: `${site.baseUrl}/` }] }),
    publisher: { '@type': 'Organization', name: site.title, url: `${site.baseUrl}/` },
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    ...(post.categories[0] ? { articleSection: post.categories[0] } : {}),
    ...(post.tags.length ? { keywords: post.tags } : {}),
    inLanguage: site.language,
  };
  return html`${commonTags('article', post.title, description, url, site)}<meta property="article:published_time" content="${post.date}">
<meta property="article:modified_time" content="${modified}">
${
  post.categories[0]
    ? html`<meta property="article:section" content="${post.categories[0]}">
`
    : ''
}${post.tags.map(
  (tag) => html`<meta property="article:tag" content="${tag}">
`,
)}${image ? imageTags(image) : ''}<meta name="twitter:card" content="${image ? 'summary_large_image' : 'summary'}">
<meta name="twitter:title" content="${post.title}">
<meta name="twitter:description" content="${description}">
${
  image
    ? html`<meta name="twitter:image" content="${image.url}">
`
    : ''
}<script type="application/ld+json">${jsonLd(article)}</script>
`;
}

/** The head tags of the home, category and tag pages. */
export function siteCardHead(title: string, description: string, path: string, site: Site): Html {
  const url = path === '/' ? `${site.baseUrl}/` : absoluteUrl(site.baseUrl, path);
  return html`${commonTags('website', title, description, url, site)}<meta name="twitter:card" content="summary">
`;
}

/** What every page's card says: canonical URL, description, and Open Graph's basic properties. */
function commonTags(type: 'article' | 'website', title: string, description: string, url: string, site: Site): Html {
  return html`<link rel="canonical" href="${url}">
<meta name="description" content="${description}">
<meta property="og:type" content="${type}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${url}">
<meta property="og:site_name" content="${site.title}">
<meta property="og:locale" content="${ogLocale(site.language)}">
`;
}

function imageTags(image: PostImage): Html {
  return html`<meta property="og:image" content="${image.url}">
${
  image.width
    ? html`<meta property="og:image:width" content="${String(image.width)}">
`
    : ''
}${
  image.height
    ? html`<meta property="og:image:height" content="${String(image.height)}">
`
    : ''
}${
  image.alt
    ? html`<meta property="og:image:alt" content="${image.alt}">
`
    : ''
}`;
}

/** Open Graph locales are language_TERRITORY (`zh_CN`), not BCP 47's `zh-CN`. */
function ogLocale(language: string): string {
  const [lang, region] = language.split('-');
  return region && /^[A-Za-z]{2}$/.test(region) ? `${lang.toLowerCase()}_${region.toUpperCase()}` : lang.toLowerCase();
}

/** An instant written in the offset another date carries: `2022-01-12T10:00:00+08:00`. */
export function inOffsetOf(instant: string, dated: string): string {
  const offset = /(?:([+-])(\d\d):(\d\d)|Z)$/.exec(dated);
  const minutes = offset?.[1] ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  const local = new Date(Date.parse(instant) + minutes * 60_000).toISOString().slice(0, 19);
  return `${local}${offset?.[1] ? `${offset[1]}${offset[2]}:${offset[3]}` : 'Z'}`;
}

/** JSON inside <script>: `<` escaped, so no text in it can close the element. */
function jsonLd(value: unknown): Html {
  return trusted(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}

function safelyDecoded(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

function positive(value: unknown): boolean {
  return Number.isInteger(Number(value)) && Number(value) > 0;
}

function decodeAttribute(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
