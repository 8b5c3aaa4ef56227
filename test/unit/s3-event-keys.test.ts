import { describe, expect, it } from 'vitest';
import { normalizeSequencer } from '../../functions/core/store';
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

describe('normalizeSequencer', () => {
  it('orders a shorter sequencer before a longer, larger one (plain string order would not)', () => {
    expect(normalizeSequencer('FF') < normalizeSequencer('0100')).toBe(true);
    expect(normalizeSequencer('9') < normalizeSequencer('10')).toBe(true);
  });

  it('orders S3-length sequencers by value', () => {
    expect(normalizeSequencer('0055AED6DCD90281E5') < normalizeSequencer('0055AED6DCD90281E6')).toBe(true);
    expect(normalizeSequencer('0055AED6DCD90281E5') < normalizeSequencer('10055AED6DCD90281')).toBe(true);
  });

  it('ignores letter case and leading zeros', () => {
    expect(normalizeSequencer('00ab')).toBe(normalizeSequencer('AB'));
  });
});
