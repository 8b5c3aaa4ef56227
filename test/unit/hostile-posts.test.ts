import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { DEFAULT_INGEST_SETTINGS } from '../../functions/core/ingest-settings';
import { parsePost } from '../../functions/core/parse-post';
import { decodePostText } from '../../functions/core/post-text';
import { HOSTILE_MAX_BYTES, HOSTILE_POSTS } from '../support/hostile-posts';

// The hostile set, decoded and parsed in this process as ingest does it: each is refused with
// the reason expected, or published. What they cost is bench/ingest-budget.ts's to measure.

function outcomeOf(key: string, bytes: Uint8Array): string {
  try {
    const parsed = parsePost(key, decodePostText(bytes, DEFAULT_INGEST_SETTINGS.maxPostBytes), {
      now: '2024-05-01T00:00:00.000Z',
    });
    return parsed.published ? 'published' : 'unpublished';
  } catch (error) {
    if (error instanceof PostRejected) return error.describe();
    throw error;
  }
}

describe('hostile posts', () => {
  it('are each at most the default MAX_POST_BYTES', () => {
    expect(HOSTILE_MAX_BYTES).toBe(DEFAULT_INGEST_SETTINGS.maxPostBytes);
    for (const hostile of HOSTILE_POSTS)
      expect(Buffer.byteLength(hostile.text()), hostile.name).toBeLessThanOrEqual(HOSTILE_MAX_BYTES);
  });

  it.each(HOSTILE_POSTS)('$name', ({ key, text, outcome }) => {
    const result = outcomeOf(key, Buffer.from(text(), 'utf8'));
    if (outcome instanceof RegExp) expect(result).toMatch(outcome);
    else expect(result).toBe(outcome);
  });
});
