import { Pop3Error } from './errors';
import { printable } from './status-line';

/** Wire types: exactly what POP3 says, nothing the app invents. */
export interface MaildropStat {
  count: number;
  size: number;
}
export interface ListEntry {
  number: number;
  size: number;
}
export interface UidlEntry {
  number: number;
  uid: string;
  /** False when the UID breaks RFC 1939 (length, characters) or repeats: do not use it as an identity. */
  valid: boolean;
}

export interface Capabilities {
  /** Raw capability names, upper-cased, in server order. */
  names: string[];
  top: boolean;
  user: boolean;
  uidl: boolean;
  pipelining: boolean;
  respCodes: boolean;
  authRespCode: boolean;
  stls: boolean;
  utf8: boolean;
  sasl: string[];
  /** Seconds the server wants between logins, when LOGIN-DELAY is advertised. */
  loginDelaySeconds?: number;
  /**
   * RFC 2449 EXPIRE: days a retrieved message stays on the server (0: it may
   * go at once, as Gmail says), 'never', or undefined when not advertised.
   */
  expire?: number | 'never';
  /** `EXPIRE n USER` before login: the value differs per user; CAPA after login tells the real one. */
  expirePerUser?: true;
  implementation?: string;
}

const DIGITS = /^[0-9]{1,15}$/;

export function parseCount(token: string | undefined, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (token === undefined || !DIGITS.test(token)) {
    throw new Pop3Error('PROTOCOL_ERROR', `The server sent a malformed ${what}.`, {
      response: printable(token ?? '', 40),
    });
  }
  const value = Number(token);
  if (value > max) {
    throw new Pop3Error('PROTOCOL_ERROR', `The server sent an absurd ${what}.`, { response: token });
  }
  return value;
}

/** `+OK nn mm` — the text after `+OK `. */
export function parseStat(text: string, max?: number): MaildropStat {
  const [count, size] = text.trim().split(/\s+/);
  return { count: parseCount(count, 'message count', max), size: parseCount(size, 'maildrop size', max) };
}

/** The usual shape of a LIST line, matched in one step (a listing can have 10,000 of them). */
const LIST_LINE = /^[ \t]*([0-9]{1,15})[ \t]+([0-9]{1,15})(?:[ \t]|$)/;

/** `n size` — one LIST line, or the text of `+OK n size` for `LIST n`. */
export function parseListLine(line: string, max = Number.MAX_SAFE_INTEGER): ListEntry {
  const usual = LIST_LINE.exec(line);
  if (usual) {
    const entry = { number: Number(usual[1]), size: Number(usual[2]) };
    if (entry.number >= 1 && entry.number <= max && entry.size <= max) return entry;
  }
  // Anything else gets the careful path, and its precise error.
  const [number, size] = line.trim().split(/\s+/);
  const entry = { number: parseCount(number, 'message number', max), size: parseCount(size, 'message size', max) };
  if (entry.number < 1) throw new Pop3Error('PROTOCOL_ERROR', 'The server sent message number 0.');
  return entry;
}

const UID_SHAPE = /^[\x21-\x7e]{1,70}$/;

/** The usual shape of a UIDL line with a well-formed UID. */
const UIDL_LINE = /^[ \t]*([0-9]{1,15})[ \t]+([\x21-\x7e]{1,70})[ \t]*$/;

/** `n uid` — one UIDL line. The UID is checked but kept; `valid` says whether to trust it. */
export function parseUidlLine(line: string, max = Number.MAX_SAFE_INTEGER): UidlEntry {
  const usual = UIDL_LINE.exec(line);
  if (usual) {
    const number = Number(usual[1]);
    if (number >= 1 && number <= max) return { number, uid: usual[2]!, valid: true };
  }
  const trimmed = line.trim();
  const space = trimmed.search(/\s/);
  if (space < 0) throw new Pop3Error('PROTOCOL_ERROR', 'The server sent a malformed UIDL line.', { response: printable(trimmed, 80) });
  const number = parseCount(trimmed.slice(0, space), 'message number', max);
  if (number < 1) throw new Pop3Error('PROTOCOL_ERROR', 'The server sent message number 0.');
  const uid = trimmed.slice(space).trim();
  return { number, uid, valid: UID_SHAPE.test(uid) };
}

