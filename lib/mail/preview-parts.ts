import libmime from 'libmime';
import type { PreviewPart } from '../contract/messages';
import { visibleText } from '../text/visible-text';
import { MIME_BOUNDS } from './mime-guard';

/**
 * The MIME parts of a message as far as the first lines of it show them
 * (`TOP n k`), with a size for each: measured for a part whose end was seen,
 * estimated from LIST's size for the one the lines end in. Pure and
 * network-free; bounded like the guard in front of mailparser (MIME_BOUNDS:
 * depth and part count; a cap on each header block).
 */

export interface PartScan {
  /** Leaf parts in message order (multipart containers are not parts a person sees). */
  parts: PreviewPart[];
  /**
   * The lines ended inside a multipart that may hold attachments (not
   * multipart/alternative) before any attachment was seen: more lines would
   * name it. False when the message was read whole or the scan hit a bound.
   */
  wantsMore: boolean;
}

const mime = libmime as unknown as {
  parseHeaderValue(value: string, options?: { stripComments?: boolean }): { value: string; params: Record<string, string> };
  decodeWords(value: string): string;
};

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** One part's header block is cut here (mailsplit allows 1 MiB of cost; the fields that name a part are short). */
const MAX_HEADER_BLOCK = 64 * 1024;
/** Decoded / encoded for base64 in 76-character lines with CRLF, when no line of the part was fetched. */
const BASE64_RATIO = (76 / 78) * (3 / 4);

interface OpenMultipart {
  boundary: string;
  subtype: string;
  depth: number;
}

interface Fields {
  contentType: string;
  boundary: string | null;
  filename: string | null;
  disposition: string | null;
  encoding: string;
}

interface Leaf extends Fields {
  /** Offset of the first body byte. */
  start: number;
}

/**
 * `bytes`: the message's first lines as fetched (dot-unstuffed); `messageSize`:
 * its size from LIST; `complete`: `bytes` is the whole message.
 */
export function scanPreviewParts(bytes: Buffer, messageSize: number, complete: boolean): PartScan {
  const parts: PreviewPart[] = [];
  const open: OpenMultipart[] = [];
  let state: 'header' | 'body' | 'skip' = 'header';
  let header: Buffer[] = [];
  let headerBytes = 0;
  let nodeDepth = 1;
  let nodes = 1;
  // Written by the closures below: a cast, since a plain annotation would narrow it to null for good.
  let leaf = null as Leaf | null;
  let stopped = false;
  let endedInHeader = false;

  const closeLeaf = (end: number, whole: boolean) => {
    if (!leaf) return;
    const body = bytes.subarray(leaf.start, Math.max(leaf.start, end));
    parts.push(describe(leaf, whole ? decodedSize(body, leaf.encoding) : estimate(leaf, body, messageSize, open), whole));
    leaf = null;
  };

  const endHeader = (bodyStart: number) => {
    const parent = open[open.length - 1];
    const fields = parseFields(Buffer.concat(header).toString('utf8'), parent?.subtype === 'digest' ? 'message/rfc822' : 'text/plain');
    header = [];
    headerBytes = 0;
    if (fields.contentType.startsWith('multipart/') && fields.boundary) {
      open.push({ boundary: fields.boundary, subtype: fields.contentType.slice('multipart/'.length), depth: nodeDepth });
      state = 'skip';
    } else {
      // A message/rfc822 part is one part here (what a person sees: an attached message), not descended into.
      leaf = { ...fields, start: bodyStart };
      state = 'body';
    }
  };

  let pos = 0;
  while (pos < bytes.length && !stopped) {
    const lf = bytes.indexOf(LF, pos);
    const lineEnd = lf < 0 ? bytes.length : lf + 1;
    const line = bytes.subarray(pos, lineEnd);
    const unfinished = lf < 0 && !complete; // the lines fetched ended inside this one
    const delimiter = !unfinished && open.length > 0 && line[0] === DASH && line[1] === DASH ? matchDelimiter(line, open) : null;

    if (delimiter) {
      if (state === 'header') endHeader(pos); // a part whose header block never ended: its body is empty
      closeLeaf(lineBreakBefore(bytes, pos, leaf?.start ?? pos), true);
      const owner = open[delimiter.index]!;
      open.length = delimiter.closing ? delimiter.index : delimiter.index + 1;
      if (delimiter.closing) {
        state = 'skip';
      } else {
        nodeDepth = owner.depth + 1;
        nodes++;
        if (nodeDepth > MIME_BOUNDS.maxDepth || nodes > MIME_BOUNDS.maxParts) stopped = true;
        state = 'header';
      }
    } else if (state === 'header') {
      if (unfinished) {
        endedInHeader = true;
        break;
      }
      const blank = line.length === 1 || (line.length === 2 && line[0] === CR);
      if (blank) endHeader(lineEnd);
      else if (headerBytes < MAX_HEADER_BLOCK) {
        header.push(line);
        headerBytes += line.length;
      }
    }
    pos = lineEnd;
  }

  if (state === 'header' && !stopped) {
    if (complete || !endedInHeader) {
      // The input ended after a header block without its blank line.
      endHeader(bytes.length);
    } else if (header.length > 0 || open.length > 0) {
      // Cut inside a header block: what it said so far, the rest of the message as its size.
      endHeader(bytes.length);
      closeLeaf(bytes.length, false);
    }
  }
  if (!stopped) closeLeaf(complete ? trimFinalBreak(bytes) : bytes.length, complete);

  const attachmentSeen = parts.some(isAttachmentLike);
  const mayHoldAttachments = open.some((multipart) => multipart.subtype !== 'alternative');
  return { parts, wantsMore: !complete && !stopped && !attachmentSeen && mayHoldAttachments };
}

