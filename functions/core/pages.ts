import { createHash } from 'node:crypto';
import { type Html, html, trusted } from './html';
import { type FeedEntry, type FeedRef, type Post, postListing } from './post';
import { formatRfc3339, zoneOffsetAt } from './post-date';
import { postCardHead, postDescription, siteCardHead } from './preview';
import { displayName } from './settings';
import type { Site } from './site';
import {
  absoluteUrl,
  encodeCursor,
  FEED_FORMATS,
  type FeedFormat,
  feedPagePath,
  feedPath,
  shareLinkPath,
} from './urls';

/** The site's one stylesheet. Inline, so a page is one request; the CSP allows it by hash and nothing else. */
const STYLE = `
body{margin:0 auto;max-width:46rem;padding:0 1rem 3rem;font:1.0625rem/1.7 system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d1d1f;background:#fff;overflow-wrap:anywhere}
header.site{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;justify-content:space-between;border-bottom:1px solid #ddd;padding:1rem 0;margin-bottom:1.5rem}
header.site a.title{font-weight:700;font-size:1.25rem;color:inherit;text-decoration:none}
h1{font-size:1.75rem;line-height:1.35}ul.names{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
a{color:#0b57d0}img,video{max-width:100%;height:auto}table{display:block;overflow-x:auto}pre{overflow-x:auto}figure{margin:1rem 0}
ol.posts{list-style:none;padding:0}ol.posts li{margin:0 0 1.25rem}a.headline{font-weight:600;font-size:1.125rem}.meta{color:#666;font-size:.875rem}p.lede{margin:.25rem 0 0}
.feeds a,p.names a,nav.pages a{margin-right:.75rem}.share input{box-sizing:border-box;width:100%;max-width:28rem;font:inherit}
nav.crumbs{font-size:.875rem;color:#666}nav.siblings{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.5rem 1rem;margin:2rem 0 1rem}
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ddd;padding:.35rem .65rem;text-align:left;vertical-align:top}th{background:#f5f5f7}
blockquote{margin:1rem 0;padding:.25rem 1rem;border-left:4px solid #c8c8cc;color:#3a3a3c}figcaption{color:#666;font-size:.875rem;margin-top:.25rem}footer{border-top:1px solid #ddd;margin-top:2rem;padding-top:1rem;font-size:.875rem}
`.trim();

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** Headers every HTML page carries: no script runs, the only style is the inline one hashed here. */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': `default-src 'none'; img-src https: http: data:; media-src https: http:; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
};

/** Decoded path of the site's OPML subscription list (every feed). */
export const OPML_PATH = '/feeds.opml';

const FORMAT_LABELS: Record<FeedFormat, { label: string; type: string }> = {
  rss: { label: 'RSS', type: 'application/rss+xml' },
  atom: { label: 'Atom', type: 'application/atom+xml' },
  json: { label: 'JSON Feed', type: 'application/feed+json' },
};

/** One page of a listing, newest first. */
export interface Listing {
  entries: FeedEntry[];
  /** Cursor of the page after this one (older posts), when there are any. */
  older?: string;
  /** This is a later page, reached through a cursor: it links back to the newest. */
  later: boolean;
  /** The name has had posts (its feed has a version), even if none is left. */
  known?: boolean;
}

interface Layout {
  title: string;
  /** Preview-card and search metadata (functions/core/preview.ts). */
  head?: Html;
  site: Site;
  /** Feeds offered for subscription; the first is the one the header links. */
  feeds: FeedRef[];
  main: Html;
}

function layout({ title, head, site, feeds, main }: Layout): string {
  const pageTitle = title === site.title ? title : `${title} · ${site.title}`;
  return `<!DOCTYPE html>\n${html`<html lang="${site.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${pageTitle}</title>
${head ?? ''}${feeds.map((feed) =>
  FEED_FORMATS.map(
    (
      format,
    ) => html`<link rel="alternate" type="${FORMAT_LABELS[format].type}" title="${feedLabel(feed, site)} (${FORMAT_LABELS[format].label})" href="${absoluteUrl(site.baseUrl, feedPath(feed, format))}">
`,
  ),
)}<style>${trusted(STYLE)}</style>
</head>
<body>
<header class="site"><a class="title" href="${site.baseUrl}/">${site.title}</a>${feedLinks(feeds[0], site)}</header>
<main>
${main}
</main>
<footer><a href="${site.baseUrl}/">${site.title}</a></footer>
</body>
</html>`}\n`;
}

