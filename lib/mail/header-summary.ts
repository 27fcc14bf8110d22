import libmime from 'libmime';
import { parseAddressHeader, type HeaderLines } from 'mailparser';
import { visibleText } from '../text/visible-text';
import { flattenAddresses, type MailAddress } from './addresses';
import { repairEncodedWords } from './encoded-words';
import { isoDate } from './rfc5322-date';

/** What the inbox shows of a message, from its header section alone (`TOP n 0`). */
export interface HeaderSummary {
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  /** ISO 8601; null when missing or unreadable (never invented: a wrong date would misplace the message). */
  date: string | null;
  contentType: string;
  /** A multipart/mixed (or similar) message probably carries attachments. */
  hasAttachments: boolean;
  messageId: string | null;
}

export interface HeaderLine {
  name: string;
  value: string;
}

/**
 * libmime's shared instance. Its methods live on the prototype: a namespace
 * import (`import * as`) finds them under tsx but not in the production
 * bundle, where the failure was swallowed and nothing got decoded. The package
 * types are shadowed by lib/types/libmime.d.ts, which declares decodeWords only.
 */
const mime = libmime as unknown as {
  decodeWords(value: string): string;
  decodeHeader(line: string): { key: string; value: string };
  parseHeaderValue(value: string, options?: { stripComments?: boolean }): { value: string; params: Record<string, string> };
};

const LF = 0x0a;
const CR = 0x0d;
/** mailsplit's bound on a header block, where each line counts for at least 64 bytes. */
const MAX_HEAD_COST = 1024 * 1024;
const MIN_LINE_COST = 64;
/** The headers an inbox row is made of; every other line is skipped unparsed. */
const WANTED = new Set(['from', 'to', 'cc', 'subject', 'date', 'content-type', 'message-id']);

/** What a row shows when a header section could not be read at all. */
export const EMPTY_SUMMARY: HeaderSummary = Object.freeze({
  from: null,
  to: [],
  cc: [],
  subject: '',
  date: null,
  contentType: 'text/plain',
  hasAttachments: false,
  messageId: null,
});

/** `summarizeHeaders`, or the empty summary for a section mailsplit would refuse (beyond its size bound). */
export function summaryOrEmpty(section: Buffer | undefined): HeaderSummary {
  if (!section) return EMPTY_SUMMARY;
  try {
    return summarizeHeaders(section);
  } catch {
    // Silent on purpose: mailsplit refuses a section beyond its bound, and such a row shows as empty
    // (the message itself still reads); a sender can cause this at will, so it is not worth a log line.
    return EMPTY_SUMMARY;
  }
}

/**
 * Parses a bounded header section into what an inbox row shows.
 *
 * This is the result simpleParser gives for the same bytes — the same block
 * boundary, folding, 8-bit handling, RFC 2047 decoding (libmime) and address
 * parsing (mailparser's own) — without building a MIME tree and a chain of
 * streams for each message: an inbox page parses hundreds of these at once.
 * Throws where simpleParser would reject (a header block beyond mailsplit's
 * size bound).
 */
export function summarizeHeaders(headerBytes: Buffer): HeaderSummary {
  const values = wantedHeaderValues(headerBlock(headerBytes));
  const first = (key: string) => values.get(key)?.[0];

  const contentTypeValue = first('content-type');
  const contentType = contentTypeValue === undefined ? 'text/plain' : visibleText(parseContentType(contentTypeValue).toLowerCase());
  const dateValue = first('date');
  // Unlike mailparser, an unreadable Date is unknown rather than "now".
  const date = dateValue === undefined ? null : isoDate(dateValue);
  const fromValue = first('from');

  return {
    from: fromValue === undefined ? null : addressList([fromValue])[0] ?? null,
    to: addressList(values.get('to')),
    cc: addressList(values.get('cc')),
    // The first Subject and Message-ID that are not empty, as mailparser skips empty ones.
    subject: visibleText(firstNonEmpty(values.get('subject'), decodeWords) ?? ''),
    date,
    contentType,
    hasAttachments: /^multipart\/(mixed|related|report)/.test(contentType),
    messageId: firstNonEmpty(values.get('message-id'), (value) => messageIdFormat(decodeWords(value))) ?? null,
  };
}

/**
 * The root header block as mailsplit cuts it: every line up to and including
 * the first empty one (LF or CRLF alone), or all of the input when there is
 * none. Its size bound is checked the same way, line by line.
 */
