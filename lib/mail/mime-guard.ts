import { Transform, type TransformCallback } from 'node:stream';
import libmime from 'libmime';
import { needsRepair, repairEncodedWords } from './encoded-words';

/**
 * How deep and how wide a message's MIME tree may be before it is "too
 * complex" to display. Real mail nests a handful of levels (a forward of a
 * forward of a signed message is about 8) and rarely has more than a few dozen
 * parts; mailparser's splitter gives up, with an untyped error, at 1,000 nodes.
 */
export const MIME_BOUNDS = Object.freeze({ maxDepth: 40, maxParts: 400 });

/** mailsplit's bound on one header block, where each line counts for at least 64 bytes. */
const MAX_HEAD_COST = 1024 * 1024;
const MIN_LINE_COST = 64;
/** What a delimiter line may carry besides its boundary: `--`, `--`, trailing whitespace (mailsplit allows 998), CRLF. */
const DELIMITER_OVERHEAD = 2 + 2 + 998 + 2;
/** Text kept of each header the guard reads; longer values are cut (a boundary is at most 70 characters). */
const MAX_FIELD_TEXT = 64 * 1024;
/** The headers that decide a node's shape. */
const SHAPE_FIELD = /^(content-type|content-disposition|content-transfer-encoding)[ \t]*:/i;

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

const mime = libmime as unknown as {
  parseHeaderValue(value: string, options?: { stripComments?: boolean }): { value: string; params: Record<string, string> };
};

interface OpenMultipart {
  boundary: string;
  /** Depth of the multipart node itself (the root is 1). */
  depth: number;
}

export interface MimeShape {
  /** Deepest node seen (the root message is 1). */
  depth: number;
  /** Nodes seen: the root, every part, every embedded message. */
  parts: number;
  /** The structure went beyond MIME_BOUNDS; what followed was not passed on. */
  tooComplex: boolean;
}

/**
 * A cheap, bounded pass over a message's MIME structure, in front of
 * mailparser. It follows boundaries and embedded messages the way mailparser's
 * splitter does (a delimiter of any open multipart ends everything below it),
 * counting depth and parts. When the tree grows beyond the bounds, nothing more
 * is passed on: the parser reads the message up to there (what text could be
 * read), and `shape.tooComplex` tells the caller to say so. The input is still
 * read to its end, so a POP3 connection is left in order.
 *
 * On the way it repairs RFC 2047 words in header lines (see encoded-words.ts),
 * which mailparser would decode wrongly; bodies pass byte for byte.
 */
export class MimeGuard extends Transform {
  readonly shape: MimeShape = { depth: 1, parts: 1, tooComplex: false };
  private readonly bounds: { maxDepth: number; maxParts: number };
  private readonly open: OpenMultipart[] = [];
  private inHeader = true;
  private nodeDepth = 1;
  private headCost = 0;
  /** Shape headers of the current header block, by lowercase name. */
  private fields = new Map<string, string>();
  /** The shape header a folded line continues, if any. */
  private lastField: string | null = null;
  /** Start of an unfinished line held back from the last chunk. */
  private carry: Buffer | null = null;
  /** The rest of the current line was passed on already: it cannot be a delimiter. */
  private skipRestOfLine = false;