function feedLabel(ref: FeedRef, site: Site): string {
  return ref.kind === 'site' ? site.title : displayName(ref.kind, ref.name, site);
}

function feedLinks(ref: FeedRef, site: Site): Html {
  return html`<nav class="feeds" aria-label="订阅 Feeds">${FEED_FORMATS.map(
    (format) => html`<a href="${absoluteUrl(site.baseUrl, feedPath(ref, format))}">${FORMAT_LABELS[format].label}</a>`,
  )}</nav>`;
}

/** Absolute URL of a listing page: the newest posts, or those older than `cursor`. */
function listingUrl(ref: FeedRef, site: Site, cursor?: string): string {
  const url = absoluteUrl(site.baseUrl, feedPagePath(ref));
  return cursor === undefined ? url : `${url}?before=${encodeCursor(cursor)}`;
}

function postList(ref: FeedRef, listing: Listing, site: Site): Html {
  // Headline, then date and category, then the lede: what a reader scans a front page for.
  const items = listing.entries.map((entry) => {
    const lede = postDescription(entry);
    const section = entry.categories[0];
    return html`
<li><a class="headline" href="${absoluteUrl(site.baseUrl, entry.path)}">${entry.title}</a><br><span class="meta"><time datetime="${entry.date}">${displayDate(entry.date, site.timeZone)}</time>${
      section && !(ref.kind === 'category' && ref.name === section)
        ? html` · ${nameLink('category', section, site)}`
        : ''
    }</span>${
      lede
        ? html`
<p class="lede">${lede}</p>`
        : ''
    }</li>`;
  });
  const pages =
    listing.later || listing.older
      ? html`
<nav class="pages" aria-label="分页 Pages">${listing.later ? html`<a href="${listingUrl(ref, site)}">← 最新 Newest</a>` : ''}${
          listing.older ? html`<a rel="next" href="${listingUrl(ref, site, listing.older)}">更早 Older →</a>` : ''
        }</nav>`
      : '';
  return listing.entries.length === 0
    ? html`<p>还没有文章。 No posts yet.</p>`
    : html`<ol class="posts">${items}
</ol>${pages}`;
}

function nameLink(kind: 'category' | 'tag', name: string, site: Site): Html {
  return html`<a href="${absoluteUrl(site.baseUrl, feedPagePath({ kind, name }))}">${displayName(kind, name, site)}</a>`;
}

export function renderHomePage(
  listing: Listing,
  categories: Array<{ name: string; count: number }>,
  site: Site,
): string {
  const feed: FeedRef = { kind: 'site' };
  return layout({
    title: listing.later ? `更早的文章 Older posts` : site.title,
    head: listing.later ? undefined : siteCardHead(site.title, site.description, '/', site),
    site,
    feeds: [feed],
    main: html`<h1>${site.title}</h1>
<p>${site.description}</p>
<section><h2>分类 Categories</h2>
<ul class="names">${categories.map(({ name, count }) => html`<li>${nameLink('category', name, site)} (${count})</li>`)}</ul></section>
<section><h2>${listing.later ? '更早 Older' : '最新 Latest'}</h2>
${postList(feed, listing, site)}</section>
<section><h2>订阅 Subscribe</h2>
<p class="feeds">${FEED_FORMATS.map(
      (format) =>
        html`<a href="${absoluteUrl(site.baseUrl, feedPath(feed, format))}">${FORMAT_LABELS[format].label}</a>`,
    )}<a href="${absoluteUrl(site.baseUrl, OPML_PATH)}">OPML（全部订阅源 all feeds）</a></p></section>`,
  });
}

export function renderListPage(ref: Exclude<FeedRef, { kind: 'site' }>, listing: Listing, site: Site): string {
  const heading = feedLabel(ref, site);
  return layout({
    title: listing.later ? `${heading} · 更早 Older` : heading,
    head: listing.later ? undefined : siteCardHead(heading, `${heading} · ${site.title}`, feedPagePath(ref), site),
    site,
    feeds: [ref],
    main: html`<h1>${heading}</h1>
${postList(ref, listing, site)}
<p><a href="${site.baseUrl}/">返回首页 Home</a></p>`,
  });
}