function describe(fields: Fields, estimatedSize: number, complete: boolean): PreviewPart {
  return {
    contentType: fields.contentType,
    filename: fields.filename,
    disposition: fields.disposition,
    estimatedSize: Math.max(0, Math.round(estimatedSize)),
    complete,
  };
}

function isAttachmentLike(part: PreviewPart): boolean {
  return part.filename !== null || part.disposition === 'attachment' || !/^(text|multipart)\//.test(part.contentType);
}

/** Where a body ends before a delimiter line: the line break in front of the delimiter belongs to it (RFC 2046). */
function lineBreakBefore(bytes: Buffer, delimiterStart: number, bodyStart: number): number {
  let end = delimiterStart;
  if (end > bodyStart && bytes[end - 1] === LF) end--;
  if (end > bodyStart && bytes[end - 1] === CR) end--;
  return end;
}

function trimFinalBreak(bytes: Buffer): number {
  return lineBreakBefore(bytes, bytes.length, 0);
}

function matchDelimiter(line: Buffer, open: readonly OpenMultipart[]): { index: number; closing: boolean } | null {
  let end = line.length;
  while (end > 2 && (line[end - 1] === LF || line[end - 1] === CR || line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
  const text = line.toString('latin1', 2, end);
  for (let index = open.length - 1; index >= 0; index--) {
    const { boundary } = open[index]!;
    if (text === boundary) return { index, closing: false };
    if (text === `${boundary}--`) return { index, closing: true };
  }
  return null;
}

/** The fields that name a part, from its header block (unfolded; RFC 2231 and RFC 2047 file names decoded). */
function parseFields(block: string, defaultType: string): Fields {
  const values = new Map<string, string>();
  for (const field of block.replace(/\r?\n(?=[ \t])/g, '').split(/\r?\n/)) {
    const colon = field.indexOf(':');
    if (colon <= 0) continue;
    const name = field.slice(0, colon).trim().toLowerCase();
    if (!values.has(name)) values.set(name, field.slice(colon + 1).trim()); // the first of each counts, as for mailparser
  }
  const type = parse(values.get('content-type'));
  const contentType = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(type.value) ? type.value : defaultType;
  const disposition = parse(values.get('content-disposition'));
  const boundary = (type.params.boundary ?? '').trimEnd();
  return {
    contentType: visibleText(contentType),
    boundary: boundary && /^[\x20-\x7e]{1,200}$/.test(boundary) ? boundary : null,
    filename: fileName(disposition.params.filename ?? type.params.name),
    disposition: disposition.value ? visibleText(disposition.value) : null,
    encoding: (values.get('content-transfer-encoding') ?? '').trim().toLowerCase(),
  };
}

function parse(value: string | undefined): { value: string; params: Record<string, string> } {
  if (value === undefined) return { value: '', params: {} };
  try {
    const parsed = mime.parseHeaderValue(value, { stripComments: true });
    return { value: String(parsed.value ?? '').trim().toLowerCase(), params: parsed.params ?? {} };
  } catch {
    return { value: '', params: {} };
  }
}

function fileName(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let name = raw;
  try {
    name = mime.decodeWords(raw);
  } catch {
    // An undecodable word stays as written.
  }
  const visible = visibleText(name).trim();
  return visible === '' ? null : visible;
}

/**
 * Whether the text a peek shows is whole in `parts` (a scan of the lines it shows): every text/plain part
 * complete, or, with none, every other text part that is not an attachment. False when there is no such part.
 */
export function textPartsComplete(parts: readonly PreviewPart[]): boolean {
  const texts = parts.filter((part) => !part.contentType.startsWith('multipart/') && !isAttachmentLike(part));
  const plain = texts.filter((part) => part.contentType === 'text/plain');
  const shown = plain.length > 0 ? plain : texts;
  return shown.length > 0 && shown.every((part) => part.complete);
}

/** The decoded size of a whole body in a known transfer encoding. */
export function decodedSize(body: Buffer, encoding: string): number {
  if (encoding === 'base64') {
    let symbols = 0;
    for (const byte of body) {
      // A-Z a-z 0-9 + / (padding and line breaks carry no data)
      if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x2b || byte === 0x2f) symbols++;
    }
    return Math.floor((symbols * 3) / 4);
  }
  if (encoding === 'quoted-printable') {
    const text = body.toString('latin1');
    const softBreaks = text.match(/=\r?\n/g)?.reduce((sum, brk) => sum + brk.length, 0) ?? 0;
    const escapes = text.match(/=[0-9A-Fa-f]{2}/g)?.length ?? 0;
    return body.length - softBreaks - 2 * escapes;
  }
  return body.length;
}

/**
 * The size of the part the lines ended in: the rest of the message (LIST's
 * size), less the delimiters that must still close the open multiparts,
 * decoded at the ratio the fetched part of it shows (or base64's usual one).
 */
function estimate(leaf: Leaf, fetched: Buffer, messageSize: number, open: readonly OpenMultipart[]): number {
  const closing = open.reduce((sum, multipart) => sum + multipart.boundary.length + 8, 0);
  const raw = Math.max(fetched.length, messageSize - leaf.start - closing);
  const ratio = fetched.length >= 256 ? decodedSize(fetched, leaf.encoding) / fetched.length : leaf.encoding === 'base64' ? BASE64_RATIO : 1;
  return raw * ratio;
}
