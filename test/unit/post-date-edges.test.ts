import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { isTimeZone, offsetOf, parsePostDate } from '../../functions/core/post-date';

// The edges of what parsePostDate accepts: the last valid value of each field, the spelling
// variants Jekyll reads, and the first text past each limit. post-date.test.ts has the usual forms.

/** The message of the PostRejected parsing `text` throws. */
function refusal(text: string): string {
  try {
    parsePostDate(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PostRejected);
    return (error as PostRejected).message;
  }
  throw new Error(`${text} was accepted`);
}

describe('parsePostDate: the last valid value of every field', () => {
  it('accepts 23:59:59 on 31 December', () => {
    expect(parsePostDate('2022-12-31 23:59:59 +0800')).toEqual({
      rfc3339: '2022-12-31T23:59:59+08:00',
      epochMs: Date.UTC(2022, 11, 31, 15, 59, 59),
      offsetMinutes: 480,
      year: '2022',
      month: '12',
      day: '31',
    });
  });

  it('accepts offset minutes up to 59, with or without the colon', () => {
    expect(parsePostDate('2022-01-12 02:44:46 +08:59').offsetMinutes).toBe(8 * 60 + 59);
    expect(parsePostDate('2022-01-12 02:44:46 -0359').offsetMinutes).toBe(-(3 * 60 + 59));
    expect(refusal('2022-01-12 02:44:46 +08:60')).toMatch(/minutes are not 00 to 59/);
    expect(refusal('2022-01-12 02:44:46 -0399')).toMatch(/minutes are not 00 to 59/);
  });

  it('keeps up to nine digits of a fraction of a second (milliseconds count), refuses ten', () => {
    expect(parsePostDate('2022-01-12T02:44:46.123456789Z').epochMs).toBe(Date.UTC(2022, 0, 12, 2, 44, 46, 123));
    expect(parsePostDate('2022-01-12T02:44:46.05Z').epochMs).toBe(Date.UTC(2022, 0, 12, 2, 44, 46, 50));
    expect(refusal('2022-01-12T02:44:46.1234567890Z')).toMatch(/is not a date Jekyll understands/);
    expect(refusal('2022-01-12T02:44:46.Z')).toMatch(/is not a date Jekyll understands/);
  });

  // JavaScript's Date.UTC reads the years 0 to 99 as 1900 to 1999: such a year is refused, not
  // moved 1,900 years (no post is dated then; a two-digit year is completed as Ruby does instead).
  it('refuses a four-digit year before 0100 rather than read it as 19xx', () => {
    expect(refusal('0050-01-12')).toMatch(/^date "0050-01-12" does not exist in the calendar/);
    expect(parsePostDate('0100-01-12').year).toBe('0100');
  });
});

describe('parsePostDate: spellings Jekyll reads', () => {
  it('reads t and z in lower case', () => {
    const date = parsePostDate('2022-01-11t18:44:46z');
    expect(date.rfc3339).toBe('2022-01-11T18:44:46Z');
    expect(date.offsetMinutes).toBe(0);
    expect(parsePostDate('2022-01-12 02:44:46 z').epochMs).toBe(Date.UTC(2022, 0, 12, 2, 44, 46));
  });

  it('reads any number of spaces before the offset, and none', () => {
    const instant = Date.UTC(2022, 0, 11, 18, 44, 46);
    expect(parsePostDate('2022-01-12 02:44:46    +0800').epochMs).toBe(instant);
    expect(parsePostDate('2022-01-12 02:44:46+0800').epochMs).toBe(instant);
    expect(parsePostDate('2022-01-12 02:44+0800').epochMs).toBe(instant - 46_000);
  });

  it('reads hours and minutes with Z, and a date alone in the default offset west of UTC', () => {
    expect(parsePostDate('2022-01-12T02:44Z').rfc3339).toBe('2022-01-12T02:44:00Z');
    expect(parsePostDate('2022-01-12', -300).epochMs).toBe(Date.UTC(2022, 0, 12, 5));
    // An offset written in the text wins over the default.
    expect(parsePostDate('2022-01-12 00:00 +0100', -300).offsetMinutes).toBe(60);
  });
});

describe('parsePostDate: text around or inside a date that is not one', () => {
  const refused: Array<[string, string]> = [
    ['a five-digit year', '02022-01-12'],
    ['text after the date', '2022-01-12x'],
    ['text after the offset', '2022-01-12 02:44:46 +0800 x'],
    ['seconds of one digit', '2022-01-12 02:44:4'],
    ['a dot without a fraction', '2022-01-12 02:44:46.'],
    ['an underscore between date and time', '2022-01-12_02:44'],
  ];
  for (const [what, text] of refused) {
    it(`refuses ${what} (${text})`, () => {
      expect(refusal(text)).toMatch(
        new RegExp(`^date "${text.replace(/[.+]/g, '\\$&')}" is not a date Jekyll understands`),
      );
    });
  }

  // Forms Jekyll reads from unquoted front matter (YAML 1.1 timestamps, checked with Ruby's Psych;
  // the one-digit hour is also in the fixture site test/integration/jekyll-parity.test.ts builds).
  it('reads an hour of one digit, an offset of hours alone and an offset hour of one digit, as Jekyll does', () => {
    expect(parsePostDate('2022-01-12 2:44').rfc3339).toBe('2022-01-12T02:44:00Z');
    expect(parsePostDate('2022-01-12 02:44:46 +08').rfc3339).toBe('2022-01-12T02:44:46+08:00');
    expect(parsePostDate('2022-01-12 02:44:46 +8:00').rfc3339).toBe('2022-01-12T02:44:46+08:00');
    // Three digits are an hour of one digit and its minutes, as Ruby reads them.
    expect(parsePostDate('2022-01-12 02:44:46 +800').rfc3339).toBe('2022-01-12T02:44:46+08:00');
    expect(parsePostDate('2022-01-12 02:44:46 -530').rfc3339).toBe('2022-01-12T02:44:46-05:30');
  });
});

