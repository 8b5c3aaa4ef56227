import { describe, expect, it } from 'vitest';
import { readSiteConfig, siteFingerprint } from '../../functions/core/site-config';

describe('readSiteConfig: what of _config.yml decides posts', () => {
  it('gives Jekyll’s defaults for an empty config: the date style, and UTC', () => {
    expect(readSiteConfig('')).toEqual({ permalink: '/:categories/:year/:month/:day/:title:output_ext', timeZone: 'UTC' });
  });

  it('resolves a named style, keeps a template, and reads timezone, title, description and url', () => {
    expect(readSiteConfig('permalink: pretty\ntimezone: Asia/Shanghai\ntitle: 新闻\ndescription: D\nurl: https://news.example.com/\n')).toEqual({
      permalink: '/:categories/:year/:month/:day/:title/', timeZone: 'Asia/Shanghai', title: '新闻', description: 'D', url: 'https://news.example.com',
    });
    expect(readSiteConfig('permalink: /blog/:year/:title/\n').permalink).toBe('/blog/:year/:title/');
  });

  it('refuses what Jekyll would refuse or misread, saying where', () => {
    expect(() => readSiteConfig('timezone: Asia/Chengdu\n')).toThrow('_config.yml: timezone "Asia/Chengdu" is not a time zone name such as Asia/Shanghai');
    expect(() => readSiteConfig('permalink: /:yaer/:title/\n')).toThrow('_config.yml: permalink "/:yaer/:title/" has the placeholder :yaer, which Jekyll does not know for posts');
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
