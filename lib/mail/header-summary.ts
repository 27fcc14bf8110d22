import { isAscii } from 'node:buffer';
import libmime from 'libmime';
import { parseAddressHeader, type HeaderLines } from 'mailparser';
import { visibleText } from '../text/visible-text';
import { flattenAddresses, type MailAddress } from './addresses';
import { needsRepair, repairEncodedWords } from './encoded-words';
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

/**
 * How much of each field a summary keeps: what a list row shows and a filter
 * searches, no more. A summary lives in the session's header cache for every
 * message of the maildrop, and a sender can write a Subject of 200 KiB: uncapped,
 * 4,000 such messages held ~0.9 GB per session. The full read (RETR) still
 * shows every header whole. Lengths in UTF-16 code units; a cut value ends with
 * CUT_MARK (docs/API.md, "Header summaries").
 */
export const SUMMARY_CAPS = Object.freeze({
  subject: 1000,
  name: 200,
  /** RFC 5321 allows 254; beyond a little more it is not an address anyone can use. */
  address: 320,
  contentType: 200,
  messageId: 1000,
  /** Addresses kept of To, and of Cc. */
  addresses: 20,
});

export const CUT_MARK = '\u2026';

/** `summarizeHeaders` capped (SUMMARY_CAPS), or the empty summary for a section mailsplit would refuse (beyond its size bound). */
export function summaryOrEmpty(section: Buffer | undefined): HeaderSummary {
  if (!section) return EMPTY_SUMMARY;
  try {
    return capSummary(summarizeHeaders(section));
  } catch {
    // Silent on purpose: mailsplit refuses a section beyond its bound, and such a row shows as empty
    // (the message itself still reads); a sender can cause this at will, so it is not worth a log line.
    return EMPTY_SUMMARY;
  }
}

/** The summary with every field within SUMMARY_CAPS: the same object when nothing is over. */
export function capSummary(summary: HeaderSummary): HeaderSummary {
  const { from, to, cc, subject, contentType, messageId } = summary;
  const within =
    subject.length <= SUMMARY_CAPS.subject &&
    contentType.length <= SUMMARY_CAPS.contentType &&
    (messageId === null || messageId.length <= SUMMARY_CAPS.messageId) &&
    (from === null || addressWithin(from)) &&
    addressesWithin(to) &&
    addressesWithin(cc);
  if (within) return summary;
  return {
    ...summary,
    from: from === null ? null : capAddress(from),
    to: capAddresses(to),
    cc: capAddresses(cc),
    subject: capText(subject, SUMMARY_CAPS.subject),
    contentType: capText(contentType, SUMMARY_CAPS.contentType),
    messageId: messageId === null ? null : capText(messageId, SUMMARY_CAPS.messageId),
  };
}

function addressWithin({ name, address }: MailAddress): boolean {
  return name.length <= SUMMARY_CAPS.name && address.length <= SUMMARY_CAPS.address;
}

function addressesWithin(list: readonly MailAddress[]): boolean {
  return list.length <= SUMMARY_CAPS.addresses && list.every(addressWithin);
}

function capAddress({ name, address }: MailAddress): MailAddress {
  return { name: capText(name, SUMMARY_CAPS.name), address: capText(address, SUMMARY_CAPS.address) };
}

function capAddresses(list: readonly MailAddress[]): MailAddress[] {
  return list.slice(0, SUMMARY_CAPS.addresses).map(capAddress);
}

/**
 * `value` when it has at most `max` code units; else its first `max` (never half
 * a surrogate pair) and CUT_MARK, as a string of its own: a slice would keep
 * the whole long value alive for as long as the summary lives.
 */
export function capText(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return Buffer.from(value.slice(0, end) + CUT_MARK, 'utf16le').toString('utf16le');
}

/**
 * Parses a bounded header section into what an inbox row shows (uncapped: see capSummary).
 *
 * This is the result simpleParser gives for the same bytes — the same block
 * boundary, folding, 8-bit handling, RFC 2047 decoding (libmime) and address
 * parsing (mailparser's own) — without building a MIME tree and a chain of
 * streams for each message: an inbox page parses hundreds of these at once.
 * Throws where simpleParser would reject (a header block beyond mailsplit's
 * size bound).
 */
