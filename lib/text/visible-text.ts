/**
 * Text a sender wrote, made safe to show as a name, a header or a title.
 *
 * Bidirectional controls reorder what is shown (`invoice\u202Efdp.exe` reads as
 * "invoiceexe.pdf") and invisible format characters hide or fake parts of a name.
 * Both are removed, as are control characters; line breaks and tabs become spaces,
 * since these fields are one line each. The bidi algorithm still lays out Arabic
 * or Hebrew text correctly without explicit controls.
 *
 * The basis is Unicode's "Cf" (format) category. Kept on purpose, because real
 * scripts need them and they do not hide anything: ZWNJ and ZWJ (Persian, Indic
 * scripts, emoji sequences), the prepended concatenation marks of Arabic, Syriac
 * and Kaithi (U+0600–0605, U+06DD, U+070F, U+0890–0891, U+08E2, U+110BD, U+110CD),
 * and tag characters inside a subdivision flag (England's, Scotland's).
 * Added: blank letters that are not Cf but are used as invisible names
 * (the Hangul fillers, the combining grapheme joiner).
 */

const KEPT_FORMAT = /^[\u200C\u200D\u0600-\u0605\u06DD\u070F\u0890\u0891\u08E2\u{110BD}\u{110CD}]$/u;

/**
 * In order of precedence: a subdivision flag (kept whole), a run of line
 * breaks and tabs (one space), a control character, an invisible blank, a
 * format character.
 */
const SUSPECT =
  /(\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F})|([\t\n\r\u2028\u2029\u0085]+)|[\u0000-\u001F\u007F-\u009F\u034F\u115F\u1160\u3164\uFFA0]|\p{Cf}/gu;

/** Half of a surrogate pair without the other half (a broken UTF-7 or UTF-16 decode): not text, and encodeURIComponent throws on it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * One line of text as it may be shown: no bidi controls, no invisible format
 * characters, no control characters, no lone surrogates (U+FFFD instead);
 * line breaks and tabs are spaces. Idempotent, and the identity on ordinary text.
 */
export function visibleText(value: string): string {
  // The common case: printable ASCII only, nothing to do.
  if (/^[\x20-\x7e]*$/.test(value)) return value;
  return value.replace(LONE_SURROGATE, '\uFFFD').replace(SUSPECT, (match: string, flag: string | undefined, lineBreak: string | undefined) => {
    if (flag !== undefined) return flag;
    if (lineBreak !== undefined) return ' ';
    return KEPT_FORMAT.test(match) ? match : '';
  });
}
