import iconv from 'iconv-lite';

/**
 * RFC 2047 encoded words that mailparser and libmime decode wrongly, rewritten
 * into equivalent ones they decode rightly. Works on header text read as
 * latin1 (one character per byte), before anything turns the bytes into UTF-8:
 *
 * - UTF-7 words (`=?utf-7?Q?Fr+APY-sche?=`, charset `utf-7` or
 *   `unicode-1-1-utf-7`) are refused by libmime, which guards filters that look
 *   for "<" in decoded text. Here the decoded text is only ever shown as text
 *   (React escapes it, HTML is sanitized after decoding), so it is decoded.
 * - Raw 8-bit bytes inside a Q word (`=?iso-8859-1?Q?Fr\xF6sche?=`, as old
 *   Eudora wrote) were read as UTF-8 before the word was decoded, and became
 *   U+FFFD. The bytes are what the named charset says they are.
 *
 * Every rewritten word is plain ASCII: later decoding as UTF-8 leaves it intact.
 * Words that need neither fix, and everything between words, are kept byte for byte.
 */

/** An encoded word as mailsplit and libmime see one; the text may hold raw 8-bit bytes. */
const ENCODED_WORD = /=\?([^?\x00-\x20\x7f]+)\?([QqBb])\?([^?\x00-\x20\x7f]*)\?=/g;
const UTF7_NAMES = /^(?:cs)?(?:unicode11)?utf7$|^xutf7$/;

function isUtf7(charset: string): boolean {
  return UTF7_NAMES.test(charset.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** True when a latin1 header value holds a word that `repairEncodedWords` would change. */
export function needsRepair(latin1: string): boolean {
  if (!latin1.includes('=?')) return false;
  ENCODED_WORD.lastIndex = 0;
  for (const match of latin1.matchAll(ENCODED_WORD)) {
    if (isUtf7(charsetOf(match[1]!)) || /[\x80-\xff]/.test(match[3]!)) return true;
  }
  return false;
}

/** See the module comment. `latin1` holds one character per byte. */
export function repairEncodedWords(latin1: string): string {
  if (!latin1.includes('=?')) return latin1;
  return latin1.replace(ENCODED_WORD, (word: string, name: string, encoding: string, text: string) => {
    const charset = charsetOf(name);
    const utf7 = isUtf7(charset);
    const eightBit = /[\x80-\xff]/.test(text);
    if (!utf7 && !eightBit) return word;
    const bytes = encoding.toUpperCase() === 'Q' ? qBytes(text) : Buffer.from(text.replace(/[^A-Za-z0-9+/]/g, ''), 'base64');
    if (utf7) return `=?UTF-8?B?${Buffer.from(iconv.decode(bytes, 'utf7'), 'utf8').toString('base64')}?=`;
    // Same charset, same bytes, in base64: libmime joins adjacent words of one charset before decoding as before.
    return `=?${name}?B?${bytes.toString('base64')}?=`;
  });
}

/** `charset*language` (RFC 2231) names the charset before the star. */
function charsetOf(name: string): string {
  const star = name.indexOf('*');
  return star < 0 ? name : name.slice(0, star);
}

/** The bytes of Q-encoded text: `_` is a space, `=XX` a byte, every other character its own byte (8-bit ones too). */
function qBytes(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5f) out[length++] = 0x20;
    else if (code === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out[length++] = parseInt(text.slice(i + 1, i + 3), 16);
      i += 2;
    } else out[length++] = code & 0xff;
  }
  return out.subarray(0, length);
}

/** Is this charset UTF-7 (for body parts: mailparser refuses to decode them)? */
export function isUtf7Charset(charset: string | undefined): boolean {
  return charset !== undefined && isUtf7(charset);
}
