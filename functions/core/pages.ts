import { createHash } from 'node:crypto';
import { html, trusted, type Html } from './html';
import type { FeedEntry, FeedRef, Post } from './post';
import type { Site } from './site';
import { absoluteUrl, FEED_FORMATS, feedPagePath, feedPath, shareLinkPath, type FeedFormat } from './urls';

const STYLE = `
body{margin:0 auto;max-width:46rem;padding:0 1rem 3rem;font:1.0625rem/1.7 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d1d1f;background:#fff;overflow-wrap:anywhere}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;justify-content:space-between;border-bottom:1px solid #ddd;padding:1rem 0;margin-bottom:1.5rem}
header.site a.title{font-weight:700;font-size:1.25rem;color:inherit;text-decoration:none}
a{color:#0b57d0}img,video{max-width:100%;height:auto}table{display:block;overflow-x:auto}pre{overflow-x:auto}
ol.posts{list-style:none;padding:0}ol.posts li{margin:0 0 1rem}ol.posts time,.meta{color:#666;font-size:.875rem}
.feeds a,.names a{margin-right:.75rem}.share input{width:100%;max-width:24rem;font:inherit}
footer{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem;font-size:.875rem}
`.trim();

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Headers every HTML page carries: no script runs, the only style is the inline one hashed here. */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': `default-src 'none'; img-src https: http: data:; media-src https: http:; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

const FORMAT_LABELS: Record<FeedFormat, { label: string; type: string }> = {
  rss: { label: 'RSS', type: 'application/rss+xml' },
  atom: { label: 'Atom', type: 'application/atom+xml' },
  json: { label: 'JSON Feed', type: 'application/feed+json' },
};

interface Layout {
  title: string;
  site: Site;
  /** The feed this page offers for subscription. */
  feed: FeedRef;
  main: Html;
}

function layout({ title, site, feed, main }: Layout): string {
  const pageTitle = title === site.title ? title : `${title} · ${site.title}`;
  return `<!DOCTYPE html>\n${html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${pageTitle}</title>
${FEED_FORMATS.map((format) => html`<link rel="alternate" type="${FORMAT_LABELS[format].type}" title="${title} (${FORMAT_LABELS[format].label})" href="${absoluteUrl(site.baseUrl, feedPath(feed, format))}">
`)}<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="site"><a class="title" href="${site.baseUrl}/">${site.title}</a>${feedLinks(feed, site)}</header>
<main>
${main}
</main>
<footer><a href="${site.baseUrl}/">${site.title}</a></footer>
</body>
</html>`}\n`;
}

function feedLinks(ref: FeedRef, site: Site): Html {
  return html`<nav class="feeds" aria-label="Feeds">${FEED_FORMATS.map(
    (format) => html`<a href="${absoluteUrl(site.baseUrl, feedPath(ref, format))}">${FORMAT_LABELS[format].label}</a>`,
  )}</nav>`;
}

function postList(entries: FeedEntry[], site: Site): Html {
  return html`<ol class="posts">${entries.map(
    (entry) => html`
<li><a href="${absoluteUrl(site.baseUrl, entry.path)}">${entry.title}</a><br><time datetime="${entry.date}">${displayDate(entry.date)}</time></li>`,
  )}
</ol>`;
}

function nameLinks(kind: 'category' | 'tag', names: string[], site: Site): Html {
  return html`${names.map(
    (name) => html`<a href="${absoluteUrl(site.baseUrl, feedPagePath({ kind, name }))}">${name}</a>`,
  )}`;
}

export function renderHomePage(entries: FeedEntry[], categories: Array<{ name: string; count: number }>, site: Site): string {
  return layout({
    title: site.title,
    site,
    feed: { kind: 'site' },
    main: html`<h1>${site.title}</h1>
<p>${site.description}</p>
<section><h2>分类 Categories</h2>
<p class="names">${categories.map(
      ({ name, count }) => html`<a href="${absoluteUrl(site.baseUrl, feedPagePath({ kind: 'category', name }))}">${name}</a> (${count}) `,
    )}</p></section>
<section><h2>最新 Latest</h2>
${postList(entries, site)}</section>`,
  });
}

export function renderListPage(ref: Exclude<FeedRef, { kind: 'site' }>, entries: FeedEntry[], site: Site): string {
  const heading = ref.kind === 'tag' ? `#${ref.name}` : ref.name;
  return layout({
    title: heading,
    site,
    feed: ref,
    main: html`<h1>${heading}</h1>
${postList(entries, site)}`,
  });
}

export function renderPostPage(post: Post, site: Site): string {
  const shareUrl = absoluteUrl(site.baseUrl, shareLinkPath(post.shortCode));
  const home = `${site.baseUrl}/`;
  const primary: FeedRef = post.categories[0] ? { kind: 'category', name: post.categories[0] } : { kind: 'site' };
  return layout({
    title: post.title,
    site,
    feed: primary,
    main: html`<article>
<h1>${post.title}</h1>
<p class="meta"><time datetime="${post.date}">${displayDate(post.date)}</time>${post.author ? html` · ${post.author}` : ''}</p>
<p class="meta names">${nameLinks('category', post.categories, site)}${post.tags.map(
      (name) => html`<a href="${absoluteUrl(site.baseUrl, feedPagePath({ kind: 'tag', name }))}">#${name}</a>`,
    )}</p>
<div class="body">
${trusted(post.html)}
</div>
</article>
<p class="share"><label>分享链接 Share link<br><input readonly value="${shareUrl}"></label> <a href="${shareUrl}">${shareUrl}</a></p>
<nav aria-label="Back">${post.categories.map(
      (name) => html`<a href="${absoluteUrl(site.baseUrl, feedPagePath({ kind: 'category', name }))}">返回${name}</a> ｜ `,
    )}<a href="${home}">返回首页</a></nav>`,
  });
}

export function renderErrorPage(status: number, message: string, site: Site): string {
  return layout({
    title: `${status}`,
    site,
    feed: { kind: 'site' },
    main: html`<h1>${status}</h1>
<p>${message}</p>
<p><a href="${site.baseUrl}/">返回首页 Home</a></p>`,
  });
}

/** `2022-01-12 02:44 +08:00`: the date as the publisher wrote it, in its own offset. */
function displayDate(rfc3339: string): string {
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 16)} ${rfc3339.slice(19)}`;
}
