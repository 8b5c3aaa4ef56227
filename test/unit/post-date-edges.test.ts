import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { offsetOf, parsePostDate } from '../../functions/core/post-date';

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
