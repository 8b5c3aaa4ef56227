import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { PostRejected } from '../../functions/core/errors';
import { decodePostText, removeXmlUnsafeCharacters } from '../../functions/core/post-text';

const utf8 = (text: string) => new TextEncoder().encode(text);

function refusal(bytes: Uint8Array, max = 1024 * 1024): string {
  try {
    decodePostText(bytes, max);
  } catch (error) {
    if (error instanceof PostRejected) return error.describe();
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('decodePostText: encodings publishers upload', () => {
  const text =
    '---\ntitle: 成都日报：春节假期出行指南 𠮷野家 €\n---\n<p>春运期间，“成都东站”每日开行列车——约200列。</p>\n';

  it('reads UTF-8, with or without a byte-order mark', () => {
    expect(decodePostText(utf8(text), 1e6)).toBe(text);
    expect(decodePostText(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(text)]), 1e6).replace(/^\uFEFF/, '')).toBe(text);
  });

  it('reads GB18030, four-byte characters included, and GBK as saved by Chinese Windows editors', () => {
    expect(decodePostText(iconv.encode(text, 'gb18030'), 1e6)).toBe(text);
    const gbk = text.replace(' 𠮷野家', '');
    expect(decodePostText(iconv.encode(gbk, 'gbk'), 1e6)).toBe(gbk);
  });

  it('reads Big5, as saved by Traditional Chinese editors', () => {
    const traditional =
      '---\ntitle: 成都市召開環保工作會議\ncategories: 環保\n---\n<p>本報訊 全市生態環境保護工作會議昨日召開，市長強調要持續改善空氣品質。</p>\n';
    expect(decodePostText(iconv.encode(traditional, 'big5'), 1e6)).toBe(traditional);
    expect(decodePostText(iconv.encode(traditional, 'gbk'), 1e6)).toBe(traditional);
    // A few characters often read as both; each reading is judged by its encoding's everyday tier.
    for (const [title, encoding] of [
      ['新聞', 'big5'],
      ['經濟發展報告', 'big5'],
      ['總統府發表聲明', 'big5'],
      ['环境', 'gbk'],
      ['环', 'gbk'],
      ['技术创新', 'gbk'],
    ] as const) {
      const text = `---\ntitle: ${title}\n---\nBody.\n`;
      expect(decodePostText(iconv.encode(text, encoding), 1e6), `${title} in ${encoding}`).toBe(text);
    }
  });

  it('refuses Japanese and Korean legacy encodings by name instead of publishing them as Chinese-looking nonsense', () => {
    const japanese =
      '---\ntitle: 東京で会議が開かれました\n---\n<p>東京都は昨日、環境保護に関する会議を開催しました。知事は、空気と水の質を改善する必要があると述べました。</p>\n';
    expect(refusal(iconv.encode(japanese, 'shift_jis'))).toBe(
      'file looks like Shift_JIS (Japanese) text, which is not read here: save it as UTF-8',
    );
    const korean =
      '---\ntitle: 서울 환경 회의\n---\n<p>서울시는 어제 환경 보호 회의를 열었습니다. 시장은 공기와 물의 질을 개선해야 한다고 말했습니다.</p>\n';
    expect(refusal(iconv.encode(korean, 'euc-kr'))).toBe(
      'file looks like EUC-KR (Korean) text, which is not read here: save it as UTF-8',
    );
    // Below 20 kana or Hangul the bytes are not told apart from GBK: a short Korean post that
    // decodes to plausible Chinese is read as GBK (what a Chinese site mostly receives).
    // Chinese words set apart by spaces are still Chinese.
    const spaced = '---\ntitle: 成都 日报 新闻\n---\n<p>记者 张三 李四 报道：成都市 今日 召开 会议。</p>\n';
    expect(decodePostText(iconv.encode(spaced, 'gbk'), 1e6)).toBe(spaced);
  });

  it('reads short GBK posts whose few bytes also read as Korean, Japanese or broken UTF-8', () => {
    for (const title of ['快乐', '技术创新', '林业局召开会议', '價值', '偉大的價值', '全年经', '加快建']) {
      const text = `---\ntitle: ${title}\ndate: 2022-01-12\n---\nBody text in English.\n`;
      expect(decodePostText(iconv.encode(text, 'gbk'), 1e6), title).toBe(text);
    }
  });

  it('reads UTF-16 with a byte-order mark, either byte order', () => {
    expect(decodePostText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 1e6)).toBe(text);
    const bigEndian = Buffer.from(text, 'utf16le').swap16();
    expect(decodePostText(Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian]), 1e6)).toBe(text);
  });

  it('refuses bytes that are neither UTF-8 nor plausible Chinese text, saying where', () => {
    expect(refusal(Buffer.from('---\ntitle: naïve café\n', 'latin1'))).toBe(
      'line 2, column 10: file is neither UTF-8 text (byte 0xEF is not valid UTF-8) nor GB18030/GBK or Big5 Chinese text',
    );
    expect(refusal(iconv.encode('---\ntitle: \u201Csmart\u201D quotes\n', 'windows-1252'))).toBe(
      'line 2, column 8: file is neither UTF-8 text (byte 0x93 is not valid UTF-8) nor GB18030/GBK or Big5 Chinese text',
    );
  });

  it('refuses UTF-8 damaged by a stray byte rather than reading it as GB18030 mojibake', () => {
    const damaged = Buffer.concat([utf8(text), Buffer.from([0xc3]), utf8('结束\n')]);
    expect(refusal(damaged)).toBe(
      'line 5, column 1: file is neither UTF-8 text (byte 0xC3 is not valid UTF-8) nor GB18030/GBK or Big5 Chinese text',
    );
  });

  it('accepts a file of exactly the limit and refuses one byte more', () => {
    const exactly = utf8('x'.repeat(100));
    expect(decodePostText(exactly, 100)).toHaveLength(100);
    expect(refusal(utf8('x'.repeat(101)), 100)).toBe('file is 101 bytes, over the 100-byte limit for a post');
  });

  it('refuses empty and binary files', () => {
    expect(refusal(new Uint8Array())).toBe('file is empty');
    expect(refusal(Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x00, 0x01]))).toBe(
      'file is binary (contains NUL bytes), not a text post',
    );
  });
});

describe('removeXmlUnsafeCharacters', () => {
  it('removes what XML 1.0 forbids or discourages and keeps tab, newlines and everything printable', () => {
    expect(removeXmlUnsafeCharacters('a\u0000b\u0008c\u000Bd\u000Ce\u001Ff\u007Fg\u0085h\u009Fi\uFFFEj\uFFFFk')).toBe(
      'abcdefghijk',
    );
    expect(removeXmlUnsafeCharacters('tab\there\nline\r\n😀 成都 \u00A0é')).toBe('tab\there\nline\r\n😀 成都 \u00A0é');
  });

  it('removes unpaired surrogates and keeps paired ones', () => {
    expect(removeXmlUnsafeCharacters('a\uD800b\uDC00c😀')).toBe('abc😀');
  });
});
