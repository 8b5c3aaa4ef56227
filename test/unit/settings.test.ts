import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { ENV } from '../../functions/config-names';
import { ConfigError, readSettings, type Settings, siteForRequest } from '../../functions/core/settings';

/** The ConfigError reading `env` throws; fails the test when it does not throw one. */
function configError(env: Record<string, string>): ConfigError {
  try {
    settingsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

describe('readSettings', () => {
  it('uses the defaults when nothing is set', () => {
    const settings = settingsFromEnv({});
    expect(settings.siteUrl).toBeUndefined();
    expect(settings).toMatchObject({
      title: '新闻 News',
      description: '分类新闻订阅 Category news feeds',
      language: 'zh-CN',
      idAuthority: 'publishing-backend.invalid',
      feedLength: 20,
      maxAgeSeconds: 300,
    });
  });

  it('treats blank values as unset', () => {
    expect(settingsFromEnv({ [ENV.feedLength]: '  ', [ENV.siteUrl]: '' })).toMatchObject({
      feedLength: 20,
      siteUrl: undefined,
    });
  });

  it('reads every variable by its real name', () => {
    const settings = settingsFromEnv({
      [ENV.siteUrl]: 'https://news.example.com',
      [ENV.siteTitle]: 'T',
      [ENV.siteDescription]: 'D',
      [ENV.siteLanguage]: 'en',
      [ENV.idAuthority]: 'example.org',
      [ENV.feedLength]: ' 50 ',
      [ENV.feedMaxBytes]: '65536',
      [ENV.maxAgeSeconds]: '0',
      [ENV.archiveMaxAgeSeconds]: '3600',
      [ENV.edgeMaxAgeSeconds]: '5',
      [ENV.feedVersionCacheMs]: '0',
      [ENV.websubHub]: 'https://hub.example.net/',
      [ENV.robots]: 'disallow',
    });
    expect(settings).toEqual({
      siteUrl: 'https://news.example.com',
      title: 'T',
      description: 'D',
      language: 'en',
      idAuthority: 'example.org',
      feedLength: 50,
      feedMaxBytes: 65536,
      maxAgeSeconds: 0,
      archiveMaxAgeSeconds: 3600,
      edgeMaxAgeSeconds: 5,
      feedVersionCacheMs: 0,
      robots: 'disallow',
      websubHub: 'https://hub.example.net/',
    });
  });

  it('refuses a WebSub hub without SITE_URL, since ingest must name the changed feeds absolutely', () => {
    expect(() => settingsFromEnv({ [ENV.websubHub]: 'https://hub.example.net/' })).toThrow(
      'WEBSUB_HUB is set, so SITE_URL must be set too',
    );
    expect(() => settingsFromEnv({ [ENV.siteUrl]: 'https://a.example', [ENV.websubHub]: 'hub' })).toThrow(
      /^WEBSUB_HUB must be/,
    );
  });

  it('takes the tag: authority from SITE_URL’s host when none is set', () => {
    expect(settingsFromEnv({ [ENV.siteUrl]: 'https://News.Example.com:8443' }).idAuthority).toBe('news.example.com');
  });

  it('strips one trailing slash from SITE_URL', () => {
    expect(settingsFromEnv({ [ENV.siteUrl]: 'https://news.example.com/' }).siteUrl).toBe('https://news.example.com');
  });

  for (const value of ['0', '1001', '2.5', 'twenty', '-1']) {
    it(`refuses FEED_LENGTH=${value}, naming the variable`, () => {
      expect(configError({ [ENV.feedLength]: value }).message).toBe(
        `FEED_LENGTH must be a whole number from 1 to 1000, not "${value}"`,
      );
    });
  }

  it('refuses a negative CACHE_MAX_AGE_SECONDS, naming the variable', () => {
    expect(configError({ [ENV.maxAgeSeconds]: '-5' }).message).toMatch(/^CACHE_MAX_AGE_SECONDS must be a whole number/);
  });

  for (const value of [
    'news.example.com',
    'ftp://news.example.com',
    'https://news.example.com/path',
    'https://a b.com',
    'https://x.com?q=1',
  ]) {
    it(`refuses SITE_URL=${value}, naming the variable`, () => {
      const error = configError({ [ENV.siteUrl]: value });
      expect(error.message).toMatch(/^SITE_URL must be an origin/);
      expect(error.message).toContain(value);
    });
  }

  for (const value of ['chinese', 'zh_CN', 'z', 'en-']) {
    it(`refuses SITE_LANGUAGE=${value}, naming the variable`, () => {
      expect(configError({ [ENV.siteLanguage]: value }).message).toBe(
        `SITE_LANGUAGE must be a language tag such as zh-CN, not "${value}"`,
      );
    });
  }

  it('reads ROBOTS: allow by default, disallow for a staging site, and refuses anything else naming the variable', () => {
    expect(settingsFromEnv({}).robots).toBe('allow');
    expect(settingsFromEnv({ [ENV.robots]: 'disallow' }).robots).toBe('disallow');
    expect(configError({ [ENV.robots]: 'no' }).message).toBe(
      'ROBOTS must be allow or disallow (a staging site), not "no"',
    );
  });

  it('names whatever variables it is given', () => {
    const names = {
      siteUrl: 'U',
      title: 'T',
      description: 'D',
      language: 'L',
      idAuthority: 'I',
      feedLength: 'N',
      maxAgeSeconds: 'M',
      feedMaxBytes: 'B',
      archiveMaxAgeSeconds: 'A',
      edgeMaxAgeSeconds: 'E',
      feedVersionCacheMs: 'V',
      websubHub: 'H',
      feedAliases: 'F',
      displayNames: 'S',
      robots: 'R',
      timeZone: 'Z',
    };
    expect(readSettings({ N: '7' }, names).feedLength).toBe(7);
    expect(() => readSettings({ N: 'x' }, names)).toThrow(/^N must be/);
    expect(readSettings({ E: '0' }, names).edgeMaxAgeSeconds).toBe(0);
    expect(() => readSettings({ E: '601' }, names)).toThrow(/^E must be a whole number from 0 to 600/);
  });
});

describe('TIME_ZONE', () => {
  it('reads an IANA zone name and refuses anything else, naming the variable', () => {
    expect(settingsFromEnv({ [ENV.timeZone]: 'Asia/Shanghai' }).timeZone).toBe('Asia/Shanghai');
    expect(settingsFromEnv({}).timeZone).toBeUndefined();
    for (const value of ['Beijing', '+08:00', 'Asia/Nowhere']) {
      expect(configError({ [ENV.timeZone]: value }).message).toBe(
        `TIME_ZONE must be a time zone name such as Asia/Shanghai, not "${value}"`,
      );
    }
  });
});

describe('DISPLAY_NAMES', () => {
  it('reads name=display pairs, and refuses anything else naming the variable and the pair', () => {
    expect(settingsFromEnv({ [ENV.displayNames]: 'chengduribao=成都日报, sport = 体育' }).displayNames).toEqual({
      chengduribao: '成都日报',
      sport: '体育',
    });
    expect(settingsFromEnv({}).displayNames).toBeUndefined();
    for (const wrong of ['chengduribao', '=成都日报', 'a=b=c']) {
      expect(configError({ [ENV.displayNames]: wrong }).message).toBe(
        `DISPLAY_NAMES must list name=display pairs such as chengduribao=成都日报, not "${wrong}"`,
      );
    }
  });
});

describe('FEED_ALIASES', () => {
  it("reads old=new pairs whose new address is one of this site's feeds", () => {
    expect(
      settingsFromEnv({
        [ENV.feedAliases]: '/rss/news.xml=/category/news.rss, /blog/atom=/feed.atom,/t.json=/tag/成都.json',
      }).feedAliases,
    ).toEqual({ '/rss/news.xml': '/category/news.rss', '/blog/atom': '/feed.atom', '/t.json': '/tag/成都.json' });
    expect(settingsFromEnv({}).feedAliases).toBeUndefined();
  });

  it('refuses anything else, naming the variable and the pair', () => {
    for (const wrong of ['/old.xml=/elsewhere.xml', 'old.xml=/feed.rss', '/a=/feed.rss=/b', '/a']) {
      expect(configError({ [ENV.feedAliases]: wrong }).message, wrong).toMatch(/^FEED_ALIASES must list old=new pairs/);
    }
  });
});

describe('siteForRequest', () => {
  const unset: Settings = settingsFromEnv({});
  const configured: Settings = settingsFromEnv({ [ENV.siteUrl]: 'https://news.example.com' });

  it('uses SITE_URL when set, whatever the Host says', () => {
    expect(siteForRequest(configured, { host: 'evil.example', 'x-forwarded-proto': 'http' }).baseUrl).toBe(
      'https://news.example.com',
    );
  });

  it('uses the Host header when SITE_URL is unset, over http by default', () => {
    expect(siteForRequest(unset, { host: 'localhost:3000' }).baseUrl).toBe('http://localhost:3000');
  });

  it('uses https when x-forwarded-proto says so', () => {
    expect(
      siteForRequest(unset, { host: 'abc.execute-api.us-east-1.amazonaws.com', 'x-forwarded-proto': 'https' }).baseUrl,
    ).toBe('https://abc.execute-api.us-east-1.amazonaws.com');
  });

  it('lower-cases the host and accepts IPv6 literals', () => {
    expect(siteForRequest(unset, { host: 'News.Example.COM' }).baseUrl).toBe('http://news.example.com');
    expect(siteForRequest(unset, { host: '[::1]:3000' }).baseUrl).toBe('http://[::1]:3000');
  });

  it('carries the other settings into the site', () => {
    const site = siteForRequest(unset, { host: 'a.example' });
    expect(site).toMatchObject({ language: 'zh-CN', feedLength: 20, maxAgeSeconds: 300 });
    expect(site).not.toHaveProperty('siteUrl');
  });

  for (const host of [
    'evil.com/path',
    'a b',
    'a.example\r\nSet-Cookie: x=1',
    'evil.com?x',
    'evil.com#x',
    'user@evil.com',
    '"><script>',
    '',
  ]) {
    it(`never puts the malformed Host ${JSON.stringify(host)} into baseUrl (falls back to http://localhost)`, () => {
      const baseUrl = siteForRequest(unset, { host, 'x-forwarded-proto': 'https' }).baseUrl;
      expect(baseUrl).toBe('http://localhost');
      if (host !== '') expect(baseUrl).not.toContain(host);
    });
  }
});