function headerBlock(bytes: Buffer): Buffer {
  let cost = 0;
  let start = 0;
  while (start < bytes.length) {
    const lf = bytes.indexOf(LF, start);
    const end = lf < 0 ? bytes.length : lf + 1;
    const length = end - start;
    const blank = (length === 1 && bytes[start] === LF) || (length === 2 && bytes[start] === CR && bytes[start + 1] === LF);
    cost += blank ? length : Math.max(length, MIN_LINE_COST);
    if (cost > MAX_HEAD_COST) throw new Error('Max header size for a MIME node exceeded');
    if (blank) return bytes.subarray(0, end);
    start = end;
  }
  return bytes;
}

/**
 * Header values by lowercase name, in order, for the wanted names only:
 * mailsplit's line splitting and folding, then what mailparser's
 * processHeaders does first with every value (libmime.decodeHeader, trim,
 * raw bytes read as UTF-8).
 *
 * One pass over the block that only looks at where lines start and end: a
 * line that is not wanted (Received, DKIM-Signature…) costs no string. A
 * wanted line of plain ASCII, unfolded, without an encoded word gets its
 * value by a slice; any other goes through libmime exactly as mailparser does.
 * tests/unit/mail/header-summary.test.ts checks the result against
 * simpleParser (tests/support/header-summary-oracle.ts).
 */
function wantedHeaderValues(block: Buffer): Map<string, string[]> {
  const raw = block.toString('latin1');
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === LF || raw.charCodeAt(end - 1) === CR)) end--;
  const values = new Map<string, string[]>();

  // The header being read: raw[start, stop), folding lines included. mailsplit joins a folded header
  // with CRLF and finds its name before the first colon of the joined text; where the joins differ
  // from the bytes (LF alone), the name differs only inside, and such a name is never a wanted one.
  let reading = false;
  let start = 0;
  let stop = 0;
  let key = '';
  let folded = false;
  let keyPending = false;
  let firstHeader = true;

  for (let pos = 0; ; ) {
    const lf = raw.indexOf('\n', pos);
    const lastLine = lf < 0 || lf >= end;
    const lineEnd = lastLine ? end : lf > pos && raw.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    const first = raw.charCodeAt(pos);
    const folding = pos < lineEnd && (first === 0x20 || first === 0x09);

    if (firstHeader && !reading) {
      reading = true;
      start = pos;
      stop = lineEnd;
    } else if (firstHeader && folding) {
      stop = lineEnd;
      folded = true;
    } else {
      if (firstHeader) {
        // The first header is named once, colon or not; an mbox "From " or HTTP "POST " preamble is not a header.
        firstHeader = false;
        reading = !isPreamble(raw, start, stop);
        key = reading ? nameBeforeColon(raw, start, stop) : '';
      }
      if (folding && reading) {
        if (keyPending) {
          const colon = raw.indexOf(':', pos);
          if (colon >= 0 && colon < lineEnd) {
            key = headerKey(raw.slice(start, colon));
            keyPending = false;
          }
        }
        stop = lineEnd;
        folded = true;
      } else {
        if (reading) addWanted(values, key, block, raw, start, stop, folded);
        reading = true;
        start = pos;
        stop = lineEnd;
        const colon = raw.indexOf(':', pos);
        keyPending = colon < 0 || colon >= lineEnd;
        key = keyPending ? '' : headerKey(raw.slice(pos, colon));
        folded = false;
      }
    }
    if (lastLine) break;
    pos = lf + 1;
  }
  if (firstHeader) {
    reading = !isPreamble(raw, start, stop);
    key = reading ? nameBeforeColon(raw, start, stop) : '';
  }
  if (reading) addWanted(values, key, block, raw, start, stop, folded);
  return values;
}

function isPreamble(raw: string, start: number, stop: number): boolean {
  return /^(?:From|POST) /i.test(raw.slice(start, Math.min(stop, start + 5)));
}

/** The lowercase name before the first colon of raw[start, stop), or '' without one. */
function nameBeforeColon(raw: string, start: number, stop: number): string {
  const colon = raw.indexOf(':', start);
  return colon >= 0 && colon < stop ? headerKey(raw.slice(start, colon)) : '';
}

function addWanted(values: Map<string, string[]>, key: string, block: Buffer, raw: string, start: number, stop: number, folded: boolean): void {
  if (!WANTED.has(key)) return;
  const value = headerValue(block, raw, start, stop, folded);
  const list = values.get(key);
  if (list) list.push(value);
  else values.set(key, [value]);
}

/** Anything in a header line that libmime's decoding would change or read differently from a slice. */
const NEEDS_DECODING = /[\r\x80-\xff]|=\?/;

/**
 * The value of one header, raw[start, stop) (its lines as read; `raw` is
 * `block` as latin1), as mailparser has it before parsing it further.
 */
