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
  const text = '---\ntitle: 成都日报：春节假期出行指南 𠮷野家 €\n---\n<p>春运期间，“成都东站”每日开行列车——约200列。</p>\n';

  it('reads UTF-8, with or without a byte-order mark', () => {
    expect(decodePostText(utf8(text), 1e6)).toBe(text);
    expect(decodePostText(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8(text)]), 1e6).replace(/^\uFEFF/, '')).toBe(text);
  });

  it('reads GB18030, four-byte characters included, and GBK as saved by Chinese Windows editors', () => {
    expect(decodePostText(iconv.encode(text, 'gb18030'), 1e6)).toBe(text);
    const gbk = text.replace(' 𠮷野家', '');
    expect(decodePostText(iconv.encode(gbk, 'gbk'), 1e6)).toBe(gbk);
  });

  it('reads UTF-16 with a byte-order mark, either byte order', () => {
    expect(decodePostText(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), 1e6)).toBe(text);
    const bigEndian = Buffer.from(text, 'utf16le').swap16();
    expect(decodePostText(Buffer.concat([Buffer.from([0xfe, 0xff]), bigEndian]), 1e6)).toBe(text);
  });

  it('refuses bytes that are neither UTF-8 nor plausible Chinese text, saying where', () => {
    expect(refusal(Buffer.from('---\ntitle: naïve café\n', 'latin1'))).toBe(
      'line 2, column 10: file is neither UTF-8 text (byte 0xEF is not valid UTF-8) nor GB18030/GBK Chinese text',
    );
    expect(refusal(iconv.encode('---\ntitle: \u201Csmart\u201D quotes\n', 'windows-1252'))).toBe(
      'line 2, column 8: file is neither UTF-8 text (byte 0x93 is not valid UTF-8) nor GB18030/GBK Chinese text',
    );
  });

  it('refuses UTF-8 damaged by a stray byte rather than reading it as GB18030 mojibake', () => {
    const damaged = Buffer.concat([utf8(text), Buffer.from([0xc3]), utf8('结束\n')]);
    expect(refusal(damaged)).toBe('line 5, column 1: file is neither UTF-8 text (byte 0xC3 is not valid UTF-8) nor GB18030/GBK Chinese text');
  });

  it('accepts a file of exactly the limit and refuses one byte more', () => {
    const exactly = utf8('x'.repeat(100));
    expect(decodePostText(exactly, 100)).toHaveLength(100);
    expect(refusal(utf8('x'.repeat(101)), 100)).toBe('file is 101 bytes, over the 100-byte limit for a post');
  });

  it('refuses empty and binary files', () => {
    expect(refusal(new Uint8Array())).toBe('file is empty');
    expect(refusal(Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x00, 0x01]))).toBe('file is binary (contains NUL bytes), not a text post');
  });
});

describe('removeXmlUnsafeCharacters', () => {
  it('removes what XML 1.0 forbids or discourages and keeps tab, newlines and everything printable', () => {
    expect(removeXmlUnsafeCharacters('a\u0000b\u0008c\u000Bd\u000Ce\u001Ff\u007Fg\u0085h\u009Fi\uFFFEj\uFFFFk')).toBe('abcdefghijk');
    expect(removeXmlUnsafeCharacters('tab\there\nline\r\n😀 成都 \u00A0é')).toBe('tab\there\nline\r\n😀 成都 \u00A0é');
  });

  it('removes unpaired surrogates and keeps paired ones', () => {
    expect(removeXmlUnsafeCharacters('a\uD800b\uDC00c😀')).toBe('abc😀');
  });
});
