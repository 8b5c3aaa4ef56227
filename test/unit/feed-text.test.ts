import { describe, expect, it } from 'vitest';
import { htmlToText } from '../../functions/core/feeds/text';

describe('htmlToText (plain-text summaries)', () => {
  it('drops inline tags without inserting spaces into CJK text', () => {
    expect(htmlToText('<p>成都地铁<strong>新线路</strong>今日<a href="/x">开通</a>。</p>')).toBe(
      '成都地铁新线路今日开通。',
    );
  });

  it('keeps the spaces a text has, and separates blocks, line breaks and cells', () => {
    expect(htmlToText('<p>Hello <b>world</b>, <em>again</em></p><p>Second</p>')).toBe('Hello world, again Second');
    expect(htmlToText('一行<br>二行<ul><li>甲</li><li>乙</li></ul><table><tr><td>1</td><td>2</td></tr></table>')).toBe(
      '一行 二行 甲 乙 1 2',
    );
    expect(htmlToText('<h2>标题</h2><P>正文</P>')).toBe('标题 正文');
  });

  it('drops comments, scripts and styles, and decodes entities', () => {
    expect(htmlToText('a<!-- x -->b<script>alert(1)</script>c &amp; d&#x4E2D;')).toBe('a b c & d中');
  });
});