/** Marks every UID that occurs more than once as invalid, in place, and returns the list. */
export function markDuplicateUids(entries: UidlEntry[]): UidlEntry[] {
  const seen = new Map<string, number>();
  for (const entry of entries) seen.set(entry.uid, (seen.get(entry.uid) ?? 0) + 1);
  for (const entry of entries) if ((seen.get(entry.uid) ?? 0) > 1) entry.valid = false;
  return entries;
}

export function emptyCapabilities(): Capabilities {
  return {
    names: [],
    top: false,
    user: false,
    uidl: false,
    pipelining: false,
    respCodes: false,
    authRespCode: false,
    stls: false,
    utf8: false,
    sasl: [],
  };
}

/** The lines of a CAPA reply. Unknown capabilities are kept by name and otherwise ignored. */
export function parseCapabilities(lines: string[]): Capabilities {
  const caps = emptyCapabilities();
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    const [nameToken = '', ...args] = line.split(/\s+/);
    const name = nameToken.toUpperCase();
    caps.names.push(name);
    switch (name) {
      case 'TOP': caps.top = true; break;
      case 'USER': caps.user = true; break;
      case 'UIDL': caps.uidl = true; break;
      case 'PIPELINING': caps.pipelining = true; break;
      case 'RESP-CODES': caps.respCodes = true; break;
      case 'AUTH-RESP-CODE': caps.authRespCode = true; break;
      case 'STLS': caps.stls = true; break;
      case 'UTF8': caps.utf8 = true; break;
      case 'SASL': caps.sasl = args.map((a) => a.toUpperCase()); break;
      case 'IMPLEMENTATION': caps.implementation = printable(args.join(' '), 120); break;
      case 'LOGIN-DELAY': {
        const seconds = args[0] && /^[0-9]{1,9}$/.test(args[0]) ? Number(args[0]) : undefined;
        if (seconds !== undefined) caps.loginDelaySeconds = seconds;
        break;
      }
      default: {
        // EXPIRE (`EXPIRE 0`, `EXPIRE 31`, `EXPIRE NEVER`, `EXPIRE 31 USER`), and the run-together
        // spellings seen in the wild: EXPIRENEVER, and GNU Mailutils's `EXPIRE30`.
        const expire = /^EXPIRE(NEVER|[0-9]{1,9})?$/.exec(name);
        if (expire) {
          const rest = expire[1] ? args : args.slice(1);
          const value = (expire[1] ?? args[0] ?? '').toUpperCase();
          if (value === 'NEVER') caps.expire = 'never';
          else if (/^[0-9]{1,9}$/.test(value)) caps.expire = Number(value);
          if (caps.expire !== undefined && rest[0]?.toUpperCase() === 'USER') caps.expirePerUser = true;
        }
      }
    }
  }
  return caps;
}

/**
 * The APOP timestamp is the first `<...>` in the greeting (RFC 1939 §7).
 * One forward scan, bounded: no regex backtracking on hostile greetings.
 */
export function extractApopTimestamp(greeting: string): string | undefined {
  const open = greeting.indexOf('<');
  if (open < 0) return undefined;
  const close = greeting.indexOf('>', open + 1);
  if (close < 0 || close - open > 256) return undefined;
  const stamp = greeting.slice(open, close + 1);
  // msg-id shape: printable, no spaces or nested brackets, with an @.
  if (!/^<[\x21-\x3b\x3d\x3f-\x7e]+>$/.test(stamp) || !stamp.includes('@')) return undefined;
  return stamp;
}
