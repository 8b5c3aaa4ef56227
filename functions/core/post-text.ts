import { isUtf8 } from 'node:buffer';
import { PostRejected } from './errors';

/** The refusal of a file over MAX_POST_BYTES, whether its bytes were read or only its size. */
export function postTooLarge(size: number, maxBytes: number): PostRejected {
  return new PostRejected(`file is ${size} bytes, over the ${maxBytes}-byte limit for a post`);
}

/**
 * Turns an object's bytes into post text, refusing what cannot be a post. UTF-8 with or
 * without BOM; UTF-16 with a BOM (Windows Notepad's "Unicode"); GB18030/GBK (what Chinese
 * Windows editors save) or else Big5 (Traditional Chinese) when the bytes are not UTF-8 and
 * decode to plausible Chinese text. Japanese and Korean legacy encodings also decode as GBK,
 * into Chinese-looking nonsense: they are recognized and refused by name, once there is
 * enough text to tell (MIN_EVIDENCE).
 */
export function decodePostText(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.byteLength === 0) throw new PostRejected('file is empty');
  if (bytes.byteLength > maxBytes) throw postTooLarge(bytes.byteLength, maxBytes);
  const utf16 = utf16Encoding(bytes);
  if (utf16) return new TextDecoder(utf16, { fatal: false }).decode(bytes);
  if (bytes.includes(0)) throw new PostRejected('file is binary (contains NUL bytes), not a text post');

  // The common case, checked natively; the byte-by-byte scan below runs only for bytes that
  // are not UTF-8, to say where and to tell damaged UTF-8 from GB18030.
  if (isUtf8(bytes)) return new TextDecoder('utf-8').decode(bytes);
  const invalid = firstInvalidUtf8(bytes);

  if (!looksLikeDamagedUtf8(bytes)) {
    const other = japaneseOrKorean(bytes);
    if (other) throw new PostRejected(`file looks like ${other} text, which is not read here: save it as UTF-8`);
    // WHATWG's decoders (Node and Lambda ship full ICU); not fatal: a byte sequence that is
    // not in the encoding becomes U+FFFD, which isPlausibleChinese refuses. Long Big5 text
    // rarely passes as GBK (much of it decodes to kana, Greek and Cyrillic), nor GBK as Big5;
    // a few characters often do both ways. Then the reading whose characters fall in its
    // encoding's everyday tier wins (Big5's 新聞 reads 穝籇 in GBK), GBK when in doubt.
    const [gbk, big5] = (['gb18030', 'big5'] as const).map((encoding) => legacyDecoder(encoding).decode(bytes));
    if (
      isPlausibleChinese(big5) &&
      (!isPlausibleChinese(gbk) || commonShare(bytes, isBig5Common) > commonShare(bytes, isGb2312Common))
    )
      return big5;
    if (isPlausibleChinese(gbk)) return gbk;
  }
  const before = new TextDecoder('utf-8').decode(bytes.subarray(0, invalid));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  const byte = bytes[invalid].toString(16).toUpperCase().padStart(2, '0');
  throw new PostRejected(
    `file is neither UTF-8 text (byte 0x${byte} is not valid UTF-8) nor GB18030/GBK or Big5 Chinese text`,
    line,
    column,
  );
}

type LegacyEncoding = 'gb18030' | 'big5' | 'shift_jis' | 'euc-kr';
const legacyDecoders = new Map<LegacyEncoding, InstanceType<typeof TextDecoder>>();

/** Node.js and Lambda's runtimes ship full ICU; a build without it cannot read GBK or Big5 posts, and says so. */
function legacyDecoder(encoding: LegacyEncoding): InstanceType<typeof TextDecoder> {
  let decoder = legacyDecoders.get(encoding);
  if (!decoder) {
    try {
      decoder = new TextDecoder(encoding, { fatal: false });
    } catch (error) {
      throw new Error(
        `this Node.js ${process.version} has no ${encoding} decoder (it was built without full ICU), so it cannot read posts that are not UTF-8`,
        { cause: error },
      );
    }
    legacyDecoders.set(encoding, decoder);
  }
  return decoder;
}

/**
 * Kana or Hangul characters needed before bytes are called Japanese or Korean: a few GBK
 * characters read as Shift_JIS or EUC-KR are as often kana or common Hangul (快乐 is 우있).
 */
const MIN_EVIDENCE = 20;

/** Korean's commonest syllables (particles, endings, 하다 and 있다): 25–60 % of those in the Korean sentences tried. */
const COMMON_HANGUL = new Set(
  '이다는의에을를하고가지서한로기사도자리나시대어수있정여인해일전상으보부아제주들국것구조게만세성우적니습었했요',
);

/**
 * Japanese (Shift_JIS) or Korean (EUC-KR) text, which GBK also decodes without error. Japanese
 * is told by its kana, which GBK text read as Shift_JIS hardly ever gives. Korean is harder:
 * its Hangul bytes are GB2312's commonest hanzi, so Chinese text read as EUC-KR gives Hangul
 * too, but scattered over the syllabary instead of Korean's few common syllables.
 */
