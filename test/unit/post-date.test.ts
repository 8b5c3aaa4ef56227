import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { formatRfc822, formatRfc3339, offsetOf, parsePostDate } from '../../functions/core/post-date';

// The seed's instant: 2022-01-12 02:44:46 at +08:00 is 2022-01-11 18:44:46 UTC.
const SEED_INSTANT = Date.UTC(2022, 0, 11, 18, 44, 46);

describe('parsePostDate: accepted forms', () => {
  it('reads Jekyll’s `2022-01-12 02:44:46 +0800`, keeping the offset and the local calendar date', () => {
    expect(parsePostDate('2022-01-12 02:44:46 +0800')).toEqual({
      rfc3339: '2022-01-12T02:44:46+08:00',
      epochMs: SEED_INSTANT,
      offsetMinutes: 480,
      year: '2022',
      month: '01',
      day: '12',
    });
  });

  it('reads the offset written with a colon, `+08:00`, as the same instant', () => {
    const date = parsePostDate('2022-01-12 02:44:46 +08:00');
    expect(date.rfc3339).toBe('2022-01-12T02:44:46+08:00');
    expect(date.epochMs).toBe(SEED_INSTANT);
  });

  it('reads ISO 8601 with T and Z as UTC', () => {
    const date = parsePostDate('2022-01-11T18:44:46Z');
    expect(date.rfc3339).toBe('2022-01-11T18:44:46Z');
    expect(date.epochMs).toBe(SEED_INSTANT);
    expect(date.offsetMinutes).toBe(0);
    expect(date.day).toBe('11');
  });

  it('reads ISO 8601 with T and a compact offset', () => {
    expect(parsePostDate('2022-01-12T02:44:46+0800').epochMs).toBe(SEED_INSTANT);
  });

  it('reads a time without seconds', () => {
    const date = parsePostDate('2022-01-12 02:44 +0800');
    expect(date.rfc3339).toBe('2022-01-12T02:44:00+08:00');
    expect(date.epochMs).toBe(SEED_INSTANT - 46_000);
  });

  it('reads a date alone as midnight in the default offset', () => {
    expect(parsePostDate('2022-01-12').rfc3339).toBe('2022-01-12T00:00:00Z');
    const inChina = parsePostDate('2022-01-12', 480);
    expect(inChina.rfc3339).toBe('2022-01-12T00:00:00+08:00');
    expect(inChina.epochMs).toBe(Date.UTC(2022, 0, 11, 16));
  });

  it('keeps milliseconds of fractional seconds in the instant but writes whole seconds', () => {
    const date = parsePostDate('2022-01-12T02:44:46.123456+08:00');
    expect(date.epochMs).toBe(SEED_INSTANT + 123);
    expect(date.rfc3339).toBe('2022-01-12T02:44:46+08:00');
    expect(parsePostDate('2022-01-12T02:44:46.5Z').epochMs).toBe(Date.UTC(2022, 0, 12, 2, 44, 46, 500));
  });

  it('reads negative and half-hour offsets such as -0530', () => {
    const date = parsePostDate('2022-01-12 02:44:46 -0530');
    expect(date.offsetMinutes).toBe(-330);
    expect(date.rfc3339).toBe('2022-01-12T02:44:46-05:30');
    expect(date.epochMs).toBe(Date.UTC(2022, 0, 12, 8, 14, 46));
  });

  it('accepts the extreme offsets ±14:00 and 29 February in a leap year', () => {
    expect(parsePostDate('2022-01-12 00:00 +1400').offsetMinutes).toBe(840);
    expect(parsePostDate('2022-01-12 00:00 -14:00').offsetMinutes).toBe(-840);
    expect(parsePostDate('2024-02-29').day).toBe('29');
  });

  it('ignores surrounding whitespace', () => {
    expect(parsePostDate('  2022-01-12 02:44:46 +0800 ').epochMs).toBe(SEED_INSTANT);
  });
});

describe('parsePostDate: refusals', () => {
  const refused = [
    ['text that is not a date', 'yesterday', /is not a date Jekyll understands/],
    ['a named time zone', '2022-01-12 02:44:46 CST', /is not a date Jekyll understands/],
    ['30 February', '2022-02-30', /does not exist in the calendar/],
    ['29 February outside a leap year', '2023-02-29', /does not exist in the calendar/],
    ['month 13', '2022-13-01', /does not exist in the calendar/],
    ['hour 24', '2022-01-12 24:00:00', /does not exist in the calendar/],
    ['minute 60', '2022-01-12 02:60', /does not exist in the calendar/],
    ['second 60', '2022-01-12 02:44:60', /does not exist in the calendar/],
    ['an offset beyond +14:00', '2022-01-12 02:44:46 +1401', /offset beyond ±14:00/],
    ['an offset beyond -14:00', '2022-01-12 02:44:46 -15:00', /offset beyond ±14:00/],
    ['an offset with 75 minutes', '2022-01-12 02:44:46 +0875', /minutes are not 00 to 59/],
  ] as const;

  for (const [what, text, message] of refused) {
    it(`rejects ${what} (${text}) with PostRejected naming the text`, () => {
      let thrown: unknown;
      try {
        parsePostDate(text);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PostRejected);
      expect((thrown as PostRejected).message).toMatch(message);
      expect((thrown as PostRejected).message).toContain(`"${text}"`);
    });
  }
});

