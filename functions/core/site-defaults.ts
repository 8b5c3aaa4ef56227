import type { Settings } from './settings';
import type { SiteDefaults } from './site-config';
import type { PostStore } from './store';

/*
 * A site's _config.yml gives its title, description and url; they are the defaults of
 * SITE_TITLE, SITE_DESCRIPTION and SITE_URL, which win when set. Ingest records them in the table
 * when the config changes (functions/handlers/ingest.ts); the read function asks for them at most
 * once a minute per instance, so a change shows within a minute, for one GetItem a minute.
 */

/** How long an instance uses the defaults it read before asking again. */
const RECHECK_MS = 60_000;

/** An origin, as SITE_URL must be (functions/core/settings.ts). */
const ORIGIN = /^https?:\/\/[^/?#\s]+$/;

/** Which settings were set explicitly (their variable is not empty): those the config does not replace. */
export interface ExplicitSettings {
  title: boolean;
  description: boolean;
  siteUrl: boolean;
  timeZone?: boolean;
}

/** The settings with the config's defaults where no variable was set. A `url` with a path (`baseurl`-style) is not an origin and is left out. */
export function withSiteDefaults(settings: Settings, defaults: SiteDefaults, explicit: ExplicitSettings): Settings {
  const url = defaults.url?.replace(/\/+$/, '');
  return {
    ...settings,
    ...(!explicit.title && defaults.title ? { title: defaults.title } : {}),
    ...(!explicit.description && defaults.description ? { description: defaults.description } : {}),
    ...(!explicit.siteUrl && url && ORIGIN.test(url) ? { siteUrl: url } : {}),
    ...(!explicit.timeZone && defaults.timezone ? { timeZone: defaults.timezone } : {}),
  };
}

export class SiteDefaultsReader {
  private defaults: SiteDefaults = {};
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: Pick<PostStore, 'getSiteDefaults'>,
    private readonly explicit: ExplicitSettings,
  ) {}

  async settings(settings: Settings): Promise<Settings> {
    const now = performance.now();
    if (now - this.checkedAt >= RECHECK_MS) {
      this.defaults = (await this.store.getSiteDefaults()) ?? {};
      this.checkedAt = now;
    }
    return withSiteDefaults(settings, this.defaults, this.explicit);
  }
}
