import { describe, expect, it } from 'vitest';
import { eventPart, eventPartOf, isNewerEvent, isSequencer } from '../../functions/core/sequencer';
import { decodeEventKey } from '../../functions/handlers/ingest';
import { encodeEventKey } from '../../infra/local/s3-events';

describe('S3 event keys', () => {
  const keys = [
    'posts/2022-01-12-plain.md',
    'posts/a b.md',
    'posts/a+b.md',
    'posts/a + b+.md',
    'posts/成都 日报/金牛.md',
    'posts/100%.md',
    'posts/%20 literal.md',
    'posts/a&b=c.md',
    'posts/#hash?.md',
    "posts/!'()*~.md",
  ];

  for (const key of keys) {
    it(`round-trips ${JSON.stringify(key)} through encodeEventKey and decodeEventKey`, () => {
      expect(decodeEventKey(encodeEventKey(key))).toBe(key);
    });
  }

  it('encodes as S3 does: + for space, %2B for plus, slashes kept, UTF-8 percent-encoded', () => {
    expect(encodeEventKey('posts/a b+c.md')).toBe('posts/a+b%2Bc.md');
    expect(encodeEventKey('posts/成都.md')).toBe('posts/%E6%88%90%E9%83%BD.md');
    expect(encodeEventKey('posts/50%&#.md')).toBe('posts/50%25%26%23.md');
  });

  it('decodes S3’s form: + is a space, %2B is a plus', () => {
    expect(decodeEventKey('posts/a+b%2Bc.md')).toBe('posts/a b+c.md');
    expect(decodeEventKey('posts/%E6%88%90%E9%83%BD.md')).toBe('posts/成都.md');
  });
});

describe('S3 sequencers (functions/core/sequencer.ts)', () => {
  // The S3 User Guide's rule: pad the shorter sequencer with zeros on the right, then compare.
  it('orders sequencers of different lengths as S3 says: right-padded with zeros', () => {
    expect(isNewerEvent('0055AED6DCD90281F', token('0055AED6DCD90281E5'))).toBe(true);
    expect(isNewerEvent('0055AED6DCD90281E5', token('0055AED6DCD90281F'))).toBe(false);
    // Left-padding would call the 18-digit one newer (it is the larger number).
    expect(isNewerEvent('0062E99A88DC4074', token('0062E99A88DC407300'))).toBe(true);
    expect(isNewerEvent('0062E99A88DC407300', token('0062E99A88DC4074'))).toBe(false);
  });

  it('treats zeros added on the right as the same sequencer, and ignores letter case', () => {
    expect(isNewerEvent('0055AED6DCD90281E500', token('0055AED6DCD90281E5'))).toBe(false);
    expect(isNewerEvent('0055aed6dcd90281e6', token('0055AED6DCD90281E5'))).toBe(true);
    expect(eventPart('0055aed6dcd90281e5')).toBe(eventPart('0055AED6DCD90281E500'));
  });

  it('keeps the event part of tokens as they are stored (golden values: tables hold them)', () => {
    expect(eventPart('0055AED6DCD90281E5')).toBe('R0055AED6DCD90281E500000000000000');
    expect(eventPart('1')).toBe('R10000000000000000000000000000000');
    expect(eventPart('0055AED6DCD90281E5AAAAAAAAAAAAAAAAAB00')).toBe('R0055AED6DCD90281E5AAAAAAAAAAAAAAAAAB');
    expect(eventPartOf('R0055AED6DCD90281E500000000000000.0123456789abcdef')).toBe('R0055AED6DCD90281E500000000000000');
    expect(eventPartOf('R0055AED6DCD90281E500000000000000/000002.-')).toBe('R0055AED6DCD90281E500000000000000');
  });

  it('orders sequencers longer than 32 digits by their digits past the 32nd', () => {
    const long = '0055AED6DCD90281E5AAAAAAAAAAAAAA';
    expect(isNewerEvent(`${long}01`, token(long))).toBe(true);
    expect(isNewerEvent(long, token(`${long}01`))).toBe(false);
    // In the table the tokens compare as strings: `.` sorts before every digit.
    expect(token(long) < token(`${long}01`)).toBe(true);
  });

  it('drops only the zeros at the end of the digits past the 32nd, never a zero between them (golden value)', () => {
    const long = '0055AED6DCD90281E5AAAAAAAAAAAAAA';
    expect(eventPart(`${long}0B00`)).toBe(`R${long}0B`);
    // 0B past the 32nd digit is older than A there: the zero before B counts.
    expect(isNewerEvent(`${long}A`, token(`${long}0B`))).toBe(true);
    expect(isNewerEvent(`${long}0B`, token(`${long}A`))).toBe(false);
  });

  it("reads a token that is an event part alone (a delete's) as that whole event part", () => {
    const deleted = eventPart('0055AED6DCD90281E5');
    expect(eventPartOf(deleted)).toBe('R0055AED6DCD90281E500000000000000');
    // Another delivery of the delete is not newer than the delete it repeats.
    expect(isNewerEvent('0055AED6DCD90281E5', deleted)).toBe(false);
    expect(isNewerEvent('0055AED6DCD90281E6', deleted)).toBe(true);
  });

  it('compares an event with a token stored before right-padding (left-padded to 32) as that token was written', () => {
    const legacy = (sequencer: string) => `${sequencer.padStart(32, '0')}.0123456789abcdef`;
    expect(isNewerEvent('0055AED6DCD90281E6', legacy('0055AED6DCD90281E5'))).toBe(true);
    expect(isNewerEvent('0055AED6DCD90281E5', legacy('0055AED6DCD90281E5'))).toBe(false);
    expect(isNewerEvent('0055AED6DCD90281E4', legacy('0055AED6DCD90281E5'))).toBe(false);
    expect(isNewerEvent('01', `${'0'.repeat(32)}/000001.-`)).toBe(true);
    // Every new token sorts after every legacy one in the table's conditions.
    expect(token('00') > legacy('FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF')).toBe(true);
  });

  it('refuses what is not a sequencer', () => {
    expect(isSequencer('0055AED6DCD90281E5')).toBe(true);
    expect(isSequencer('')).toBe(false);
    expect(isSequencer('12G4')).toBe(false);
    expect(() => eventPart('-1')).toThrow('not an S3 sequencer: "-1"');
  });
});

function token(sequencer: string): string {
  return `${eventPart(sequencer)}.0123456789abcdef`;
}
