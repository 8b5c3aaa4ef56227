import { describe, expect, it } from 'vitest';
import { atomErrors } from '../support/feed-rules';

// The rule checks the feed tests lean on must themselves catch what they claim to.
function atom(entries: Array<{ updated: string; published: string }>): string {
  const items = entries
    .map(
      (entry, index) => `<entry><id>tag:example.com,2022:${index}</id><title>Item ${index}</title>
<link href="https://example.com/${index}.html"/><updated>${entry.updated}</updated><published>${entry.published}</published>
<summary>Text.</summary><author><name>Desk</name></author></entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:example.com,2022:feed</id>
<title>Feed</title><updated>2022-01-03T00:00:00Z</updated><link rel="self" href="https://example.com/feed.atom"/>
${items}</feed>`;
}

describe('DuplicateUpdated', () => {
  it('flags entries published apart and updated at one instant (an import dated with its own time)', () => {
    const errors = atomErrors(
      atom([
        { updated: '2024-05-01T00:00:00Z', published: '2022-01-01T00:00:00Z' },
        { updated: '2024-05-01T00:00:00Z', published: '2022-01-02T00:00:00Z' },
      ]),
      'https://example.com/feed.atom',
    );
    expect(errors).toEqual(['entry 2 has the same <updated> as entry 1, published at another time (DuplicateUpdated)']);
  });

  it('accepts entries the publisher dated alike, as the validator documents', () => {
    expect(
      atomErrors(
        atom([
          { updated: '2022-01-01T00:00:00Z', published: '2022-01-01T00:00:00Z' },
          { updated: '2022-01-01T00:00:00Z', published: '2022-01-01T00:00:00Z' },
        ]),
        'https://example.com/feed.atom',
      ),
    ).toEqual([]);
  });
});
