import { isTimeZone } from './post-date';
import type { Site } from './site';

/** Site settings that do not depend on the request. Read once, at cold start. */
export type Settings = Omit<Site, 'baseUrl'> & {
  /** Configured public origin; when unset, the origin is taken from each request's Host. */
  siteUrl?: string;
};

export class ConfigError extends Error {
  readonly name = 'ConfigError';
}

export const DEFAULT_SETTINGS: Settings = {
  title: '新闻 News',
  description: '分类新闻订阅 Category news feeds',
  language: 'zh-CN',
  idAuthority: 'publishing-backend.invalid',
  feedLength: 20,
  feedMaxBytes: 1024 * 1024,
  maxAgeSeconds: 300,
  archiveMaxAgeSeconds: 86_400,
  edgeMaxAgeSeconds: 10,
  feedVersionCacheMs: 20,
  robots: 'allow',
};

type EnvNames = { [K in keyof Settings]-?: string };

/** Reads settings from environment-style variables, naming the variable in any refusal. */
export function readSettings(env: Record<string, string | undefined>, names: EnvNames): Settings {
  const text = (key: keyof Settings): string | undefined => {
    const value = env[names[key]]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (
    key:
      | 'feedLength'
      | 'feedMaxBytes'
      | 'maxAgeSeconds'
      | 'archiveMaxAgeSeconds'
      | 'edgeMaxAgeSeconds'
      | 'feedVersionCacheMs',
    min: number,
    max: number,
  ): number => {
    const value = text(key);
    if (value === undefined) return DEFAULT_SETTINGS[key];
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new ConfigError(`${names[key]} must be a whole number from ${min} to ${max}, not "${value}"`);
    }
    return parsed;
  };
  const siteUrl = text('siteUrl')?.replace(/\/$/, '');
  if (siteUrl !== undefined && !/^https?:\/\/[^/?#\s]+$/.test(siteUrl)) {
    throw new ConfigError(
      `${names.siteUrl} must be an origin such as https://news.example.com (no path), not "${text('siteUrl')}"`,
    );
  }
  const language = text('language') ?? DEFAULT_SETTINGS.language;
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) {
    throw new ConfigError(`${names.language} must be a language tag such as zh-CN, not "${language}"`);
  }
  const websubHub = text('websubHub');
  if (websubHub !== undefined) {
    if (!/^https?:\/\/[^\s]+$/.test(websubHub)) {
      throw new ConfigError(`${names.websubHub} must be the hub's absolute http(s) URL, not "${websubHub}"`);
    }
    // Ingest tells the hub which feed URLs changed; it has no request to take the host from.
    if (siteUrl === undefined) throw new ConfigError(`${names.websubHub} is set, so ${names.siteUrl} must be set too`);
  }
  const robots = text('robots') ?? DEFAULT_SETTINGS.robots;
  if (robots !== 'allow' && robots !== 'disallow') {
    throw new ConfigError(`${names.robots} must be allow or disallow (a staging site), not "${robots}"`);
  }
  const feedAliases = readFeedAliases(text('feedAliases'), names.feedAliases);
  const displayNames = readDisplayNames(text('displayNames'), names.displayNames);
  const timeZone = text('timeZone');
  if (timeZone !== undefined && !isTimeZone(timeZone)) {
    throw new ConfigError(`${names.timeZone} must be a time zone name such as Asia/Shanghai, not "${timeZone}"`);
  }
  return {
    siteUrl,
    title: text('title') ?? DEFAULT_SETTINGS.title,
    description: text('description') ?? DEFAULT_SETTINGS.description,
    language,
    idAuthority: text('idAuthority') ?? (siteUrl ? new URL(siteUrl).hostname : DEFAULT_SETTINGS.idAuthority),
    feedLength: integer('feedLength', 1, 1000),
    feedMaxBytes: integer('feedMaxBytes', 4096, 6 * 1024 * 1024),
    maxAgeSeconds: integer('maxAgeSeconds', 0, 31_536_000),
    archiveMaxAgeSeconds: integer('archiveMaxAgeSeconds', 0, 31_536_000),
    edgeMaxAgeSeconds: integer('edgeMaxAgeSeconds', 0, 600),
    feedVersionCacheMs: integer('feedVersionCacheMs', 0, 60_000),
    robots,
    ...(websubHub ? { websubHub } : {}),
    ...(feedAliases ? { feedAliases } : {}),
    ...(displayNames ? { displayNames } : {}),
    ...(timeZone ? { timeZone } : {}),
  };
}

/** A feed of this site: `/feed.rss`, `/category/{name}.atom`, `/tag/{name}.json`. */
const OWN_FEED = /^\/(feed|category\/[^/]+|tag\/[^/]+)\.(rss|atom|json)$/;

/** `/old/path.xml=/category/news.rss, …`: a site's own former feed addresses. */
function readFeedAliases(text: string | undefined, name: string): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const aliases: Record<string, string> = Object.create(null);
  for (const pair of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [from, to, extra] = pair.split('=').map((part) => part.trim());
    if (extra !== undefined || !from?.startsWith('/') || !to || !OWN_FEED.test(to)) {
      throw new ConfigError(
        `${name} must list old=new pairs such as /rss/news.xml=/category/news.rss (new: one of this site's feeds), not "${pair}"`,
      );
    }
    aliases[from] = to;
  }
  return aliases;
}

/** `chengduribao=成都日报, sport=体育`: how names read, name by name. */
function readDisplayNames(text: string | undefined, name: string): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const names: Record<string, string> = Object.create(null);
  for (const pair of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [slug, shown, extra] = pair.split('=').map((part) => part.trim());
    if (extra !== undefined || !slug || !shown) {
      throw new ConfigError(`${name} must list name=display pairs such as chengduribao=成都日报, not "${pair}"`);
    }
    names[slug] = shown;
  }
  return names;
}

/** How a category or tag name reads on pages, in feed titles and in OPML: its display name, if the site gives one. */
export function displayName(kind: 'category' | 'tag', name: string, site: Pick<Site, 'displayNames'>): string {
  const shown = site.displayNames?.[name] ?? name;
  return kind === 'tag' ? `#${shown}` : shown;
}

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The site as seen by one request: the configured origin, else the request's own host.
 * A malformed Host never becomes part of a URL.
 */
export function siteForRequest(settings: Settings, headers: Record<string, string>): Site {
  const { siteUrl, ...rest } = settings;
  if (siteUrl) return { ...rest, baseUrl: siteUrl };
  const host = headers.host ?? '';
  const proto = headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return { ...rest, baseUrl: HOST.test(host) ? `${proto}://${host.toLowerCase()}` : 'http://localhost' };
}
