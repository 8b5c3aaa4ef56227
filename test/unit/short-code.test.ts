import { describe, expect, it } from 'vitest';
import { isPlausibleShareCode, SHORT_CODE_LENGTH, shortCodeCandidate } from '../../functions/core/short-code';

describe('shortCodeCandidate', () => {
  it('is 7 URL-safe characters', () => {
    expect(SHORT_CODE_LENGTH).toBe(7);
    for (const id of ['NW202201122244036113', '2022-01-13-metro-line-opens', '成都', '']) {
      expect(shortCodeCandidate(id, 0)).toMatch(/^[A-Za-z0-9]{7}$/);
    }
  });

  it('is deterministic for an id and attempt', () => {
    expect(shortCodeCandidate('NW202201122244036113', 0)).toBe(shortCodeCandidate('NW202201122244036113', 0));
    expect(shortCodeCandidate('NW202201122244036113', 3)).toBe(shortCodeCandidate('NW202201122244036113', 3));
  });

  it('differs per attempt, so collisions can be resolved', () => {
    const codes = new Set([0, 1, 2, 3, 4].map((attempt) => shortCodeCandidate('NW202201122244036113', attempt)));
    expect(codes.size).toBe(5);
  });

  it('differs per id', () => {
    const codes = new Set(Array.from({ length: 200 }, (_, i) => shortCodeCandidate(`post-${i}`, 0)));
    expect(codes.size).toBe(200);
  });

  // Golden values: every /s/ link ever shared names one of these codes, and a post's code is
  // derived again at every re-upload. A change to the hash input, the byte order, the alphabet
  // or the digit order would break every link already out there, so it must fail here.
  it('keeps the codes already shared: golden values for attempt 0 (the id alone) and later attempts (id#n)', () => {
    const golden: Array<[string, string[]]> = [
      ['NW202201122244036113', ['IjrGgvr', 'YRkCdn0', 'HUFUqEZ']],
      ['2022-01-13-metro-line-opens', ['jMvVkGN', '1kHw4Pn', 'UIO0dsv']],
      ['成都', ['BLX7Nhj', 'uYYsIb2', 'JdtEmKR']],
      ['story-42', ['vDpAZfD', 'HmTIAGu', 'GwQF9Nj']],
      ['', ['klZHOI1', 'lceEhPp', 'KOBROne']],
    ];
    for (const [id, codes] of golden) {
      expect(
        [0, 1, 2].map((attempt) => shortCodeCandidate(id, attempt)),
        JSON.stringify(id),
      ).toEqual(codes);
    }
    expect(shortCodeCandidate('NW202201122244036113', 7)).toBe('1VHbAO1');
  });

  it('derives attempt 0 from the id alone, and attempt n from "id#n"', () => {
    expect(shortCodeCandidate('story-42', 0)).not.toBe(shortCodeCandidate('story-42#0', 0));
    expect(shortCodeCandidate('story-42', 1)).toBe(shortCodeCandidate('story-42#1', 0));
    expect(shortCodeCandidate('story-42', 2)).toBe(shortCodeCandidate('story-42#2', 0));
  });

  it('is accepted as a share code', () => {
    expect(isPlausibleShareCode(shortCodeCandidate('x', 0))).toBe(true);
  });
});

describe('isPlausibleShareCode', () => {
  it('accepts short codes and legacy infoCodes', () => {
    expect(isPlausibleShareCode('aB3dE9z')).toBe(true);
    expect(isPlausibleShareCode('NW202201122244036113')).toBe(true);
    expect(isPlausibleShareCode('a_b-c')).toBe(true);
    expect(isPlausibleShareCode('a'.repeat(64))).toBe(true);
  });

  const refused: Array<[string, string]> = [
    ['a protocol-relative URL', '//evil.example'],
    ['an absolute URL', 'https://evil.example'],
    ['a parent segment', '..'],
    ['a dot', 'a.b'],
    ['the empty string', ''],
    ['65 characters', 'a'.repeat(65)],
    ['an encoded slash', '%2F'],
    ['a slash', 'a/b'],
    ['a backslash', 'a\\b'],
    ['a trailing newline', 'abc\n'],
    ['a space', 'ab c'],
    ['a Cyrillic look-alike', 'NW2022\u0410'],
    ['full-width letters', 'ＮＷ２０２２'],
    ['a Chinese name', '成都'],
  ];
  for (const [what, code] of refused) {
    it(`refuses ${what} (${JSON.stringify(code)})`, () => {
      expect(isPlausibleShareCode(code)).toBe(false);
    });
  }
});
