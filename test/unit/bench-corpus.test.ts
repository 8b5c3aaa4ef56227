import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, corpus, corpusPost } from '../../bench/corpus';
import { parsePost } from '../../functions/core/parse-post';
import { decodePostText } from '../../functions/core/post-text';

const digest = (posts: Array<{ key: string; bytes: Buffer }>) => {
  const hash = createHash('sha256');
  for (const post of posts) hash.update(post.key).update(post.bytes);
  return hash.digest('hex');
};

describe('the benchmark corpus', () => {
  it('gives the same bytes for the same seed, and other bytes for another seed', () => {
    expect(digest(corpus(7, 200))).toBe(digest(corpus(7, 200)));
    expect(digest(corpus(7, 200))).not.toBe(digest(corpus(8, 200)));
    // A post does not depend on how many come before it.
    expect(corpusPost(7, 150).bytes.equals(corpus(7, 200)[150].bytes)).toBe(true);
  });

  it('writes posts like the seed: 2–12 KB bodies, +0800 dates over 2020–2022, 1–3 tags, skewed categories', () => {
    const posts = corpus(1, 1000);
    const counts = new Map<string, number>();
    for (const post of posts) {
      const text = post.bytes.toString('utf8');
      const body = text.slice(text.indexOf('\n---\n') + 5);
      expect(Buffer.byteLength(body)).toBeGreaterThanOrEqual(2048);
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(13 * 1024);
      expect(text).toMatch(/^date: 202[0-2]-\d\d-\d\d \d\d:\d\d:\d\d \+0800$/m);
      expect(post.tags.length).toBeGreaterThanOrEqual(1);
      expect(post.tags.length).toBeLessThanOrEqual(3);
      counts.set(post.category, (counts.get(post.category) ?? 0) + 1);
    }
    expect(CATEGORIES).toHaveLength(20);
    expect(counts.get(CATEGORIES[0])! / (counts.get(CATEGORIES[19]) ?? 1)).toBeGreaterThan(5);
  });

  it('publishes every post it generates', () => {
    for (const post of corpus(3, 100)) {
      const parsed = parsePost(post.key, decodePostText(post.bytes, 1 << 20), { now: '2024-01-01T00:00:00Z' });
      expect(parsed.published).toBe(true);
      if (parsed.published) {
        expect(parsed.post.categories).toEqual([post.category]);
        expect(parsed.post.tags).toEqual(post.tags);
      }
    }
  });
});
