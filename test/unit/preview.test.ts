import { describe, expect, it } from 'vitest';
import { settingsFromEnv } from '../../functions/adapters/env';
import { renderPostPage } from '../../functions/core/pages';
import { parsePost } from '../../functions/core/parse-post';
import type { Post } from '../../functions/core/post';
import { inOffsetOf, postImage } from '../../functions/core/preview';
import { siteForRequest } from '../../functions/core/settings';
import { postFile } from '../support/post-cases';

const site = siteForRequest(settingsFromEnv({ SITE_URL: 'https://news.example.com', SITE_TITLE: '成都日报' }), {
  host: 'news.example.com',
});

function post(frontMatter: string[], body = 'Body text.\n', key = 'posts/2022-01-12-story.md'): Post {
  const parsed = parsePost(key, postFile(frontMatter, body), { now: '2024-05-01T00:00:00.000Z' });
  if (!parsed.published) throw new Error('not published');
  return { ...parsed.post, shortCode: 'AbCdEfG', updated: '2022-01-12T04:00:00.000Z' };
}

/** The meta tags of a page: property or name → every content given. */
function metaTags(page: string): Map<string, string[]> {
  const tags = new Map<string, string[]>();
  for (const [, key, content] of page.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)">/g)) {
    if (key !== 'viewport') tags.set(key, [...(tags.get(key) ?? []), content]);
  }
  return tags;
}

function jsonLd(page: string): Record<string, unknown> {
  return JSON.parse(/<script type="application\/ld\+json">([^<]*)<\/script>/.exec(page)![1]) as Record<string, unknown>;
}

describe('preview cards of a post page', () => {
  it('carry Open Graph, article, Twitter Card, canonical and NewsArticle JSON-LD', () => {
    const page = renderPostPage(
      post([
        'title: 金牛 走好新时代赶考之路',
        'date: 2022-01-12 10:44:46 +0800',
        'categories: chengduribao',
        'tags: [成都, 新闻]',
        'author: 张三',
        'excerpt: 一句话<strong>摘要</strong>',
        'image: {path: /assets/图.png, width: 1200, height: 630, alt: 金牛区}',
      ]),
      site,
    );
    const meta = metaTags(page);
    const url = 'https://news.example.com/chengduribao/2022/01/12/story.html';
    expect(page).toContain(`<link rel="canonical" href="${url}">`);
    expect(Object.fromEntries([...meta].map(([key, values]) => [key, values.join(' | ')]))).toEqual({
      description: '一句话摘要',
      'og:type': 'article',
      'og:title': '金牛 走好新时代赶考之路',
      'og:description': '一句话摘要',
      'og:url': url,
      'og:site_name': '成都日报',
      'og:locale': 'zh_CN',
      'article:published_time': '2022-01-12T10:44:46+08:00',
      'article:modified_time': '2022-01-12T12:00:00+08:00',
      'article:section': 'chengduribao',
      'article:tag': '成都 | 新闻',
      'og:image': 'https://news.example.com/assets/%E5%9B%BE.png',
      'og:image:width': '1200',
      'og:image:height': '630',
      'og:image:alt': '金牛区',
      'twitter:card': 'summary_large_image',
      'twitter:title': '金牛 走好新时代赶考之路',
      'twitter:description': '一句话摘要',
      'twitter:image': 'https://news.example.com/assets/%E5%9B%BE.png',
    });
    // Google's Article structured data: headline, image, datePublished, dateModified, author (recommended), publisher.
    expect(jsonLd(page)).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'NewsArticle',
      headline: '金牛 走好新时代赶考之路',
      image: ['https://news.example.com/assets/%E5%9B%BE.png'],
      datePublished: '2022-01-12T10:44:46+08:00',
      dateModified: '2022-01-12T12:00:00+08:00',
      author: [{ '@type': 'Person', name: '张三' }],
      publisher: { '@type': 'Organization', name: '成都日报' },
      mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    });
  });

  it('take the first picture of the body when front matter names none, and a plain card without one', () => {
    const withPicture = renderPostPage(post(['title: Pictured'], '![雪](snow.png "Snow")\n\nText.\n'), site);
    // The picture beside posts/2022-01-12-story.md is posts/snow.png, served at /snow.png (functions/core/assets.ts).
    expect(metaTags(withPicture).get('og:image')).toEqual(['https://news.example.com/snow.png']);
    expect(metaTags(withPicture).get('twitter:card')).toEqual(['summary_large_image']);
    const without = renderPostPage(post(['title: Plain']), site);
    expect(metaTags(without).get('og:image')).toBeUndefined();
    expect(metaTags(without).get('twitter:card')).toEqual(['summary']);
    expect(jsonLd(without).author).toEqual([
      { '@type': 'Organization', name: '成都日报', url: 'https://news.example.com/' },
    ]);
  });

  it('cannot be broken out of by a title: JSON-LD escapes <, attributes are escaped', () => {
    const page = renderPostPage(post(['title: "</script><script>alert(1)</script> & \\"quotes\\""']), site);
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(jsonLd(page).headline).toBe('</script><script>alert(1)</script> & "quotes"');
    expect(metaTags(page).get('og:title')).toEqual([
      '&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quotes&#34;',
    ]);
  });
});

describe('postImage', () => {
  it("reads jekyll-seo-tag's image field as a path or URL, and refuses what is not http(s)", () => {
    const body = { html: '' };
    expect(postImage({ ...body, extra: { image: 'https://cdn.example.com/a.jpg' } }, site)).toEqual({
      url: 'https://cdn.example.com/a.jpg',
    });
    expect(postImage({ ...body, extra: { image: '/a b.jpg' } }, site)).toEqual({
      url: 'https://news.example.com/a%20b.jpg',
    });
    expect(postImage({ ...body, extra: { image: 'javascript:alert(1)' } }, site)).toBeUndefined();
    expect(postImage({ ...body, extra: { image: { path: '/x.png', width: 'wide' } } }, site)).toEqual({
      url: 'https://news.example.com/x.png',
    });
    expect(postImage({ html: '<p><img alt="a &amp; b" src="/p%20q.png"></p>', extra: {} }, site)).toEqual({
      url: 'https://news.example.com/p%20q.png',
      alt: 'a & b',
    });
  });
});

describe('inOffsetOf', () => {
  it('writes an instant in the offset of the post date', () => {
    expect(inOffsetOf('2022-01-12T04:00:00.000Z', '2022-01-12T10:44:46+08:00')).toBe('2022-01-12T12:00:00+08:00');
    expect(inOffsetOf('2022-01-12T04:00:00.000Z', '2022-01-12T10:44:46-05:30')).toBe('2022-01-11T22:30:00-05:30');
    expect(inOffsetOf('2022-01-12T04:00:00.000Z', '2022-01-12T10:44:46Z')).toBe('2022-01-12T04:00:00Z');
  });
});
