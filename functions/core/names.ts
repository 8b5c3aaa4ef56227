/**
 * Category, tag and author names as readers see them: two names that look the same must be
 * the same name, and a name must show what it is.
 */

/**
 * Characters of compatibility forms folded to their ordinary form (NFKC, for these only):
 * fullwidth Latin letters and digits (a Chinese input method in fullwidth mode types `ｎｅｗｓ`
 * for `news`), halfwidth katakana and Hangul (legacy forms of the ordinary ones), and the Kangxi
 * radicals (`⾦` for `金`, left by copying text out of PDFs), which look like the characters they
 * fold to. Not NFKC for the whole name: it also rewrites what Chinese and Japanese text writes
 * on purpose, fullwidth punctuation `（：）` to ASCII, `①` to `1`, `㈱` to `(株)`, `㎡` to `m2`,
 * `㍻` to `平成`. Hugo and WordPress do not apply NFKC to term names either.
 */
const COMPATIBILITY_FORMS = /[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\uFF61-\uFFDC\u2F00-\u2FD5]/g;

/**
 * NFC, compatibility forms folded, white space trimmed and each run of it one space (a page
 * shows a run of spaces, or an ideographic space, much as one): names that read alike are one
 * name. White space as Unicode defines it, which unlike JavaScript's does not include U+FEFF.
 */
export function normalizeName(name: string): string {
  return name
    .replace(COMPATIBILITY_FORMS, (char) => char.normalize('NFKC'))
    .normalize('NFC')
    .replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '')
    .replace(/\p{White_Space}+/gu, ' ');
}

/**
 * Characters nobody sees (zero-width spaces and joiners, word joiner, BOM, soft hyphen, Hangul
 * fillers, tag characters…) or that reorder the text around them (bidirectional controls such
 * as U+202E): Unicode's format characters (Cf) and default-ignorable code points. `news` with a
 * zero-width space would be a second category that looks like the first.
 */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u;

/**
 * The default-ignorable characters that are visible where they stand: a zero-width joiner
 * between emoji (👩‍⚕️ is one picture), emoji and text presentation selectors after an emoji,
 * and variation selectors after a CJK ideograph (the glyph variants Japanese names need).
 * Removed before INVISIBLE is looked for.
 */
const VISIBLE_SEQUENCES = [
  /(\p{Extended_Pictographic}[\uFE0E\uFE0F]?\p{Emoji_Modifier}?)\u200D(?=\p{Extended_Pictographic})/gu,
  /(\p{Emoji})[\uFE0E\uFE0F]/gu,
  /(\p{Ideographic})[\uFE00-\uFE0F\u{E0100}-\u{E01EF}]/gu,
];

/** What makes a name unfit to show, or undefined. Takes a normalized name. */
export function nameProblem(name: string): string | undefined {
  const bare = VISIBLE_SEQUENCES.reduce((text, sequence) => text.replace(sequence, '$1'), name);
  const invisible = INVISIBLE.exec(bare);
  if (invisible) return `contains ${codePoint(invisible[0])}, an invisible or text-direction character`;
  // Letters, digits, punctuation or symbols, not only spaces, marks or the blank braille pattern.
  if (!/[\p{L}\p{N}\p{P}\p{S}]/u.test(name.replace(/\u2800/g, ''))) return 'has no visible character';
  return undefined;
}

/** The name in quotes, invisible characters spelled out (`"news<U+200B>"`), safe to print. */
export function showName(name: string): string {
  return `"${name.replace(new RegExp(INVISIBLE.source, 'gu'), (char) => `<${codePoint(char)}>`)}"`;
}

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
