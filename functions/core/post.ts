/** The published shape of a post, as ingest stores it and the read side renders it. */
import { type Enclosure, entryMedia } from './post-media';

export type TaxonomyKind = 'category' | 'tag';

export interface Post {
  /** Lasting identity: explicit `id`/`infoCode`, else derived from the object key. Feed GUIDs use it. */
  id: string;
  /**
   * The id is the infoCode of a legacy share link found in the body, not one the post declares:
   * a post that declares it takes it over (the body may only link to that story), and this post
   * then takes its key-derived id.
   */
  idFromBody?: true;
  /** Identity in the legacy system (`NewsShare.html?infoCode=…`), when the post has one. */
  infoCode?: string;
  /** The infoCode was found in a link in the body: its legacy link gives way to a post that declares it. */
  infoCodeFromBody?: true;
  /** S3 object key the post came from (decoded, e.g. `posts/2022-01-12-jinniu.md`). */
  sourceKey: string;
  title: string;
  /** RFC 3339 with the post's own UTC offset, e.g. `2022-01-12T02:44:46+08:00`. */
  date: string;
  /** RFC 3339 instant (UTC) of the last change to the post's content. */
  updated: string;
  categories: string[];
  tags: string[];
  author?: string;
  /** Site-relative permalink, decoded (`/chengduribao/2022/01/12/slug.html`); encode when emitting. */
  path: string;
  /** Short share code, `/s/{shortCode}`. */
  shortCode: string;
  /** Sanitized HTML body. URLs in it may be relative; absolutize when emitting. */
  html: string;
  /** Sanitized HTML excerpt (first paragraph, or front-matter excerpt/description). */
  summary: string;
  /** Hash of what the post renders from; an unchanged re-upload keeps `updated`. */
  contentHash: string;
  /** Front-matter fields this system does not interpret, kept as given. */
  extra: Record<string, unknown>;
}

/** What a feed or a listing needs of a post; stored once per feed the post is in. */
export type FeedEntry = Pick<
  Post,
  'id' | 'title' | 'date' | 'updated' | 'categories' | 'tags' | 'author' | 'path' | 'shortCode' | 'html' | 'summary'
> & {
  /** The post's picture, as the post gives it (functions/core/post-media.ts): a site path or a URL. */
  image?: string;
  /** Its audio or video: a podcast episode's file. */
  enclosure?: Enclosure;
};

/** A feed is the posts of one category, one tag, or the whole site. */
export type FeedRef = { kind: 'category'; name: string } | { kind: 'tag'; name: string } | { kind: 'site' };

export function feedsOf(post: Pick<Post, 'categories' | 'tags'>): FeedRef[] {
  return [
    { kind: 'site' },
    ...post.categories.map((name): FeedRef => ({ kind: 'category', name })),
    ...post.tags.map((name): FeedRef => ({ kind: 'tag', name })),
  ];
}

/** The listing a post page places the post in (its breadcrumb, previous and next): its first category, else the site. */
export function postListing(post: Pick<Post, 'categories'>): FeedRef {
  return post.categories.length ? { kind: 'category', name: post.categories[0] } : { kind: 'site' };
}

/**
 * The entry fields of a post (its media read from its front matter and body), or of a stored
 * row that holds more (the token that wrote it).
 */
export function toFeedEntry(post: FeedEntry | Post): FeedEntry {
  const { id, title, date, updated, categories, tags, author, path, shortCode, html, summary } = post;
  const media =
    'extra' in post && post.extra
      ? entryMedia(post)
      : { image: (post as FeedEntry).image, enclosure: (post as FeedEntry).enclosure };
  return {
    id,
    title,
    date,
    updated,
    categories,
    tags,
    author,
    path,
    shortCode,
    html,
    summary,
    ...(media.image ? { image: media.image } : {}),
    ...(media.enclosure ? { enclosure: media.enclosure } : {}),
  };
}

/** Whether a stored entry says the same as another (whatever else is stored beside it, like the token that wrote it, aside). */
export function sameFeedEntry(stored: FeedEntry, entry: FeedEntry): boolean {
  return JSON.stringify(toFeedEntry(stored)) === JSON.stringify(toFeedEntry(entry));
}