export function summarizeHeaders(headerBytes: Buffer): HeaderSummary {
  const found = wantedHeaderValues(headerBytes);
  const contentType = found.contentType === undefined ? 'text/plain' : visibleText(parseContentType(found.contentType).toLowerCase());
  return {
    from: found.from === undefined ? null : addressList([found.from])[0] ?? null,
    to: addressList(found.to),
    cc: addressList(found.cc),
    subject: visibleText(found.subject ?? ''),
    // Unlike mailparser, an unreadable Date is unknown rather than "now".
    date: found.date === undefined ? null : isoDate(found.date),
    contentType,
    hasAttachments: WITH_ATTACHMENTS.test(contentType),
    messageId: found.messageId ?? null,
  };
}

const WITH_ATTACHMENTS = /^multipart\/(mixed|related|report)/;

/**
 * The root header block as mailsplit cuts it, as latin1 text (one character
 * per byte, so offsets in it are offsets in `bytes`): every line up to and
 * including the first empty one (LF or CRLF alone), or all of the input when
 * there is none. Throws where mailsplit would, beyond its size bound.
 */
function headerBlockText(bytes: Buffer): string {
  if (bytes.length * (MIN_LINE_COST + 1) > MAX_HEAD_COST) return checkedHeaderBlock(bytes).toString('latin1');
  // Each line costs at most its length plus MIN_LINE_COST, so input this short is within the bound.
  const text = bytes.toString('latin1');
  const end = blockEnd(text);
  return end === text.length ? text : text.slice(0, end);
}

/** Just past the first line that is LF or CRLF alone, or the length when there is none. */
function blockEnd(text: string): number {
  if (text.startsWith('\n')) return 1;
  if (text.startsWith('\r\n')) return 2;
  const lfLf = text.indexOf('\n\n');
  const lfCrLf = text.indexOf('\n\r\n');
  if (lfLf < 0 && lfCrLf < 0) return text.length;
  return lfCrLf < 0 || (lfLf >= 0 && lfLf < lfCrLf) ? lfLf + 2 : lfCrLf + 3;
}

/** The header block of a large input, its size bound checked line by line as mailsplit does. */
function checkedHeaderBlock(bytes: Buffer): Buffer {
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

type WantedName = 'from' | 'to' | 'cc' | 'subject' | 'date' | 'content-type' | 'message-id';
/** The headers an inbox row is made of; every other line is skipped unparsed. */
const WANTED_NAMES: readonly WantedName[] = ['from', 'to', 'cc', 'subject', 'date', 'content-type', 'message-id'];

/** What a row is made of, each value as mailparser has it before parsing it further. */
interface WantedValues {
  /** The first of each; mailparser reads no other. */
  from: string | undefined;
  date: string | undefined;
  contentType: string | undefined;
  /** Every one, in order. */
  to: string[] | undefined;
  cc: string[] | undefined;
  /** The first that is not empty once decoded, as mailparser skips empty ones. */
  subject: string | undefined;
  messageId: string | undefined;
}

/**
 * The wanted header values of a block: mailsplit's line splitting and
 * folding, then what mailparser's processHeaders does first with every value
 * (libmime.decodeHeader, trim, raw bytes read as UTF-8).
 *
 * One pass over the block that only looks at where lines start and end: a
 * line that is not wanted (Received, DKIM-Signature…) costs no string, and
 * only the first From, Date and Content-Type and the first Subject and
 * Message-ID that are not empty cost one. A wanted line of plain ASCII,
 * unfolded, without an encoded word that repairEncodedWords would rewrite,
 * gets its value by a copy of its bytes; any other goes through libmime
 * exactly as mailparser does.
 * tests/unit/mail/header-summary.test.ts checks the result against
 * simpleParser (tests/support/header-summary-oracle.ts).
 */
function wantedHeaderValues(bytes: Buffer): WantedValues {
  const block = new HeaderBlock(bytes);
  const raw = block.text;
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === LF || raw.charCodeAt(end - 1) === CR)) end--;

  // The header being read: raw[start, stop), folding lines included. mailsplit joins a folded header
  // with CRLF and finds its name before the first colon of the joined text; where the joins differ
  // from the bytes (LF alone), the name differs only inside, and such a name is never a wanted one.
  let reading = false;
  let start = 0;
  let stop = 0;
  let name: WantedName | undefined;
  let folded = false;
  let namePending = false;
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
        name = reading ? nameBeforeColon(raw, start, stop) : undefined;
      }
      if (folding && reading) {
        if (namePending) {
          const colon = raw.indexOf(':', pos);
          if (colon >= 0 && colon < lineEnd) {
            name = wantedName(raw, start, colon);
            namePending = false;
          }
        }
        stop = lineEnd;
        folded = true;
      } else {
        if (reading && name !== undefined) block.keep(name, start, stop, folded);
        reading = true;
        start = pos;
        stop = lineEnd;
        const colon = raw.indexOf(':', pos);
        namePending = colon < 0 || colon >= lineEnd;
        name = namePending ? undefined : wantedName(raw, pos, colon);
        folded = false;
      }
    }
    if (lastLine) break;
    pos = lf + 1;
  }
  if (firstHeader) {
    reading = !isPreamble(raw, start, stop);
    name = reading ? nameBeforeColon(raw, start, stop) : undefined;
  }
  if (reading && name !== undefined) block.keep(name, start, stop, folded);
  return block.found;
}