export function renderPostPage(post: Post, site: Site): string {
  const shareUrl = absoluteUrl(site.baseUrl, shareLinkPath(post.shortCode));
  const home = `${site.baseUrl}/`;
  const feeds: FeedRef[] = [
    ...post.categories.map((name): FeedRef => ({ kind: 'category', name })),
    ...post.tags.map((name): FeedRef => ({ kind: 'tag', name })),
    { kind: 'site' },
  ];
  return layout({
    title: post.title,
    head: postCardHead(post, site),
    site,
    feeds,
    main: html`<nav class="crumbs" aria-label="位置 Breadcrumb"><a href="${home}">${site.title}</a>${post.categories
      .slice(0, 1)
      .map((name) => html` › ${nameLink('category', name, site)}`)}</nav>
<article>
<h1>${post.title}</h1>
<p class="meta"><time datetime="${post.date}">${displayDate(post.date, site.timeZone)}</time>${post.author ? html` · ${post.author}` : ''}</p>
<p class="meta names">${post.categories.map((name) => nameLink('category', name, site))}${post.tags.map((name) => nameLink('tag', name, site))}</p>
<div class="body">
${trusted(post.html)}
</div>
</article>
${siblingLinks(post, site)}
<p class="share"><label>分享链接 Share link<br><input readonly value="${shareUrl}" type="text"></label><br><a href="${shareUrl}">${shareUrl}</a></p>
<nav aria-label="返回 Back">${post.categories.map(
      (name) =>
        html`<a href="${absoluteUrl(site.baseUrl, feedPagePath({ kind: 'category', name }))}">返回${displayName('category', name, site)}</a> ｜ `,
    )}<a href="${home}">返回首页</a></nav>`,
  });
}

/**
 * Previous (older) and next (newer) post in the post's listing, as WordPress's post navigation
 * orders them. The links name no post: they are resolved when followed (functions/core/read.ts),
 * so the page costs no read for them and never points at a post that moved or left.
 */
function siblingLinks(post: Post, site: Site): Html {
  const listing = postListing(post);
  const where = listing.kind === 'site' ? site.title : displayName(listing.kind, listing.name, site);
  const page = absoluteUrl(site.baseUrl, post.path);
  return html`<nav class="siblings" aria-label="上一篇 下一篇 Previous and next"><a rel="prev" href="${page}?to=previous">← 上一篇 Previous in ${where}</a><a rel="next" href="${page}?to=next">下一篇 Next in ${where} →</a></nav>`;
}

const STATUS_TITLES: Record<number, string> = {
  400: '请求无效 Bad request',
  404: '找不到页面 Not found',
  410: '已删除 Gone',
  500: '服务器内部错误 Internal server error',
};

/** Error pages look like the rest of the site; the message is cut short, since it may echo the request. */
export function renderErrorPage(status: number, message: string, site: Site): string {
  const title = STATUS_TITLES[status] ?? `HTTP ${status}`;
  return layout({
    title: `${status} ${title}`,
    site,
    feeds: [{ kind: 'site' }],
    main: html`<h1>${status} ${title}</h1>
<p>${shorten(message, 200)}</p>
<p><a href="${site.baseUrl}/">返回首页 Home</a></p>`,
  });
}

function shorten(text: string, characters: number): string {
  const chars = [...text];
  return chars.length > characters ? `${chars.slice(0, characters).join('')}…` : text;
}

/**
 * `2022-01-12 02:44 +08:00`: the date in the site's time zone when it has one, else as the
 * publisher wrote it, in its own offset.
 */
function displayDate(rfc3339: string, timeZone?: string): string {
  if (timeZone) {
    const epochMs = Date.parse(rfc3339);
    rfc3339 = formatRfc3339(epochMs, zoneOffsetAt(epochMs, timeZone));
  }
  const offset = rfc3339.slice(19).replace(/^\.\d+/, '');
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 16)} ${offset === 'Z' ? 'UTC' : offset}`;
}
