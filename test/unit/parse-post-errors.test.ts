import { describe, expect, it, vi } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { parsePost } from '../../functions/core/parse-post';

// What a field read does with an error it did not expect: the permalink builder is replaced here
// (vi.mock applies to this file only) so that it can throw what no real template makes it throw.
vi.mock('../../functions/core/permalink', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../functions/core/permalink')>();
  return {
    ...original,
    jekyllPath: (template: string, parts: Parameters<typeof original.jekyllPath>[1]) => {
      if (template === '/bug/') throw new TypeError('a bug in the permalink builder');
      if (template === '/placed/') throw new PostRejected('refused where it says', 7);
      return original.jekyllPath(template, parts);
    },
  };
});

// gray-matter, which runs the YAML reader, replaced the same way for one text.
vi.mock('gray-matter', async (importOriginal) => {
  const original = (await importOriginal<{ default: typeof import('gray-matter') }>()).default;
  const replaced = (input: string, options?: Parameters<typeof original>[1]) => {
    if (input.includes('gray-matter-bug')) throw new TypeError('a bug in gray-matter');
    return original(input, options);
  };
  return { default: replaced };
});

function read(permalink: string, ...more: string[]): unknown {
  try {
    parsePost(
      'posts/a.md',
      ['---', 'title: A', 'date: 2022-01-01', `permalink: ${permalink}`, ...more, '---', 'Body.'].join('\n'),
      {
        now: '2024-05-01T00:00:00.000Z',
      },
    );
  } catch (error) {
    return error;
  }
  throw new Error('expected the post to be refused');
}

describe('parsePost: errors reading front matter', () => {
  it('lets an error of the reader that is not a YAML error through as it is', () => {
    const error = read('/a/', 'gray-matter-bug: 1');
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('a bug in gray-matter');
  });
});

describe('parsePost: errors inside a field read', () => {
  it('lets an error that is not a refusal through as it is: a bug is not the post’s fault, and ingest retries it', () => {
    const error = read('/bug/');
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(PostRejected);
  });

  it('places a refusal without a place on the field’s line, and keeps the place of one that has it', () => {
    expect((read('/a/../b/') as PostRejected).describe()).toMatch(/^line 4: permalink/);
    expect((read('/placed/') as PostRejected).describe()).toBe('line 7: refused where it says');
  });
});
