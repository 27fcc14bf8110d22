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

/**
 * A -ERR during login that is about the command, not the credentials: the
 * mechanism or form is not understood (Microsoft's `Protocol error.` for an
 * AUTH PLAIN initial response), or the command is not allowed here. Retrying
 * another way is safe; counting it as a guessed password is not.
 */
const NOT_ABOUT_CREDENTIALS =
  /protocol error|syntax error|command (is )?(not |un)(recogni[sz]ed|known|supported|implemented|available|allowed)|unknown command|unrecogni[sz]ed command|bad command|invalid command|not implemented|(mechanism|method).{0,40}(not supported|unsupported|unknown|not available|disabled)|(unsupported|unknown|unrecogni[sz]ed|invalid) (authentication |auth |sasl )?(mechanism|method|type|scheme)|authentication (mechanism|method) .{0,40}(not|un)supported|not supported|unsupported|apop (is )?(not (supported|available|enabled|allowed)|disabled|unavailable)/i;

/** A code/text pair is a refusal of the command rather than of the credentials. */
export function refusesCommandNotCredentials(text: string): boolean {
  return NOT_ABOUT_CREDENTIALS.test(text);
}

/**
 * Which typed error a -ERR becomes, from its RFC 2449 / RFC 3206 response code
 * and, during login, from what it says.
 *
 * During login, `[AUTH]` is a credential failure. Without a code, the text
 * decides: a refusal of the command itself ("Protocol error", "command not
 * recognized", "unsupported mechanism") is UNSUPPORTED, so a caller may try
 * another form and never counts it as a guess. Everything else stays
 * AUTH_FAILED, even on a server that advertised AUTH-RESP-CODE (which
 * promises `[AUTH]` on every credential failure, RFC 3206 §6): servers are
 * sloppy about that promise, and taking a wrong password for "try another
 * way" would hand out a second guess that nobody counts.
 */
export function errorCodeFor(respCode: string | undefined, duringAuth: boolean, text = ''): Pop3ErrorCode {
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
      if (!duringAuth) return 'COMMAND_FAILED';
      return refusesCommandNotCredentials(text) ? 'UNSUPPORTED' : 'AUTH_FAILED';
  }
}
