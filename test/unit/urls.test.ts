import { describe, expect, it } from 'vitest';
import { feedCursor } from '../../functions/core/store';
import {
  absoluteUrl,
  archiveUrl,
  decodeCursor,
  encodeCursor,
  encodePath,
  FEED_FORMATS,
  feedKey,
  feedPagePath,
  feedPath,
  shareLinkPath,
  tagUri,
} from '../../functions/core/urls';

// The site's URLs are promises to readers: feed addresses are subscribed to, archive cursors
// and share links are bookmarked and passed around. Golden values pin them.

const SEED = { id: 'NW202201122244036113', date: '2022-01-12T02:44:46+08:00' };
/** feedCursor(SEED), as a page or an archive link carries it. */
const SEED_CURSOR_TEXT = 'MjAyMi0wMS0xMVQxODo0NDo0Ni4wMDBaI05XMjAyMjAxMTIyMjQ0MDM2MTEz';

describe('feedCursor (functions/core/store.ts): where an entry sits in its feed', () => {
  it('is the UTC instant with milliseconds, then # and the id (golden value: the sort key of every stored entry)', () => {
    expect(feedCursor(SEED)).toBe('2022-01-11T18:44:46.000Z#NW202201122244036113');
    expect(feedCursor({ id: '成都-1', date: '2022-01-12' })).toBe('2022-01-12T00:00:00.000Z#成都-1');
  });
});

describe('feed cursors in URLs', () => {
  it('encode as unpadded base64url (golden value: links already handed out carry it)', () => {
    expect(encodeCursor(feedCursor(SEED))).toBe(SEED_CURSOR_TEXT);
    expect(encodeCursor('2022-01-12T00:00:00.000Z#成都-1')).toBe('MjAyMi0wMS0xMlQwMDowMDowMC4wMDBaI-aIkOmDvS0x');
  });

  it('decode back to the cursor written', () => {
    expect(decodeCursor(SEED_CURSOR_TEXT)).toBe('2022-01-11T18:44:46.000Z#NW202201122244036113');
    expect(decodeCursor('MjAyMi0wMS0xMlQwMDowMDowMC4wMDBaI-aIkOmDvS0x')).toBe('2022-01-12T00:00:00.000Z#成都-1');
  });

  it('decode a cursor of up to 400 characters of base64url, and nothing longer', () => {
    const longest = `2022-01-11T18:44:46.000Z#${'a'.repeat(300 - 25)}`;
    expect(encodeCursor(longest)).toHaveLength(400);
    expect(decodeCursor(encodeCursor(longest))).toBe(longest);
    const tooLong = `${longest}abc`;
    expect(encodeCursor(tooLong)).toHaveLength(404);
    expect(decodeCursor(encodeCursor(tooLong))).toBeUndefined();
  });

  // Cursors are encoded inside each test, not while the tests are collected: a broken encoder
  // then fails these tests (an error at collection would leave the mutation run no test to fail).
  const refused: Array<[string, string | { encoded: string }]> = [
    ['the empty string', ''],
    ['standard base64 with padding', Buffer.from('2022-01-11T18:44:46.000Z#a').toString('base64')],
    ['a character outside base64url in front', `!${SEED_CURSOR_TEXT}`],
    ['a character outside base64url at the end', `${SEED_CURSOR_TEXT}!`],
    ['a non-canonical encoding (an extra character)', `${SEED_CURSOR_TEXT}A`],
    ['text that is not a cursor', { encoded: 'hello world' }],
    ['a cursor with nothing after #', { encoded: '2022-01-11T18:44:46.000Z#' }],
    ['a cursor without #', { encoded: '2022-01-11T18:44:46.000Z' }],
    ['a cursor with a character before the date', { encoded: 'x2022-01-11T18:44:46.000Z#a' }],
    ['a cursor with a two-digit year', { encoded: '22-01-11T18:44:46.000Z#a' }],
    ['a cursor with a one-digit month', { encoded: '2022-1-11T18:44:46.000Z#a' }],
    ['a cursor with a one-digit day', { encoded: '2022-01-1T18:44:46.000Z#a' }],
    ['a cursor with a space for T', { encoded: '2022-01-11 18:44:46.000Z#a' }],
    ['a cursor with letters in the year', { encoded: '20x2-01-11T18:44:46.000Z#a' }],
    ['a cursor with letters in the time', { encoded: '2022-01-11Tab:cd:ef.000Z#a' }],
    ['a cursor without Z', { encoded: '2022-01-11T18:44:46.000#a' }],
    ['a cursor with an offset instead of Z', { encoded: '2022-01-11T18:44:46+08:00#a' }],
  ];
  for (const [what, input] of refused) {
    it(`refuse ${what}: a page that does not exist`, () => {
      const text = typeof input === 'string' ? input : encodeCursor(input.encoded);
      expect(decodeCursor(text)).toBeUndefined();
    });
  }
});

describe('site paths and URLs', () => {
  it('percent-encode each segment of a path, keeping the slashes', () => {
    expect(encodePath('/成都/a b%?#.html')).toBe('/%E6%88%90%E9%83%BD/a%20b%25%3F%23.html');
    expect(encodePath('/')).toBe('/');
    expect(absoluteUrl('https://news.example.com', '/成都/a b.html')).toBe(
      'https://news.example.com/%E6%88%90%E9%83%BD/a%20b.html',
    );
  });

  it('put site feeds at /feed.{format} and category and tag feeds under their kind (golden: readers subscribe to these)', () => {
    expect(FEED_FORMATS).toEqual(['rss', 'atom', 'json']);
    expect(feedPath({ kind: 'site' }, 'rss')).toBe('/feed.rss');
    expect(feedPath({ kind: 'category', name: '成都 日报' }, 'atom')).toBe('/category/成都 日报.atom');
    expect(feedPath({ kind: 'tag', name: 'metro' }, 'json')).toBe('/tag/metro.json');
  });

  it('put listing pages at / and /{kind}/{name}.html', () => {
    expect(feedPagePath({ kind: 'site' })).toBe('/');
    expect(feedPagePath({ kind: 'category', name: 'news' })).toBe('/category/news.html');
    expect(feedPagePath({ kind: 'tag', name: '成都' })).toBe('/tag/成都.html');
  });

  it('put share links at /s/{code}', () => {
    expect(shareLinkPath('IjrGgvr')).toBe('/s/IjrGgvr');
  });

  it('build archive URLs from the feed URL and the encoded cursor', () => {
    expect(
      archiveUrl('https://news.example.com', { kind: 'category', name: '成都 日报' }, 'atom', feedCursor(SEED)),
    ).toBe(`https://news.example.com/category/%E6%88%90%E9%83%BD%20%E6%97%A5%E6%8A%A5.atom?before=${SEED_CURSOR_TEXT}`);
    expect(archiveUrl('https://news.example.com', { kind: 'site' }, 'rss', feedCursor(SEED))).toBe(
      `https://news.example.com/feed.rss?before=${SEED_CURSOR_TEXT}`,
    );
  });

  it('make tag: URIs with the fixed date 2022, so that feed and entry ids never change (golden value)', () => {
    expect(tagUri('news.example.com', 'post:成都 1')).toBe('tag:news.example.com,2022:post:%E6%88%90%E9%83%BD%201');
  });

  it('key feeds by kind and name, the site feed as "site" (the stored partition keys)', () => {
    expect(feedKey({ kind: 'site' })).toBe('site');
    expect(feedKey({ kind: 'category', name: 'news' })).toBe('category#news');
    expect(feedKey({ kind: 'tag', name: '成都' })).toBe('tag#成都');
  });
});