describe('formatRfc3339', () => {
  it('writes UTC as Z', () => {
    expect(formatRfc3339(SEED_INSTANT, 0)).toBe('2022-01-11T18:44:46Z');
  });

  it('writes the instant in the given offset, crossing midnight', () => {
    expect(formatRfc3339(SEED_INSTANT, 480)).toBe('2022-01-12T02:44:46+08:00');
    expect(formatRfc3339(SEED_INSTANT, -330)).toBe('2022-01-11T13:14:46-05:30');
  });

  it('drops milliseconds', () => {
    expect(formatRfc3339(SEED_INSTANT + 999, 0)).toBe('2022-01-11T18:44:46Z');
  });

  it('round-trips with offsetOf', () => {
    expect(offsetOf(formatRfc3339(SEED_INSTANT, -330))).toBe(-330);
    expect(offsetOf(formatRfc3339(SEED_INSTANT, 480))).toBe(480);
    expect(offsetOf(formatRfc3339(SEED_INSTANT, 0))).toBe(0);
  });
});

describe('formatRfc822', () => {
  it('writes RSS’s form in the post’s own offset', () => {
    expect(formatRfc822(SEED_INSTANT, 480)).toBe('Wed, 12 Jan 2022 02:44:46 +0800');
  });

  it('writes negative offsets and UTC as numeric zones', () => {
    expect(formatRfc822(SEED_INSTANT, -330)).toBe('Tue, 11 Jan 2022 13:14:46 -0530');
    expect(formatRfc822(SEED_INSTANT, 0)).toBe('Tue, 11 Jan 2022 18:44:46 +0000');
  });
});

/*
 * What Ruby's Time.parse gives for the forms Jekyll sites write (checked with Ruby 3.1 and
 * TZ=Asia/Shanghai, as Jekyll sets TZ from the site's `timezone`).
 */
describe('parsePostDate: the forms Ruby reads, in a site time zone', () => {
  const SHANGHAI = { timeZone: 'Asia/Shanghai' };
  const cases: Array<[string, string, boolean?]> = [
    ['2014-10-1 12:00:00', '2014-10-01T12:00:00+08:00'],
    ['2022-1-5', '2022-01-05T00:00:00+08:00'],
    ['22-01-05', '2022-01-05T00:00:00+08:00'],
    ['69-01-05', '1969-01-05T00:00:00+08:00'],
    ['2022-01-12 2:44', '2022-01-12T02:44:00+08:00'],
    ['2022-01-12T02:44:46Z', '2022-01-12T10:44:46+08:00'],
    ['2022-01-12 02:44:46 -08', '2022-01-12T18:44:46+08:00'],
    ['2022-01-12 02:44:46 +8', '2022-01-12T02:44:46+08:00'],
    ['2022-01-12 02:44:46 UTC', '2022-01-12T10:44:46+08:00'],
    ['2022-01-12 02:44:46 GMT+8', '2022-01-12T02:44:46+08:00'],
    ['2022-01-12 02:44:46 PST', '2022-01-12T18:44:46+08:00'],
    ['2022-01-12 02:44:46 EDT', '2022-01-12T14:44:46+08:00'],
    // Jekyll's own docs site: Ruby ignores an offset written after a repeated year.
    ['2023-01-29 18:30:22 2023 -0800', '2023-01-29T18:30:22+08:00'],
    ['2023-01-29 18:30:22 -0800 2023', '2023-01-30T10:30:22+08:00'],
    // An unquoted YAML timestamp without an offset is UTC to Psych.
    ['2014-10-1 12:00:00', '2014-10-01T20:00:00+08:00', true],
    ['2022-01-12 02:44:46 +08:00', '2022-01-12T02:44:46+08:00', true],
  ];
  for (const [text, expected, yamlTimestamp] of cases) {
    it(`reads ${text}${yamlTimestamp ? ' (a YAML timestamp)' : ''} as ${expected}`, () => {
      expect(parsePostDate(text, { ...SHANGHAI, yamlTimestamp }).rfc3339).toBe(expected);
    });
  }

  it('shows a date in the site zone, crossing midnight, and honours summer time', () => {
    const date = parsePostDate('2022-01-12 02:44:46 +0000', { timeZone: 'America/New_York' });
    expect([date.rfc3339, date.day]).toEqual(['2022-01-11T21:44:46-05:00', '11']);
    expect(parsePostDate('2022-07-01 12:00', { timeZone: 'America/New_York' }).rfc3339).toBe(
      '2022-07-01T12:00:00-04:00',
    );
  });

  it('reads a wall time in a gap after the gap and one in an overlap as the earlier instant', () => {
    expect(parsePostDate('2022-03-13 02:30', { timeZone: 'America/New_York' }).rfc3339).toBe(
      '2022-03-13T03:30:00-04:00',
    );
    expect(parsePostDate('2022-11-06 01:30', { timeZone: 'America/New_York' }).rfc3339).toBe(
      '2022-11-06T01:30:00-04:00',
    );
  });

  it('refuses CST, which Ruby reads as US Central, and zone names Ruby ignores', () => {
    expect(() => parsePostDate('2022-01-12 02:44:46 CST')).toThrow(/Ruby reads CST as US Central Time/);
    expect(() => parsePostDate('2022-01-12 02:44:46 JST')).toThrow(/Ruby ignores the zone name "JST"/);
    expect(() => parsePostDate('2022-01-12 02:44:46 Asia/Shanghai')).toThrow(/Ruby ignores the zone name/);
  });
});