  constructor(bounds: { maxDepth: number; maxParts: number } = MIME_BOUNDS) {
    super();
    this.bounds = bounds;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.shape.tooComplex) return callback();
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    let passFrom = 0;
    let start = 0;
    while (start < data.length && !this.shape.tooComplex) {
      const lf = data.indexOf(LF, start);
      if (lf < 0) break;
      const end = lf + 1;
      if (this.skipRestOfLine) {
        this.skipRestOfLine = false;
      } else {
        const replacement = this.line(data.subarray(start, end));
        if (this.shape.tooComplex) {
          if (start > passFrom) this.push(data.subarray(passFrom, start));
          passFrom = data.length;
          break;
        }
        if (replacement) {
          if (start > passFrom) this.push(data.subarray(passFrom, start));
          this.push(replacement);
          passFrom = end;
        }
      }
      start = end;
    }
    if (!this.shape.tooComplex && start < data.length) {
      // An unfinished line: held back while it could still be a delimiter or a header line, else passed on.
      const rest = data.subarray(start);
      if (this.skipRestOfLine || !this.mayHold(rest)) {
        this.skipRestOfLine = true;
      } else {
        if (start > passFrom) this.push(data.subarray(passFrom, start));
        this.carry = Buffer.from(rest);
        passFrom = data.length;
      }
    }
    if (passFrom < data.length) this.push(data.subarray(passFrom));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.carry && !this.shape.tooComplex) {
      const last = this.carry;
      this.carry = null;
      const replacement = this.line(last);
      if (!this.shape.tooComplex) this.push(replacement ?? last);
    }
    // Also after a trip: the parser must not be left inside a header block (see closeHeaders).
    const close = this.closeHeaders();
    if (close) this.push(close);
    callback();
  }

  /**
   * Ends every header block left open, as a blank line would. mailparser's
   * splitter never finishes (no 'end', no error: the read hangs) when an
   * inline message/rfc822 part ends before its own header block does, at a
   * delimiter or at the end of the input (`--b\nContent-Type: message/rfc822\n
   * Content-Disposition: inline\n\n--b--`). A blank line there means what the
   * sender wrote: a part with these headers and an empty body.
   */
  private closeHeaders(): Buffer | undefined {
    let blanks = 0;
    while (this.inHeader && blanks <= this.bounds.maxDepth + 1) {
      this.endOfHeader();
      blanks++;
    }
    return blanks === 0 ? undefined : Buffer.from('\n'.repeat(blanks), 'latin1');
  }

  private mayHold(partial: Buffer): boolean {
    if (this.inHeader) return this.headCost + partial.length <= MAX_HEAD_COST;
    if (partial.length >= 1 && partial[0] !== DASH) return false;
    if (partial.length >= 2 && partial[1] !== DASH) return false;
    return partial.length <= this.longestBoundary() + DELIMITER_OVERHEAD;
  }

  private longestBoundary(): number {
    let longest = 0;
    for (const { boundary } of this.open) longest = Math.max(longest, boundary.length);
    return longest;
  }

  /** One line, with its LF (the last line of the input may lack it). Returns replacement bytes for a repaired header line. */
  private line(line: Buffer): Buffer | undefined {
    const delimiter = line.length >= 3 && line[0] === DASH && line[1] === DASH && this.open.length > 0 ? this.matchDelimiter(line) : null;
    if (delimiter) {
      const close = this.inHeader ? this.closeHeaders() : undefined;
      this.applyDelimiter(delimiter);
      return close ? Buffer.concat([close, line]) : undefined;
    }
    if (!this.inHeader) return undefined;

    const length = line.length;
    const blank = (length === 1 && line[0] === LF) || (length === 2 && line[0] === CR && line[1] === LF) || length === 0;
    this.headCost += blank ? length : Math.max(length, MIN_LINE_COST);
    if (this.headCost > MAX_HEAD_COST) return this.trip();
    if (blank) {
      this.endOfHeader();
      return undefined;
    }
    const text = line.toString('latin1');
    const folded = text.charCodeAt(0) === 0x20 || text.charCodeAt(0) === 0x09;
    if (!folded) {
      const field = SHAPE_FIELD.exec(text)?.[1]?.toLowerCase() ?? null;
      // The first of each counts, as for mailparser.
      this.lastField = field !== null && !this.fields.has(field) ? field : null;
      if (this.lastField !== null) this.fields.set(this.lastField, '');
    }
    if (this.lastField !== null) {
      const value = (folded ? text : text.slice(text.indexOf(':') + 1)).replace(/\r?\n$/, '');
      const sofar = this.fields.get(this.lastField) ?? '';
      if (sofar.length < MAX_FIELD_TEXT) this.fields.set(this.lastField, sofar + value);
    }
    return needsRepair(text) ? Buffer.from(repairEncodedWords(text), 'latin1') : undefined;
  }

  /** A delimiter of an open multipart (innermost first): which one, and whether it closes it. */
  private matchDelimiter(line: Buffer): { index: number; closing: boolean } | null {
    let end = line.length;
    while (end > 2 && (line[end - 1] === LF || line[end - 1] === CR || line[end - 1] === 0x20 || line[end - 1] === 0x09)) end--;
    const text = line.toString('latin1', 2, end);
    for (let index = this.open.length - 1; index >= 0; index--) {
      const { boundary } = this.open[index]!;
      if (text === boundary) return { index, closing: false };
      if (text === `${boundary}--`) return { index, closing: true };
    }
    return null;
  }

  /** A delimiter starts a sibling part, or closes its multipart (and everything open below it). */
  private applyDelimiter({ index, closing }: { index: number; closing: boolean }): void {
    const owner = this.open[index]!;
    if (closing) {
      this.open.length = index;
      this.inHeader = false;
    } else {
      this.open.length = index + 1;
      this.startNode(owner.depth + 1);
    }
  }

  private endOfHeader(): void {
    this.inHeader = false;
    const fields = this.fields;
    this.fields = new Map();
    this.lastField = null;
    const contentType = fields.get('content-type');
    if (contentType === undefined) return;
    const parsed = mime.parseHeaderValue(contentType, { stripComments: true });
    const type = String(parsed.value ?? '').toLowerCase().trim();
    const boundary = (parsed.params.boundary ?? '').trimEnd();
    if (type.startsWith('multipart/') && boundary && /^[\x00-\x7f]*$/.test(boundary)) {
      this.open.push({ boundary, depth: this.nodeDepth });
    } else if (type === 'message/rfc822' && this.embedded(fields)) {
      // The body is a message of its own, one level down: its header block comes next.
      this.startNode(this.nodeDepth + 1);
    }
  }

  /**
   * Whether mailparser's splitter reads a message/rfc822 part as a message of
   * its own: only inline and unencoded. Otherwise its body is an opaque attachment.
   */
  private embedded(fields: Map<string, string>): boolean {
    const encoding = (fields.get('content-transfer-encoding') ?? '').trim().toLowerCase();
    if (encoding && !['7bit', '8bit', 'binary'].includes(encoding)) return false;
    const disposition = fields.get('content-disposition');
    return disposition !== undefined && String(mime.parseHeaderValue(disposition).value ?? '').trim().toLowerCase() === 'inline';
  }

  private startNode(depth: number): void {
    this.nodeDepth = depth;
    this.inHeader = true;
    this.headCost = 0;
    this.fields = new Map();
    this.lastField = null;
    this.shape.parts += 1;
    this.shape.depth = Math.max(this.shape.depth, depth);
    if (this.shape.depth > this.bounds.maxDepth || this.shape.parts > this.bounds.maxParts) this.trip();
  }

  private trip(): undefined {
    this.shape.tooComplex = true;
    this.carry = null;
    return undefined;
  }
}