function headerValue(block: Buffer, raw: string, start: number, stop: number, folded: boolean): string {
  const line = raw.slice(start, stop);
  if (!folded && !NEEDS_DECODING.test(line)) {
    // libmime's decodeHeader on such a line: what follows the first colon, trimmed (ASCII whitespace only here).
    let from = start + line.indexOf(':') + 1;
    let to = stop;
    while (from < to && isAsciiSpace(raw.charCodeAt(from))) from++;
    while (to > from && isAsciiSpace(raw.charCodeAt(to - 1))) to--;
    // Copied from the bytes, not sliced from `raw`: a summary lives on in the header cache, and a slice of
    // a string keeps all of it alive (here the whole header block, Received lines and all).
    return block.toString('latin1', from, to);
  }
  const joined = folded ? line.split(/\r?\n/).join('\r\n') : line;
  // Encoded words are repaired while the line is still bytes (latin1): a raw 8-bit byte inside one is the named charset's.
  return Buffer.from(mime.decodeHeader(repairEncodedWords(joined)).value.trim(), 'latin1').toString('utf8');
}

/** What String#trim removes, within ASCII: tab, LF, VT, FF, CR and space. */
function isAsciiSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/**
 * Parsed address headers by value. Most of a maildrop shares a handful of
 * them (the owner in To, regular senders in From), and address parsing is
 * the dearest part of a summary. Kept as shown (visibleAddress); bounded; callers get copies.
 */
const addressCache = new Map<string, MailAddress[]>();
const ADDRESS_CACHE_ENTRIES = 2048;

function addressList(values: string[] | undefined): MailAddress[] {
  if (values === undefined || values.length === 0) return [];
  const key = values.length === 1 ? values[0]! : undefined;
  let parsed = key === undefined ? undefined : addressCache.get(key);
  if (parsed === undefined) {
    parsed = flattenAddresses(parseAddressHeader(values)).map(visibleAddress);
    if (key !== undefined) {
      if (addressCache.size >= ADDRESS_CACHE_ENTRIES) addressCache.clear();
      addressCache.set(key, parsed);
    }
  }
  return parsed.map(({ name, address }) => ({ name, address }));
}

function headerKey(name: string): string {
  return name.toLowerCase().trim();
}

/** What libmime's parseHeaderValue would have to read differently from "up to the first semicolon, trimmed". */
const STRUCTURED_VALUE = /[("\\]|[^\x00-\x7f]/;

function parseContentType(value: string): string {
  // The common case (`text/plain; charset=utf-8`): no comment, quote or escape before the parameters.
  const semicolon = value.indexOf(';');
  const type = semicolon < 0 ? value : value.slice(0, semicolon);
  if (!STRUCTURED_VALUE.test(type)) {
    const trimmed = type.trim();
    return trimmed ? decodeWords(trimmed) : trimmed;
  }
  const parsed = mime.parseHeaderValue(value, { stripComments: true });
  return parsed.value ? decodeWords(parsed.value) : String(parsed.value);
}

function messageIdFormat(value: string): string {
  if (value.length === 0) return '';
  return `${value.startsWith('<') ? '' : '<'}${value}${value.endsWith('>') ? '' : '>'}`;
}

function firstNonEmpty(values: string[] | undefined, decode: (value: string) => string): string | undefined {
  for (const value of values ?? []) {
    const decoded = decode(value);
    if (decoded) return decoded;
  }
  return undefined;
}

/** An address as it may be shown: no bidi controls or invisible characters in the name or the address. */
export function visibleAddress({ name, address }: MailAddress): MailAddress {
  return { name: visibleText(name), address: visibleText(address) };
}

/**
 * Header lines as the person would read them: RFC 2047 words decoded, folding
 * removed, raw 8-bit bytes read as UTF-8, nothing invisible or reordering.
 * mailparser hands the lines over as latin1 (one character per byte).
 */
export function decodeHeaderLines(lines: HeaderLines): HeaderLine[] {
  return lines.map(({ line }) => {
    const text = Buffer.from(repairEncodedWords(line), 'latin1').toString('utf8');
    const colon = text.indexOf(':');
    const name = colon > 0 ? text.slice(0, colon).trim() : text.trim();
    const value = colon > 0 ? text.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim() : '';
    return { name: visibleText(name), value: visibleText(decodeWords(value)) };
  });
}

function decodeWords(value: string): string {
  // Every one of libmime's patterns needs an encoded word ("=?") or its NUL join marker; most values have neither.
  if (!value.includes('=?') && !value.includes('\u0000')) return value;
  try {
    return mime.decodeWords(value);
  } catch {
    // Silent on purpose: a malformed encoded word is the sender's, and shown as written is the right answer.
    return value;
  }
}
