/** What every rendered document needs to know about the site serving it. */
export interface Site {
  /** Absolute origin the site is reached at, no trailing slash: `https://news.example.com`. */
  baseUrl: string;
  title: string;
  description: string;
  /** BCP 47 language of the site's content, e.g. `zh-CN`. */
  language: string;
  /** Authority for `tag:` URIs (RFC 4151). Fixed per site so GUIDs never change with the host name. */
  idAuthority: string;
  /** Items per feed document. */
  feedLength: number;
  /** Largest feed document, bytes: older items move to archive pages to stay under it. */
  feedMaxBytes: number;
  /** `Cache-Control: max-age` for feeds and pages, seconds. */
  maxAgeSeconds: number;
  /** `Cache-Control: max-age` for full archive pages, which change only when an old post does. */
  archiveMaxAgeSeconds: number;
  /**
   * `Cache-Control: s-maxage`, seconds: how long a shared cache (the CDN) may answer with what it
   * holds before asking again with the ETag. Bounds how stale the edge can be after a publish.
   */
  edgeMaxAgeSeconds: number;
  /**
   * How long an instance may answer polls of a feed with the version it last read, ms (0: read
   * it for every poll; concurrent polls share reads either way). Bounds how long a new post can
   * stay out of a feed on an instance that is being polled.
   */
  feedVersionCacheMs: number;
  /** `disallow` (a staging site): robots.txt turns every crawler away and names no sitemap. */
  robots?: 'allow' | 'disallow';
  /** WebSub hub that feeds advertise and ingest notifies. */
  websubHub?: string;
  /** A site's own former feed addresses, each to one of this site's feed paths (301). */
  feedAliases?: Readonly<Record<string, string>>;
  /** How category and tag names read in headings, navigation, feed titles and OPML (`chengduribao` → `成都日报`); URLs keep the name. */
  displayNames?: Readonly<Record<string, string>>;
  /**
   * IANA zone the dates on pages are shown in (TIME_ZONE, else `timezone` in the site's
   * _config.yml); without one, each post's date is shown in its own offset. Feeds always keep
   * each post's own offset.
   */
  timeZone?: string;
}
