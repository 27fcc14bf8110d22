/**
 * The app's typed errors, shared by every layer above the POP3 client
 * (mail, server, security, http). Each code decides what the person sees;
 * the HTTP status of each code lives in `lib/http/status.ts`.
 */
import { isPop3Error, type Pop3Error, type Pop3ErrorCode } from './pop3';
import { explainAuthRefusal, type AuthHint } from './pop3/provider-answers';

export type { AuthHint };
/** What the person should do next, machine-readable: a provider's answer to a login, or another port. */
export type ErrorHint = AuthHint | 'change-port';

export type AppErrorCode =
  | 'INVALID_INPUT'
  | 'NO_SESSION'
  | 'AUTH_FAILED'
  /** An OAuth sign-in can no longer be renewed (refresh refused, grant revoked): sign in again. */
  | 'REAUTH_REQUIRED'
  /** The OAuth provider refused or failed the sign-in itself. */
  | 'OAUTH_FAILED'
  | 'HOST_NOT_ALLOWED'
  | 'CSRF_REJECTED'
  | 'INSECURE_AUTH'
  | 'MESSAGE_NOT_FOUND'
  | 'ATTACHMENT_NOT_FOUND'
  /** No API route at that address. */
  | 'NOT_FOUND'
  | 'MESSAGE_TOO_LARGE'
  /** A message whose MIME structure is beyond the parser's bounds (depth, width): the source view still works. */
  | 'MESSAGE_TOO_COMPLEX'
  | 'PAYLOAD_TOO_LARGE'
  | 'MAILBOX_IN_USE'
  | 'LOGIN_DELAY'
  | 'RATE_LIMITED'
  | 'UNSUPPORTED'
  | 'CONNECT_FAILED'
  | 'TLS_FAILED'
  | 'PROTOCOL_ERROR'
  | 'SERVER_ERROR'
  | 'TIMEOUT'
  | 'SERVICE_BUSY'
  /** The shared session store (Redis) cannot be reached: nothing was changed; try again shortly. */
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export class AppError extends Error {
  readonly code: AppErrorCode;
  /** Seconds, for 429s. */
  readonly retryAfter?: number;
  /** What the person should do next, machine-readable (e.g. show "Sign in with Microsoft"). */
  readonly hint?: ErrorHint;

  constructor(code: AppErrorCode, message: string, options: { retryAfter?: number; hint?: ErrorHint; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.hint = options.hint;
  }
}

const FROM_POP3: Record<Pop3ErrorCode, { code: AppErrorCode; message: string }> = {
  COMMAND_FAILED: { code: 'SERVER_ERROR', message: 'The mail server reported an error.' },
  AUTH_FAILED: { code: 'AUTH_FAILED', message: 'The mail server refused the user name or password.' },
  IN_USE: { code: 'MAILBOX_IN_USE', message: 'The mailbox is in use by another program. Try again in a minute.' },
  LOGIN_DELAY: { code: 'LOGIN_DELAY', message: 'The mail server asks to wait before logging in again.' },
  SYS_TEMP: { code: 'SERVER_ERROR', message: 'The mail server has a temporary problem. Try again later.' },
  SYS_PERM: { code: 'SERVER_ERROR', message: 'The mail server reported a permanent problem with this mailbox.' },
  UNSUPPORTED: { code: 'UNSUPPORTED', message: 'The mail server does not support what this needs.' },
  INSECURE_AUTH: { code: 'INSECURE_AUTH', message: 'The password would travel unencrypted; choose TLS or STARTTLS, or accept a plain connection explicitly.' },
  INVALID_ARGUMENT: { code: 'INVALID_INPUT', message: 'A value contains characters that cannot be sent to a mail server.' },
  CONNECT_FAILED: { code: 'CONNECT_FAILED', message: 'The mail server could not be reached.' },
  TLS_FAILED: { code: 'TLS_FAILED', message: 'A secure connection to the mail server could not be made.' },
  PROTOCOL_ERROR: { code: 'PROTOCOL_ERROR', message: 'The mail server sent something that is not POP3.' },
  LIMIT_EXCEEDED: { code: 'PROTOCOL_ERROR', message: 'The mail server sent more than this app accepts.' },
  TIMEOUT: { code: 'TIMEOUT', message: 'The mail server did not answer in time.' },
  CLOSED: { code: 'CONNECT_FAILED', message: 'The connection to the mail server was lost.' },
  // Reached, then dropped before the login was done: what the server did, not a failure to reach it.
  CLOSED_DURING_LOGIN: { code: 'PROTOCOL_ERROR', message: 'The mail server closed the connection before the login was complete.' },
};

/** Maps anything thrown to an AppError. Pop3 messages are written for people already; keep theirs when specific. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isPop3Error(error)) return fromPop3(error);
  if (isStoreOutage(error)) {
    return new AppError('STORE_UNAVAILABLE', 'Postern cannot reach its session storage right now. Nothing was changed: try again in a few seconds.', { retryAfter: 5, cause: error });
  }
  return new AppError('INTERNAL_ERROR', 'Something went wrong on our side.', { cause: error });
}

/**
 * The shared store's client (ioredis) saying Redis could not be reached or cannot serve now, as opposed to an
 * answer about the request: a command that gave up after its reconnects, one sent on a connection that has ended,
 * one not answered within its timeout, and Redis's own "not now" replies (loading its data after a restart, a
 * replica after a failover). Known by ioredis's and Redis's own words for those: ioredis's error classes are not
 * exported, and their names do not survive the production build's minifier; this module imports nothing of it.
 */
function isStoreOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { message } = error;
  return (
    message.startsWith('Reached the max retries per request limit') ||
    message === 'Connection is closed.' ||
    message === 'Command timed out' ||
    /^(LOADING|READONLY|MASTERDOWN|TRYAGAIN) /.test(message)
  );
}

function fromPop3(error: Pop3Error): AppError {
  if (error.code === 'AUTH_FAILED') {
    // A provider that said why (app password, web login, OAuth only) gets its sentence and a hint.
    const answer = explainAuthRefusal(error.response);
    if (answer) return new AppError('AUTH_FAILED', answer.message, { hint: answer.hint, cause: error });
    if (error.oauth) return new AppError('AUTH_FAILED', 'The mail server refused the sign-in. Please sign in again.', { cause: error });
  }
  const mapped = FROM_POP3[error.code];
  const specific = ['UNSUPPORTED', 'TLS_FAILED', 'TIMEOUT', 'CONNECT_FAILED', 'INSECURE_AUTH'].includes(error.code);
  return new AppError(mapped.code, specific ? error.message : mapped.message, { cause: error });
}
