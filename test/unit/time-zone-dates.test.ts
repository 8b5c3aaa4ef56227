import { describe, expect, it } from 'vitest';
import { readIngestSettings } from '../../functions/core/ingest-settings';
import { type ParseOptions, parsePost } from '../../functions/core/parse-post';
import { siteFingerprint } from '../../functions/core/site-config';

// TIME_ZONE: the zone of dates written without an offset (as Jekyll's `timezone`), over the
// site _config.yml's; a date that gives its offset keeps it.

const NOW = '2024-01-01T00:00:00.000Z';

function dateOf(date: string, options: Partial<ParseOptions> = {}): string {
  const parsed = parsePost('posts/a.md', `---\ntitle: A\ndate: ${date}\n---\nBody.\n`, { now: NOW, ...options });
  if (!parsed.published) throw new Error('expected a published post');
  return parsed.post.date;
}

describe('dates written without an offset', () => {
  it('are UTC without TIME_ZONE or a site config', () => {
    expect(dateOf('2022-01-12 02:44:00')).toBe('2022-01-12T02:44:00Z');
  });

  it('are read in TIME_ZONE, date-only ones at its midnight, with the offset of that date (summer time included)', () => {
    expect(dateOf('2022-01-12 02:44:00', { timeZone: 'Asia/Shanghai' })).toBe('2022-01-12T02:44:00+08:00');
    expect(dateOf('"2022-01-12 02:44"', { timeZone: 'Asia/Shanghai' })).toBe('2022-01-12T02:44:00+08:00');
    expect(dateOf('2022-02-01', { timeZone: 'Asia/Shanghai' })).toBe('2022-02-01T00:00:00+08:00');
    expect(dateOf('2022-07-01 09:00', { timeZone: 'America/New_York' })).toBe('2022-07-01T09:00:00-04:00');
    expect(dateOf('2022-12-01 09:00', { timeZone: 'America/New_York' })).toBe('2022-12-01T09:00:00-05:00');
  });

  it('keep the offset they give', () => {
    expect(dateOf('2022-01-12 02:44:00 +0000', { timeZone: 'Asia/Shanghai' })).toBe('2022-01-12T02:44:00Z');
  });

  it('of a Jekyll site are read as Jekyll reads them, in TIME_ZONE over the config’s timezone', () => {
    const site = { permalink: '/:year/:title:output_ext', timeZone: 'America/New_York' };
    expect(dateOf('2022-01-12 02:44', { site })).toBe('2022-01-12T02:44:00-05:00');
    expect(dateOf('2022-01-12 02:44', { site, timeZone: 'Asia/Shanghai' })).toBe('2022-01-12T02:44:00+08:00');
    // Jekyll's YAML reader takes a plain timestamp with seconds as UTC, and shows every date in the site's zone.
    expect(dateOf('2022-01-12 02:44:00', { site, timeZone: 'Asia/Shanghai' })).toBe('2022-01-12T10:44:00+08:00');
  });
});

describe('TIME_ZONE and the record of what a post was read with', () => {
  it('changes the fingerprint reindex compares, and leaves that of a site without it as it was', () => {
    const site = { permalink: '/:year/:title:output_ext', timeZone: 'UTC' };
    expect(siteFingerprint(undefined)).toBeUndefined();
    expect(siteFingerprint(undefined, 'Asia/Shanghai')).toMatch(/^[0-9a-f]{16}$/);
    expect(siteFingerprint(site, 'Asia/Shanghai')).not.toBe(siteFingerprint(site));
    // A config naming the zone and TIME_ZONE naming it read posts alike.
    expect(siteFingerprint({ ...site, timeZone: 'Asia/Shanghai' })).toBe(siteFingerprint(site, 'Asia/Shanghai'));
  });

  it('is an ingest setting refused by name when it is not a zone', () => {
    const names = { maxPostBytes: 'M', iframeHosts: 'I', legacyHosts: 'L', timeZone: 'TIME_ZONE' };
    expect(readIngestSettings({ TIME_ZONE: 'Asia/Shanghai' }, names).timeZone).toBe('Asia/Shanghai');
    expect(() => readIngestSettings({ TIME_ZONE: 'Beijing' }, names)).toThrow(
      'TIME_ZONE must be a time zone name such as Asia/Shanghai, not "Beijing"',
    );
  });
});
