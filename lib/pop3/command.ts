import { Pop3Error } from './errors';

/** A command as the client queues it: what goes on the wire and what may be shown. */
export interface WireCommand {
  /** The full line, CRLF included. */
  line: string;
  /** The same with secrets replaced, for errors and transcripts. */
  redacted: string;
  /** The POP3 verb, upper-case. */
  verb: string;
}

const FORBIDDEN = /[\r\n\0]/;
const MAX_LINE = 2048;

/**
 * Builds a command line. CR, LF and NUL in any argument are refused before
 * anything is sent: they would let a user name smuggle in a second command.
 * `secretArgs` lists argument positions that never appear in `redacted`.
 */
export function buildCommand(verb: string, args: readonly string[] = [], secretArgs: readonly number[] = []): WireCommand {
  for (const arg of args) {
    if (FORBIDDEN.test(arg)) {
      throw new Pop3Error('INVALID_ARGUMENT', `A ${verb} argument contains a line break or NUL character.`);
    }
    if (arg.length === 0 || /^\s|\s$/.test(arg)) {
      throw new Pop3Error('INVALID_ARGUMENT', `A ${verb} argument is empty or has surrounding spaces.`);
    }
  }
  // A page of headers is hundreds of `TOP n 0`: the common case builds each line once, and measures it only when it could be long.
  const line = args.length === 0 ? verb : `${verb} ${args.join(' ')}`;
  if (line.length * 3 > MAX_LINE && Buffer.byteLength(line) > MAX_LINE) throw new Pop3Error('INVALID_ARGUMENT', `The ${verb} command is too long.`);
  const redacted = secretArgs.length === 0 ? line : [verb, ...args.map((arg, i) => (secretArgs.includes(i) ? '********' : arg))].join(' ');
  return { line: `${line}\r\n`, redacted, verb };
}

/** Message numbers and line counts are positive decimal integers (lines may be 0). */
export function numberArg(value: number, what: string, min = 1): string {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Pop3Error('INVALID_ARGUMENT', `${what} must be a whole number of at least ${min}.`);
  }
  return String(value);
}
