/**
 * A Jekyll site's `_config.yml`, read for what decides its posts' URLs and dates. It is uploaded
 * with the posts (`npm run upload -- SITE-FOLDER` puts it at SITE_CONFIG_KEY) and ingest reads it
 * for every post it applies. Other keys (layouts, plugins, `defaults`…) are Jekyll's business.
 */
import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import { PostRejected } from './errors';
import type { JekyllSite } from './parse-post';
import { jekyllPath, permalinkTemplate } from './permalink';
import { isTimeZone, parsePostDate } from './post-date';

/**
 * What of a site's config (and TIME_ZONE) a post is read with, in a few characters (undefined without either):
 * recorded with each key's state, so that reindex can tell the keys read with other settings.
 */
export function siteFingerprint(site: JekyllSite | undefined, timeZone?: string): string | undefined {
  if (!site && !timeZone) return undefined;
  // TIME_ZONE, when set, is the zone posts are read in: the same fingerprint as a config naming it.
  const zone = timeZone ?? site?.timeZone;
  return createHash('sha256')
    .update(`${site?.permalink ?? ''}\0${zone}`)
    .digest('hex')
    .slice(0, 16);
}

/** Where a site's `_config.yml` sits in the bucket: the root of the uploaded site folder. */
export const SITE_CONFIG_KEY = 'posts/_config.yml';

/** Largest _config.yml read: a site's config is a few KB; anything larger is not one. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/** The title, description and url of the config in the bucket: none when it is gone, undefined when it is refused. */
export async function readSiteDefaults(
  readObject: (key: string, versionId?: string, maxBytes?: number) => Promise<{ bytes?: Uint8Array } | undefined>,
): Promise<SiteDefaults | undefined> {
  const object = await readObject(SITE_CONFIG_KEY, undefined, MAX_CONFIG_BYTES);
  if (!object) return {};
  if (!object.bytes) return undefined;
  try {
    const { title, description, url, timezone } = readSiteConfig(
      new TextDecoder('utf-8', { fatal: true }).decode(object.bytes),
    );
    return {
      ...(title ? { title } : {}),
      ...(description ? { description } : {}),
      ...(url ? { url } : {}),
      ...(timezone ? { timezone } : {}),
    };
  } catch (error) {
    if (error instanceof PostRejected || error instanceof TypeError) return undefined;
    throw error;
  }
}

/** `title`, `description`, `url` as a site's config gives them: defaults for SITE_TITLE, SITE_DESCRIPTION, SITE_URL. */
export interface SiteDefaults {
  title?: string;
  description?: string;
  url?: string;
  /** The zone the config names (Jekyll's `timezone`): the default of TIME_ZONE. */
  timezone?: string;
}

export interface SiteConfig extends JekyllSite, SiteDefaults {}

/**
 * Reads `_config.yml`. `permalink` is a named style (`date`, Jekyll's default, `pretty`,
 * `ordinal`, `weekdate`, `none`) or a template; `timezone` an IANA zone name — without one, UTC
 * (Jekyll would use the building machine's zone; GitHub Pages and CI machines run in UTC).
 * Refuses, saying why, what Jekyll would refuse or misread.
 */
export function readSiteConfig(text: string): SiteConfig {
  let data: unknown;
  try {
    // Jekyll reads the config with Psych's safe_load; the core schema reads the same scalars for these keys.
    data = yaml.load(text.replace(/^\uFEFF/, ''), { schema: yaml.CORE_SCHEMA });
  } catch (error) {
    const mark = (error as { mark?: { line: number; column: number } }).mark;
    throw new PostRejected(
      `_config.yml is not valid YAML: ${(error as { reason?: string }).reason ?? String(error)}`,
      mark ? mark.line + 1 : undefined,
      mark ? mark.column + 1 : undefined,
    );
  }
  // An empty config is Jekyll's defaults.
  const config = (data ?? {}) as Record<string, unknown>;
  if (typeof config !== 'object' || Array.isArray(config))
    throw new PostRejected('_config.yml must be a mapping of settings');
  const text_ = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new PostRejected(`_config.yml: ${key} must be text, not ${JSON.stringify(value)}`);
    return String(value);
  };
  const permalink = permalinkTemplate(text_('permalink') ?? 'date');
  try {
    // A placeholder Jekyll does not know stops its build: refused here once, not with every post.
    jekyllPath(permalink, { categories: [], date: parsePostDate('2000-01-01'), slug: 'a', basename: '2000-01-01-a' });
  } catch (error) {
    if (error instanceof PostRejected) throw new PostRejected(`_config.yml: ${error.message}`);
    throw error;
  }
  const timezone = text_('timezone');
  const timeZone = timezone ?? 'UTC';
  if (!isTimeZone(timeZone))
    throw new PostRejected(`_config.yml: timezone "${timeZone}" is not a time zone name such as Asia/Shanghai`);
  const title = text_('title');
  const description = text_('description');
  const url = text_('url')?.replace(/\/+$/, '');
  return {
    permalink,
    timeZone,
    ...(title ? { title } : {}),
    ...(description ? { description } : {}),
    ...(url ? { url } : {}),
    ...(timezone ? { timezone } : {}),
  };
}