/** /^(?:From|POST) /i on raw[start, stop). */
function isPreamble(raw: string, start: number, stop: number): boolean {
  return stop - start >= 5 && (equalsLowercase(raw, start, 'from ') || equalsLowercase(raw, start, 'post '));
}

/** The wanted name before the first colon of raw[start, stop), if there is one. */
function nameBeforeColon(raw: string, start: number, stop: number): WantedName | undefined {
  const colon = raw.indexOf(':', start);
  return colon >= 0 && colon < stop ? wantedName(raw, start, colon) : undefined;
}

/**
 * The wanted name raw[start, stop) is once lowercased and trimmed, as
 * mailsplit keys a header, without making it a string: in latin1 only A–Z
 * lowercase into ASCII, and trim removes ASCII whitespace and U+00A0.
 */
function wantedName(raw: string, start: number, stop: number): WantedName | undefined {
  while (start < stop && isTrimmed(raw.charCodeAt(start))) start++;
  while (stop > start && isTrimmed(raw.charCodeAt(stop - 1))) stop--;
  for (const name of WANTED_NAMES) {
    if (name.length === stop - start && equalsLowercase(raw, start, name)) return name;
  }
  return undefined;
}

/** Whether the text at raw[start] lowercases to `lower` (ASCII lowercase; only A–Z change). */
function equalsLowercase(raw: string, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const code = raw.charCodeAt(start + i);
    if ((code >= 0x41 && code <= 0x5a ? code + 0x20 : code) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** What String#trim removes, within latin1. */
function isTrimmed(code: number): boolean {
  return isAsciiSpace(code) || code === 0xa0;
}

/** A header block as bytes and as latin1 text (same offsets), and the values kept from it so far. */
class HeaderBlock {
  readonly text: string;
  // Every field from the start: one object shape whatever the order of the headers.
  readonly found: WantedValues = {
    from: undefined,
    date: undefined,
    contentType: undefined,
    to: undefined,
    cc: undefined,
    subject: undefined,
    messageId: undefined,
  };
  private readonly ascii: boolean;
  // The next CR and "=?" at or after the line last asked about: lines are asked in order, so each
  // search goes on from the last and the block is searched once, not once per line.
  private nextCr = -1;
  private nextWord = -1;

  constructor(private readonly bytes: Buffer) {
    this.text = headerBlockText(bytes);
    this.ascii = isAscii(bytes.length === this.text.length ? bytes : bytes.subarray(0, this.text.length));
  }

  /** Keeps the value of one wanted header, text[start, stop) with its folding lines, where the row still needs it. */
  keep(name: WantedName, start: number, stop: number, folded: boolean): void {
    const found = this.found;
    if (!stillWanted(found, name)) return;
    switch (name) {
      case 'from':
        found.from = this.value(start, stop, folded);
        return;
      case 'date':
        // A slice is enough: isoDate's answer is a string of its own.
        found.date = this.value(start, stop, folded, false);
        return;
      case 'content-type':
        found.contentType = this.value(start, stop, folded);
        return;
      case 'to':
        (found.to ??= []).push(this.value(start, stop, folded));
        return;
      case 'cc':
        (found.cc ??= []).push(this.value(start, stop, folded));
        return;
      case 'subject':
        found.subject = decodeWords(this.value(start, stop, folded)) || undefined;
        return;
      case 'message-id':
        found.messageId = messageIdFormat(decodeWords(this.value(start, stop, folded))) || undefined;
        return;
    }
  }

  /**
   * The value of one header, as mailparser has it before parsing it further.
   * `copy`: a string of its own rather than a slice of the block's text.
   */
  private value(start: number, stop: number, folded: boolean, copy = true): string {
    const raw = this.text;
    if (!folded && this.isPlainLine(start, stop)) {
      // libmime's decodeHeader on such a line: what follows the first colon, trimmed (ASCII whitespace only here).
      let from = raw.indexOf(':', start) + 1;
      let to = stop;
      while (from < to && isAsciiSpace(raw.charCodeAt(from))) from++;
      while (to > from && isAsciiSpace(raw.charCodeAt(to - 1))) to--;
      // Copied from the bytes, not sliced from the text: a summary lives on in the header cache, and a
      // slice of a string keeps all of it alive (here the whole header block, Received lines and all).
      return copy ? this.bytes.toString('latin1', from, to) : raw.slice(from, to);
    }
    const line = raw.slice(start, stop);
    const joined = folded ? line.split(/\r?\n/).join('\r\n') : line;
    // Encoded words are repaired while the line is still bytes (latin1): a raw 8-bit byte inside one is the named charset's.
    return Buffer.from(mime.decodeHeader(repairEncodedWords(joined)).value.trim(), 'latin1').toString('utf8');
  }

  /**
   * Whether text[start, stop) reads the same copied as through libmime's decoding: no CR, no 8-bit byte,
   * and no encoded word that repairEncodedWords would rewrite (the others stay for decodeWords, as in libmime).
   */
  private isPlainLine(start: number, stop: number): boolean {
    const raw = this.text;
    if (this.nextCr < start) this.nextCr = indexOrLength(raw, '\r', start);
    if (this.nextCr < stop) return false;
    if (!this.ascii) {
      for (let i = start; i < stop; i++) if (raw.charCodeAt(i) >= 0x80) return false;
    }
    if (this.nextWord < start) this.nextWord = indexOrLength(raw, '=?', start);
    return this.nextWord + 2 > stop || !needsRepair(raw.slice(start, stop));
  }
}

function indexOrLength(text: string, search: string, from: number): number {
  const index = text.indexOf(search, from);
  return index < 0 ? text.length : index;
}

/** Whether a header of this name can still change the row: To and Cc add up, the others count once. */
function stillWanted(found: WantedValues, name: WantedName): boolean {
  switch (name) {
    case 'from':
      return found.from === undefined;
    case 'date':
      return found.date === undefined;
    case 'content-type':
      return found.contentType === undefined;
    case 'subject':
      return found.subject === undefined;
    case 'message-id':
      return found.messageId === undefined;
    case 'to':
    case 'cc':
      return true;
  }
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
/**
 * Longer values are parsed each time, not kept: the cache is keyed by the raw value, and 2,048 keys of a
 * sender's 256 KiB To header (with their parsed lists) would hold half a gigabyte for the whole process.
 */
const ADDRESS_CACHE_KEY_CHARS = 1000;

function addressList(values: string[] | undefined): MailAddress[] {
  if (values === undefined || values.length === 0) return [];
  const key = values.length === 1 ? values[0]! : undefined;
  let parsed = key === undefined ? undefined : addressCache.get(key);
  if (parsed === undefined) {
    parsed = flattenAddresses(parseAddressHeader(values)).map(visibleAddress);
    if (key !== undefined && key.length <= ADDRESS_CACHE_KEY_CHARS) {
      if (addressCache.size >= ADDRESS_CACHE_ENTRIES) addressCache.clear();
      addressCache.set(key, parsed);
    }
  }
  return parsed.map(({ name, address }) => ({ name, address }));
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
