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
  maxAgeSeconds: 300,
};

type EnvNames = { [K in keyof Settings]-?: string };

/** Reads settings from environment-style variables, naming the variable in any refusal. */
export function readSettings(env: Record<string, string | undefined>, names: EnvNames): Settings {
  const text = (key: keyof Settings): string | undefined => {
    const value = env[names[key]]?.trim();
    return value === '' ? undefined : value;
  };
  const integer = (key: 'feedLength' | 'maxAgeSeconds', min: number, max: number): number => {
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
    throw new ConfigError(`${names.siteUrl} must be an origin such as https://news.example.com (no path), not "${text('siteUrl')}"`);
  }
  const language = text('language') ?? DEFAULT_SETTINGS.language;
  if (!/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) {
    throw new ConfigError(`${names.language} must be a language tag such as zh-CN, not "${language}"`);
  }
  return {
    siteUrl,
    title: text('title') ?? DEFAULT_SETTINGS.title,
    description: text('description') ?? DEFAULT_SETTINGS.description,
    language,
    idAuthority: text('idAuthority') ?? (siteUrl ? new URL(siteUrl).hostname : DEFAULT_SETTINGS.idAuthority),
    feedLength: integer('feedLength', 1, 1000),
    maxAgeSeconds: integer('maxAgeSeconds', 0, 31_536_000),
  };
}

const HOST = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/**
 * The site as seen by one request: the configured origin, else the request's own host.
 * A malformed Host never becomes part of a URL.
 */
export function siteForRequest(settings: Settings, headers: Record<string, string>): Site {
  const { siteUrl, ...rest } = settings;
  if (siteUrl) return { ...rest, baseUrl: siteUrl };
  const host = headers['host'] ?? '';
  const proto = headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  return { ...rest, baseUrl: HOST.test(host) ? `${proto}://${host.toLowerCase()}` : 'http://localhost' };
}
