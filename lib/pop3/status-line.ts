import { Pop3Error, type Pop3ErrorCode } from './errors';

/** One decoded status line: `+OK text`, `-ERR [CODE] text` or a SASL `+ challenge`. */
export type StatusLine =
  | { kind: 'ok'; text: string }
  | { kind: 'err'; text: string; respCode?: string }
  | { kind: 'continue'; text: string };

/**
 * Status lines are the only part of a reply decoded as text. Bytes outside
 * printable ASCII are kept as latin1 so nothing throws; the caller treats the
 * text as informative only.
 */
export function parseStatusLine(line: Buffer, scrub: (text: string) => string = (text) => text): StatusLine {
  // `scrub` removes secrets the server may have echoed, before the text reaches any error or transcript.
  const text = scrub(stripLineEnd(line).toString('latin1'));
  if (text === '+OK' || text.startsWith('+OK ')) return { kind: 'ok', text: text.slice(4) };
  if (text === '-ERR' || text.startsWith('-ERR ')) {
    const rest = text.slice(5);
    const match = /^\[([A-Za-z0-9/-]{1,64})\]\s?/.exec(rest);
    if (match && match[1]) return { kind: 'err', text: rest.slice(match[0].length), respCode: match[1].toUpperCase() };
    return { kind: 'err', text: rest };
  }
  if (text === '+' || text.startsWith('+ ')) return { kind: 'continue', text: text.slice(2) };
  throw new Pop3Error('PROTOCOL_ERROR', 'The server sent a reply that is not POP3.', {
    response: printable(text, 80),
  });
}

export function stripLineEnd(line: Buffer): Buffer {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end);
}

/** A safe excerpt of server text for errors and logs: printable ASCII only, bounded. */
export function printable(text: string, max: number): string {
  const cleaned = text.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > max ? `${cleaned.slice(0, max)}…` : cleaned;
}

/** Which typed error a -ERR becomes, from its RFC 2449 / RFC 3206 response code. */
export function errorCodeFor(respCode: string | undefined, duringAuth: boolean): Pop3ErrorCode {
  switch (respCode) {
    case 'IN-USE':
      return 'IN_USE';
    case 'LOGIN-DELAY':
      return 'LOGIN_DELAY';
    case 'SYS/TEMP':
      return 'SYS_TEMP';
    case 'SYS/PERM':
      return 'SYS_PERM';
    case 'AUTH':
      return 'AUTH_FAILED';
    default:
      return duringAuth ? 'AUTH_FAILED' : 'COMMAND_FAILED';
  }
}