describe('offsetOf', () => {
  it('reads z in lower case as UTC, a string without a zone as UTC, and the zone only at the end', () => {
    expect(offsetOf('2022-01-12T02:44:46z')).toBe(0);
    expect(offsetOf('2022-01-12T02:44:46')).toBe(0);
    expect(offsetOf('2022-01-12T02:44:46-0530')).toBe(-330);
    expect(offsetOf('+0530 2022-01-12T02:44:46Z')).toBe(0);
  });
});

describe('parsePostDate: reading in a time zone', () => {
  it('keeps the milliseconds of a fraction however the time is read', () => {
    const text = '2022-01-12 02:44:46.25';
    // In TIME_ZONE (a post of no Jekyll site), in the site's zone, and as a YAML timestamp (UTC).
    expect(parsePostDate(text, { defaultTimeZone: 'Asia/Shanghai' }).epochMs).toBe(
      Date.UTC(2022, 0, 11, 18, 44, 46, 250),
    );
    expect(parsePostDate(text, { timeZone: 'Asia/Shanghai' }).epochMs).toBe(Date.UTC(2022, 0, 11, 18, 44, 46, 250));
    expect(parsePostDate(text, { timeZone: 'Asia/Shanghai', yamlTimestamp: true }).epochMs).toBe(
      Date.UTC(2022, 0, 12, 2, 44, 46, 250),
    );
    // In the default offset.
    expect(parsePostDate(text, 480).epochMs).toBe(Date.UTC(2022, 0, 11, 18, 44, 46, 250));
  });

  it('reads a date without an offset in the site zone when TIME_ZONE is given too', () => {
    const date = parsePostDate('2022-01-12 02:44', { timeZone: 'Asia/Shanghai', defaultTimeZone: 'America/New_York' });
    expect(date.rfc3339).toBe('2022-01-12T02:44:00+08:00');
  });

  it('reads a YAML timestamp as UTC and shows it in UTC without a zone, whatever the default offset', () => {
    const date = parsePostDate('2022-01-12 02:44:46', { defaultOffsetMinutes: 480, yamlTimestamp: true });
    expect(date.rfc3339).toBe('2022-01-12T02:44:46Z');
    expect(date.epochMs).toBe(Date.UTC(2022, 0, 12, 2, 44, 46));
  });

  // Psych reads an unquoted date without a time as a Date, not a Time: Jekyll then takes its
  // midnight in the site's zone, as for a quoted one.
  it('reads a date alone marked as a YAML timestamp as midnight where a quoted one would be', () => {
    expect(parsePostDate('2022-01-12', { timeZone: 'Asia/Shanghai', yamlTimestamp: true }).rfc3339).toBe(
      '2022-01-12T00:00:00+08:00',
    );
    expect(parsePostDate('2022-01-12', { defaultOffsetMinutes: 480, yamlTimestamp: true }).rfc3339).toBe(
      '2022-01-12T00:00:00+08:00',
    );
  });

  // instantOfWallTime: the offset is the one in force at the time itself, not a day earlier or later.
  const afterChanges: Array<[string, string, string]> = [
    ['America/New_York', '2022-03-13 05:00', '2022-03-13T05:00:00-04:00'],
    ['America/New_York', '2022-11-06 12:00', '2022-11-06T12:00:00-05:00'],
    ['Europe/Berlin', '2022-03-27 12:00', '2022-03-27T12:00:00+02:00'],
    ['Europe/Berlin', '2022-10-30 12:00', '2022-10-30T12:00:00+01:00'],
  ];
  for (const [timeZone, text, expected] of afterChanges) {
    it(`reads ${text} in ${timeZone}, the day the clocks changed, in the offset after the change`, () => {
      expect(parsePostDate(text, { timeZone }).rfc3339).toBe(expected);
      expect(parsePostDate(text, { defaultTimeZone: timeZone }).rfc3339).toBe(expected);
    });
  }

  it('reads the hours before the clocks change in the offset before the change', () => {
    expect(parsePostDate('2022-03-27 01:30', { timeZone: 'Europe/Berlin' }).rfc3339).toBe('2022-03-27T01:30:00+01:00');
    expect(parsePostDate('2022-11-06 00:30', { timeZone: 'America/New_York' }).rfc3339).toBe(
      '2022-11-06T00:30:00-04:00',
    );
  });
});

describe('isTimeZone', () => {
  it('is true for an IANA zone name ICU knows and false, not merely falsy, for anything else', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Beijing')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('parsePostDate: the zone names Ruby knows', () => {
  const zones: Array<[string, number]> = [
    ['Z', 0],
    ['UTC', 0],
    ['UT', 0],
    ['GMT', 0],
    ['EST', -300],
    ['EDT', -240],
    ['CDT', -300],
    ['MST', -420],
    ['MDT', -360],
    ['PST', -480],
    ['PDT', -420],
  ];
  for (const [name, offset] of zones) {
    it(`reads ${name} as ${offset} minutes`, () => {
      const date = parsePostDate(`2022-01-12 02:44:46 ${name}`);
      expect([date.offsetMinutes, date.epochMs]).toEqual([offset, Date.UTC(2022, 0, 12, 2, 44, 46) - offset * 60_000]);
    });
  }
});
