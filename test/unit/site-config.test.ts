import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import { readSiteConfig, siteFingerprint } from '../../functions/core/site-config';
import { SiteDefaultsReader, withSiteDefaults } from '../../functions/core/site-defaults';
import { createHttpHandler } from '../../functions/handlers/http';
import { MemoryPostStore } from '../support/memory-store';

describe('readSiteConfig: what of _config.yml decides posts', () => {
  it('gives Jekyll’s defaults for an empty config: the date style, and UTC', () => {
    expect(readSiteConfig('')).toEqual({
      permalink: '/:categories/:year/:month/:day/:title:output_ext',
      timeZone: 'UTC',
    });
  });

  it('resolves a named style, keeps a template, and reads timezone, title, description and url', () => {
    expect(
      readSiteConfig(
        'permalink: pretty\ntimezone: Asia/Shanghai\ntitle: 新闻\ndescription: D\nurl: https://news.example.com/\n',
      ),
    ).toEqual({
      permalink: '/:categories/:year/:month/:day/:title/',
      timeZone: 'Asia/Shanghai',
      // Named by the config: also the default zone of the dates on pages (TIME_ZONE).
      timezone: 'Asia/Shanghai',
      title: '新闻',
      description: 'D',
      url: 'https://news.example.com',
    });
    expect(readSiteConfig('permalink: /blog/:year/:title/\n').permalink).toBe('/blog/:year/:title/');
    // Without one, posts are read in UTC, and pages keep each post's own offset.
    expect(readSiteConfig('title: T\n')).toMatchObject({ timeZone: 'UTC' });
    expect(readSiteConfig('title: T\n').timezone).toBeUndefined();
  });

  it('refuses what Jekyll would refuse or misread, saying where', () => {
    expect(() => readSiteConfig('timezone: Asia/Chengdu\n')).toThrow(
      '_config.yml: timezone "Asia/Chengdu" is not a time zone name such as Asia/Shanghai',
    );
    expect(() => readSiteConfig('permalink: /:yaer/:title/\n')).toThrow(
      '_config.yml: permalink "/:yaer/:title/" has the placeholder :yaer, which Jekyll does not know for posts',
    );
    expect(() => readSiteConfig('title: [a\n')).toThrow(/^_config.yml is not valid YAML/);
    expect(() => readSiteConfig('- a\n')).toThrow('_config.yml must be a mapping of settings');
    expect(() => readSiteConfig('permalink: {a: 1}\n')).toThrow('_config.yml: permalink must be text');
  });

  it('fingerprints only what decides posts', () => {
    const a = readSiteConfig('permalink: pretty\ntitle: A\n');
    const b = readSiteConfig('permalink: pretty\ntitle: B\n');
    expect(siteFingerprint(a)).toBe(siteFingerprint(b));
    expect(siteFingerprint(readSiteConfig('permalink: date\n'))).not.toBe(siteFingerprint(a));
    expect(siteFingerprint(undefined)).toBeUndefined();
  });
});

describe('title, description and url of _config.yml: defaults for the site settings', () => {
  const explicitNone = { title: false, description: false, siteUrl: false };
  const feed = (path: string): APIGatewayProxyEventV2 =>
    ({
      version: '2.0',
      routeKey: `GET ${path}`,
      rawPath: path,
      rawQueryString: '',
      headers: { host: 'news.example.com' },
      isBase64Encoded: false,
      requestContext: { domainName: 'news.example.com', http: { method: 'GET', path } },
    }) as unknown as APIGatewayProxyEventV2;

  it('apply where no variable is set; a variable wins; a url with a path is not an origin', () => {
    const defaults = { title: 'Parity News', description: 'D', url: 'https://parity.example.com/' };
    expect(withSiteDefaults(DEFAULT_SETTINGS, defaults, explicitNone)).toMatchObject({
      title: 'Parity News',
      description: 'D',
      siteUrl: 'https://parity.example.com',
    });
    const set = { ...DEFAULT_SETTINGS, title: 'From SITE_TITLE' };
    expect(withSiteDefaults(set, defaults, { ...explicitNone, title: true })).toMatchObject({
      title: 'From SITE_TITLE',
      description: 'D',
    });
    expect(
      withSiteDefaults(DEFAULT_SETTINGS, { url: 'https://example.com/blog' }, explicitNone).siteUrl,
    ).toBeUndefined();
  });

  it('are recorded by ingest and read by the read function, at most once a minute', async () => {
    const store = new MemoryPostStore();
    await store.putSiteDefaults({ title: 'Parity News', url: 'https://parity.example.com' }, 'R2');
    // An older event of the config records nothing over a newer one.
    await store.putSiteDefaults({ title: 'Older' }, 'R1');
    const handler = createHttpHandler({
      store,
      settings: DEFAULT_SETTINGS,
      siteDefaults: new SiteDefaultsReader(store, explicitNone),
    });
    const response = await handler(feed('/feed.atom'));
    expect(response.body).toContain('<title>Parity News</title>');
    expect(response.body).toContain('href="https://parity.example.com/feed.atom"');
    await store.putSiteDefaults({ title: 'Renamed' }, 'R3');
    expect((await handler(feed('/feed.atom'))).body).toContain('<title>Parity News</title>');
    expect(store.dump().filter((row) => row.pk === 'SITE')).toEqual([
      { pk: 'SITE', sk: 'CONFIG', title: 'Renamed', sequencer: 'R3' },
    ]);
  });
});