function japaneseOrKorean(bytes: Uint8Array): string | undefined {
  const japanese = legacyDecoder('shift_jis').decode(bytes);
  const kana = nonAsciiMatching(japanese, /[\u3040-\u30FF]/u);
  if (!japanese.includes('\uFFFD') && kana.matching.length >= MIN_EVIDENCE && share(kana) >= 0.3)
    return 'Shift_JIS (Japanese)';
  const korean = legacyDecoder('euc-kr').decode(bytes);
  const hangul = nonAsciiMatching(korean, /[\uAC00-\uD7A3]/u);
  if (korean.includes('\uFFFD') || hangul.matching.length < MIN_EVIDENCE || share(hangul) < 0.5) return undefined;
  const common = hangul.matching.filter((syllable) => COMMON_HANGUL.has(syllable)).length;
  return common >= hangul.matching.length * 0.25 ? 'EUC-KR (Korean)' : undefined;
}

/** A text's non-ASCII characters: how many, and those that match `pattern`. One pass. */
function nonAsciiMatching(text: string, pattern: RegExp): { nonAscii: number; matching: string[] } {
  let nonAscii = 0;
  const matching: string[] = [];
  for (const char of text) {
    if (char.charCodeAt(0) < 0x80) continue;
    nonAscii++;
    if (pattern.test(char)) matching.push(char);
  }
  return { nonAscii, matching };
}

function share({ nonAscii, matching }: { nonAscii: number; matching: string[] }): number {
  return nonAscii === 0 ? 0 : matching.length / nonAscii;
}

/**
 * Characters XML 1.0 forbids or discourages (C0 controls but tab, LF and CR; DEL; C1
 * controls; U+FFFE/U+FFFF; unpaired surrogates): removed from every post, so no feed or page
 * can be made not well-formed by an invisible character.
 */
const XML_UNSAFE =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function removeXmlUnsafeCharacters(text: string): string {
  return text.replace(XML_UNSAFE, '');
}

function utf16Encoding(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/** Offset of the first byte that does not begin or continue a valid UTF-8 sequence; called only on bytes isUtf8 refused. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  return 0;
}

/** Length of the valid UTF-8 sequence starting at `i`, 0 when there is none. No closures: this runs per byte. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return isContinuation(bytes, i + 1, 0x80, 0xbf) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return isContinuation(bytes, i + 1, low, high) && isContinuation(bytes, i + 2, 0x80, 0xbf) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const low = lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xf4 ? 0x8f : 0xbf;
    return isContinuation(bytes, i + 1, low, high) &&
      isContinuation(bytes, i + 2, 0x80, 0xbf) &&
      isContinuation(bytes, i + 3, 0x80, 0xbf)
      ? 4
      : 0;
  }
  return 0;
}

function isContinuation(bytes: Uint8Array, at: number, low: number, high: number): boolean {
  return at < bytes.length && bytes[at] >= low && bytes[at] <= high;
}

/**
 * UTF-8 with a few broken bytes (a truncated upload, a bad edit) also decodes as GB18030 –
 * into mojibake. Damaged UTF-8 is mostly valid multi-byte sequences. GBK text forms some by
 * chance (全年经 forms two, and one invalid byte), so it takes four valid sequences per invalid
 * byte: over a million short GBK windows of real text, none was taken for damaged UTF-8.
 */
function looksLikeDamagedUtf8(bytes: Uint8Array): boolean {
  let valid = 0;
  let invalid = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      invalid++;
      i++;
    } else {
      if (length > 1) valid++;
      i += length;
    }
  }
  return valid > invalid * 4;
}

const CHINESE_TEXT =
  /[\p{Script=Han}\u3000-\u303F\uFF00-\uFFEF\u2010-\u206F\u00B7\u00D7\u00F7\u2460-\u24FF\u2500-\u257F\u25A0-\u26FF]/u;

/** GB2312's first level: the 3,755 commonest hanzi, where nearly all of simplified Chinese text falls. */
function isGb2312Common(lead: number, trail: number): boolean {
  return lead >= 0xb0 && lead <= 0xd7 && trail >= 0xa1 && trail <= 0xfe;
}

/** Big5's frequently used characters (常用字, 5,401 of them). */
function isBig5Common(lead: number, trail: number): boolean {
  return lead >= 0xa4 && lead <= 0xc6 && ((trail >= 0x40 && trail <= 0x7e) || trail >= 0xa1);
}

/** Share of the two-byte characters (lead byte ≥ 0x81, in GBK and Big5 alike) that `isCommon` accepts. */
function commonShare(bytes: Uint8Array, isCommon: (lead: number, trail: number) => boolean): number {
  let pairs = 0;
  let common = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] < 0x81) continue;
    pairs++;
    if (i + 1 < bytes.length && isCommon(bytes[i], bytes[i + 1])) common++;
    i++;
  }
  return pairs === 0 ? 0 : common / pairs;
}

/** Decoded GB18030 or Big5 is accepted when its non-ASCII characters are what Chinese text is made of. */
function isPlausibleChinese(text: string): boolean {
  return !text.includes('\uFFFD') && share(nonAsciiMatching(text, CHINESE_TEXT)) >= 0.9;
}
