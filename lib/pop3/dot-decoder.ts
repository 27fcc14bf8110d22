import { Pop3Error } from './errors';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CR_BYTE = Buffer.from([CR]);
const LF_DOT = Buffer.from([LF, DOT]);

type State = 'lineStart' | 'inLine' | 'dot' | 'dotCr';

export interface DecodeResult {
  /** Unstuffed body bytes, as slices of the input where possible (no copies). */
  pieces: Buffer[];
  /** The terminating `.` line was seen. */
  done: boolean;
  /** Bytes after the terminator: the start of the next reply. */
  rest: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * The data mode of a POP3 stream: removes dot-stuffing and finds the
 * `CRLF.CRLF` terminator wherever chunk boundaries fall. Line ends are passed
 * through as received; a bare LF is accepted as a line end too. State that
 * straddles a boundary (line start, a pending `.`, a pending `.\r`) is kept
 * between calls, so every split of the same bytes decodes identically.
 */
export class DotDecoder {
  private state: State = 'lineStart';
  private lineBytes = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer): DecodeResult {
    const pieces: Buffer[] = [];
    let runStart = 0;
    let i = 0;
    const emitRun = (end: number) => {
      if (end > runStart) pieces.push(chunk.subarray(runStart, end));
    };

    while (i < chunk.length) {
      switch (this.state) {
        case 'lineStart': {
          if (chunk[i] === DOT) {
            emitRun(i);
            i += 1;
            runStart = i;
            this.state = 'dot';
          } else {
            this.state = 'inLine';
            this.lineBytes = 0;
          }
          break;
        }
        case 'dot': {
          const byte = chunk[i];
          if (byte === LF) return { pieces, done: true, rest: chunk.subarray(i + 1) };
          if (byte === CR) {
            i += 1;
            runStart = i;
            this.state = 'dotCr';
          } else {
            // A stuffed line: the leading dot is dropped, the rest is content.
            runStart = i;
            this.state = 'inLine';
            this.lineBytes = 0;
          }
          break;
        }
        case 'dotCr': {
          if (chunk[i] === LF) return { pieces, done: true, rest: chunk.subarray(i + 1) };
          // `.` `CR` then more: not a terminator; the CR we held back is content.
          pieces.push(CR_BYTE);
          runStart = i;
          this.state = 'inLine';
          this.lineBytes = 1;
          break;
        }
        case 'inLine': {
          // Nothing happens before the next LF that a dot follows: jump there at once. A 100 MB body is a
          // million lines; this is one native search per stuffed line, not a step per line.
          i = this.skipToDotLine(chunk, i);
          break;
        }
        default: {
          const unreachable: never = this.state;
          throw new Error(`unreachable decoder state ${String(unreachable)}`);
        }
      }
    }
    emitRun(chunk.length);
    return { pieces, done: false, rest: EMPTY };
  }

  /**
   * From inside a line at `from`: the index just past the next LF that a dot follows (state 'lineStart'),
   * or the chunk's end with the state of its last line. Throws when a line in between breaks the limit.
   */
  private skipToDotLine(chunk: Buffer, from: number): number {
    const lfDot = chunk.indexOf(LF_DOT, from);
    const stop = lfDot < 0 ? chunk.length : lfDot + 1;
    // No line in the stretch can break the limit when the whole stretch is within what is left of it.
    if (stop - from > this.maxLineBytes - this.lineBytes) this.checkLineLengths(chunk, from, stop);
    if (lfDot >= 0) {
      this.state = 'lineStart';
      return stop;
    }
    const lastLf = chunk.lastIndexOf(LF, chunk.length - 1);
    if (lastLf < from) this.lineBytes += chunk.length - from;
    else if (lastLf === chunk.length - 1) this.state = 'lineStart';
    else this.lineBytes = chunk.length - lastLf - 1;
    return chunk.length;
  }

  /**
   * Each line of `chunk[from, stop)` measured once against the limit (the first one counts what came of
   * it before `from`). Searching for the next dot line again from every line instead made a long listing
   * (UIDL of 10,000 messages, where every line is short but the stretch is long) cost its length squared.
   */
  private checkLineLengths(chunk: Buffer, from: number, stop: number): void {
    let start = from;
    let before = this.lineBytes;
    while (start < stop) {
      const lf = chunk.indexOf(LF, start);
      const end = lf < 0 || lf >= stop ? stop : lf;
      if (before + end - start > this.maxLineBytes) {
        throw new Pop3Error('LIMIT_EXCEEDED', `The server sent a line longer than ${this.maxLineBytes} bytes.`);
      }
      before = 0;
      start = end + 1;
    }
  }
}

/** Splits a decoded multi-line listing (CAPA, LIST, UIDL) into its lines, as text. */
export function splitListing(body: Buffer): string[] {
  const text = body.toString('latin1');
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
