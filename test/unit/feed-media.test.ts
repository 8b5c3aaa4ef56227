import { describe, expect, it } from 'vitest';
import { renderFeed } from '../../functions/core/feeds';
import { type FeedEntry, type Post, toFeedEntry } from '../../functions/core/post';
import { entryMedia, postEnclosure } from '../../functions/core/post-media';
import { DEFAULT_SETTINGS } from '../../functions/core/settings';
import type { Site } from '../../functions/core/site';
import { atomErrors, jsonFeedErrors, rssErrors } from '../support/feed-rules';

const site: Site = { ...DEFAULT_SETTINGS, baseUrl: 'https://news.example.com' };

function entry(extra: Partial<FeedEntry>): FeedEntry {
  return {
    id: 'p1',
    title: '标题',
    date: '2024-01-01T10:00:00+08:00',
    updated: '2024-01-01T02:00:00.000Z',
    categories: ['c'],
    tags: [],
    path: '/p/1.html',
    shortCode: 's1',
    html: '<p>正文</p>',
    summary: '',
    ...extra,
  };
}

describe("a post's audio or video", () => {
  it('reads a path or URL, or {url, type, length}; the type by extension when not given; audio before video', () => {
    expect(postEnclosure({ audio: '/media/ep 1.MP3' })).toEqual({ url: '/media/ep 1.MP3', type: 'audio/mpeg' });
    expect(postEnclosure({ audio: { url: 'https://cdn.example.com/a.m4a?x=1', size: '4096' } })).toEqual({
      url: 'https://cdn.example.com/a.m4a?x=1',
      type: 'audio/mp4',
      length: 4096,
    });
    expect(postEnclosure({ video: { path: '/v.webm', type: 'Video/WebM', length: 10 }, audio: '/a.ogg' })).toEqual({
      url: '/a.ogg',
      type: 'audio/ogg',
    });
    expect(postEnclosure({ video: { url: '/v.webm', type: 'video/webm', length: 10 } })).toEqual({
      url: '/v.webm',
      type: 'video/webm',
      length: 10,
    });
  });

  it('ignores a length that is not a whole number of bytes and a type that is not a MIME type', () => {
    for (const length of [-5, 0, 1.5, '12abc', 'big', Number.MAX_SAFE_INTEGER + 10, null]) {
      expect(postEnclosure({ audio: { url: '/a.mp3', length } }), String(length)).toEqual({
        url: '/a.mp3',
        type: 'audio/mpeg',
      });
    }
    expect(postEnclosure({ audio: { url: '/a.mp3', type: 'text/html"><script>' } })).toEqual({
      url: '/a.mp3',
      type: 'audio/mpeg',
    });
    expect(postEnclosure({ audio: { url: '/episode' } })).toEqual({
      url: '/episode',
      type: 'application/octet-stream',
    });
    expect(postEnclosure({ audio: '' })).toBeUndefined();
    expect(postEnclosure({ audio: ['/a.mp3'] })).toBeUndefined();
  });

  it("is part of the entry only when the post has it, so other posts' entries are what they were", () => {
    const post = { ...entry({}), sourceKey: 'posts/a.md', contentHash: 'h', extra: {} } as Post;
    expect(Object.keys(toFeedEntry(post))).toEqual([
      'id',
      'title',
      'date',
      'updated',
      'categories',
      'tags',
      'author',
      'path',
      'shortCode',
      'html',
      'summary',
    ]);
    expect(entryMedia({ extra: { image: { path: '/img/a.png', width: 10 } }, html: '<img src="/b.png">' })).toEqual({
      image: '/img/a.png',
    });
    expect(entryMedia({ extra: {}, html: '<p><img src="/img/%E5%9B%BE.png" alt=""></p>' })).toEqual({
      image: '/img/%E5%9B%BE.png',
    });
  });
});

describe('media in the rendered feeds, from hostile values', () => {
  const hostile = [
    entry({
      id: 'js',
      image: 'javascript:alert(1)',
      enclosure: { url: 'data:audio/mpeg;base64,AAAA', type: 'audio/mpeg' },
    }),
    entry({ id: 'rel', image: 'img/relative.png', enclosure: { url: 'ep.mp3', type: 'audio/mpeg' } }),
    entry({
      id: 'quote',
      image: 'https://cdn.example.com/a.jpg" onload="alert(1)',
      enclosure: { url: '/媒体/a <b> & "c".mp3', type: 'audio/mpeg', length: 5 },
    }),
  ];

  it('leaves out what is not an http(s) URL, and escapes the rest, in documents that stay valid', () => {
    const rss = renderFeed('rss', { kind: 'site' }, hostile, site).body;
    const atom = renderFeed('atom', { kind: 'site' }, hostile, site).body;
    const json = renderFeed('json', { kind: 'site' }, hostile, site).body;
    expect(rssErrors(rss)).toEqual([]);
    expect(atomErrors(atom)).toEqual([]);
    expect(jsonFeedErrors(json)).toEqual([]);
    for (const body of [rss, atom, json]) {
      expect(body).not.toContain('javascript:');
      expect(body).not.toContain('data:audio');
      expect(body).not.toContain('relative.png');
      expect(body).not.toContain('onload="');
    }
    const audio = 'https://news.example.com/%E5%AA%92%E4%BD%93/a%20%3Cb%3E%20&amp;%20%22c%22.mp3';
    expect(rss).toContain(`<enclosure length="5" type="audio/mpeg" url="${audio}"/>`);
    expect(rss).toContain('<media:thumbnail url="https://cdn.example.com/a.jpg%22%20onload=%22alert(1)"/>');
    expect(atom).toContain(`<link rel="enclosure" href="${audio}" type="audio/mpeg" length="5"/>`);
    const items = (JSON.parse(json) as { items: Array<{ image?: string; attachments?: unknown }> }).items;
    expect(items.map((item) => [item.image, item.attachments])).toEqual([
      [undefined, undefined],
      [undefined, undefined],
      [
        'https://cdn.example.com/a.jpg%22%20onload=%22alert(1)',
        [{ url: audio.replace('&amp;', '&'), mime_type: 'audio/mpeg', size_in_bytes: 5 }],
      ],
    ]);
  });
});
