import type { OAuthRefusal } from './auth';

/**
 * Two kinds of failure. A `-ERR` reply fails one command and the client lives
 * on (`fatal: false`). Everything else (garbage, a broken limit, a timeout, a
 * socket error) is fatal: the client is closed and every command in flight is
 * rejected with the same error.
 */
export type Pop3ErrorCode =
  /** The server answered -ERR (no more specific response code). */
  | 'COMMAND_FAILED'
  /** Authentication refused: wrong credentials or [AUTH]. */
  | 'AUTH_FAILED'
  /** [IN-USE]: another session holds the maildrop lock. */
  | 'IN_USE'
  /** [LOGIN-DELAY]: logged in again too soon. */
  | 'LOGIN_DELAY'
  /** [SYS/TEMP]: a temporary server-side problem. */
  | 'SYS_TEMP'
  /** [SYS/PERM]: a permanent server-side problem. */
  | 'SYS_PERM'
  /** The server does not offer what was asked for (STLS, a SASL mechanism, TOP...). */
  | 'UNSUPPORTED'
  /** Refused locally: credentials would travel in the clear. */
  | 'INSECURE_AUTH'
  /** A caller passed an argument that cannot be sent (CR, LF, NUL, bad number). */
  | 'INVALID_ARGUMENT'
  /** TCP connection could not be made. */
  | 'CONNECT_FAILED'
  /** TLS handshake or certificate check failed, or STLS was refused. */
  | 'TLS_FAILED'
  /** The server sent something that is not POP3. */
  | 'PROTOCOL_ERROR'
  /** A reply exceeded a size bound. */
  | 'LIMIT_EXCEEDED'
  /** A deadline passed. */
  | 'TIMEOUT'
  /** The connection is closed (by either side) . */
  | 'CLOSED';

const FATAL: Record<Pop3ErrorCode, boolean> = {
  COMMAND_FAILED: false,
  AUTH_FAILED: false,
  IN_USE: false,
  LOGIN_DELAY: false,
  SYS_TEMP: false,
  SYS_PERM: false,
  UNSUPPORTED: false,
  INSECURE_AUTH: false,
  INVALID_ARGUMENT: false,
  CONNECT_FAILED: true,
  TLS_FAILED: true,
  PROTOCOL_ERROR: true,
  LIMIT_EXCEEDED: true,
  TIMEOUT: true,
  CLOSED: true,
};

export interface Pop3ErrorDetails {
  /** The command as it went on the wire, with secrets redacted. */
  command?: string;
  /** The server's reply text (never a request's secret). */
  response?: string;
  /** The RFC 2449 response code, e.g. "IN-USE", "SYS/TEMP". */
  respCode?: string;
  /** A refused OAuth token: what the server's error challenge said (status, scope). */
  oauth?: OAuthRefusal;
  cause?: unknown;
}

export class Pop3Error extends Error {
  readonly code: Pop3ErrorCode;
  readonly fatal: boolean;
  readonly command?: string;
  readonly response?: string;
  readonly respCode?: string;
  readonly oauth?: OAuthRefusal;

  constructor(code: Pop3ErrorCode, message: string, details: Pop3ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'Pop3Error';
    this.code = code;
    this.fatal = FATAL[code];
    this.command = details.command;
    this.response = details.response;
    this.respCode = details.respCode;
    this.oauth = details.oauth;
  }
}

export function isPop3Error(value: unknown): value is Pop3Error {
  return value instanceof Pop3Error;
}
