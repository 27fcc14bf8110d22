import type { ApiError, ApiErrorCode } from './api-client';

/** Which part of the login form an error concerns, so the sentence can sit next to it. */
export type LoginField = 'host' | 'port' | 'security' | 'username' | 'password' | 'allowInsecure' | 'form';

function wait(seconds: number | null): string {
  if (seconds === null || seconds <= 0) return 'a moment';
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

/** One helpful sentence for every error code in docs/API.md. */
export function errorSentence(error: ApiError): string {
  const code: ApiErrorCode = error.code;
  switch (code) {
    case 'INVALID_INPUT':
      return error.message || 'Something in the request was not valid. Check the fields and try again.';
    case 'NO_SESSION':
      return 'Your session has ended (it was idle too long, or the server restarted). Please log in again.';
    case 'AUTH_FAILED':
      // A provider that said why (app password, web login, OAuth only): the server's sentence says what to do.
      return error.hint && error.message ? error.message : 'The server refused the user name or password.';
    case 'HOST_NOT_ALLOWED':
      // The server's sentence says which: "This server is not allowed here." or "Port 25 is not allowed here; allowed: 110, 995."
      return error.message || 'This server is not allowed here.';
    case 'CSRF_REJECTED':
      return 'The request was refused because it did not come from this page. Reload the page and try again.';
    case 'INSECURE_AUTH':
      return 'A plain connection sends your password unencrypted. Tick the box to accept that, or choose TLS.';
    case 'MESSAGE_NOT_FOUND':
      // The server's sentence says which: gone from the mailbox, or marked for deletion here.
      return error.message || 'That message is no longer in the mailbox (it may have been deleted elsewhere). Refresh the inbox.';
    case 'ATTACHMENT_NOT_FOUND':
      return 'That attachment could not be found in the message.';
    case 'NOT_FOUND':
      return 'This page asked Postern for something it does not offer. Reload the page and try again.';
    case 'REAUTH_REQUIRED':
      return 'Your sign-in with the mail provider has expired or was withdrawn. Please sign in again.';
    case 'OAUTH_FAILED':
      return error.message || 'The sign-in with the mail provider did not complete. Try again.';
    case 'MESSAGE_TOO_COMPLEX':
      return error.message || 'This message is built in a way too complex to display. You can still read its source or download it.';
    case 'MESSAGE_TOO_LARGE':
      return 'This message is too large to display here. You can still download it whole with “Download .eml”.';
    case 'MAILBOX_IN_USE':
      return 'The mailbox is in use by another program — try again in a minute.';
    case 'LOGIN_DELAY':
      return `The server asks for a pause between logins — try again in ${wait(error.retryAfter)}.`;
    case 'RATE_LIMITED':
      return `Too many login attempts — wait ${wait(error.retryAfter)} and try again.`;
    case 'UNSUPPORTED':
      return 'The server does not support what this needs (for example, it offers no STARTTLS). Try another security mode.';
    case 'CONNECT_FAILED':
      // The server's sentence says which: a name not found, nobody answering, a connection lost.
      return error.message || 'The mail server could not be reached. Check the host name and port.';
    case 'TLS_FAILED':
      // Likewise: a certificate not trusted, a port that does not speak TLS, STLS refused.
      return error.message || 'A secure connection could not be set up: the certificate was not trusted or the server refused TLS.';
    case 'PROTOCOL_ERROR':
      // The server's sentence tells what it did (sent garbage, hung up at login); the hint is the same.
      return error.message ? `${error.message} Check the port and the security mode.` : 'That does not look like a POP3 server. Check the port.';
    case 'SERVER_ERROR':
      return 'The mail server reported an error. Try again in a little while.';
    case 'TIMEOUT':
      return 'The mail server did not answer in time. Try again.';
    case 'INTERNAL_ERROR':
      return 'Something went wrong in Postern itself. Try again; if it keeps happening, tell whoever runs it.';
    case 'PAYLOAD_TOO_LARGE':
      return 'That request was too large for Postern. Select fewer messages and try again.';
    case 'SERVICE_BUSY':
      return 'Postern is busy with too many sessions right now. Try again in a minute.';
    case 'STORE_UNAVAILABLE':
      return 'Postern cannot reach its session storage right now. Nothing was changed: try again in a few seconds.';
    case 'NETWORK_ERROR':
      return 'Postern could not be reached. Check your connection and try again.';
    case 'BAD_RESPONSE':
      return 'Postern sent an answer this page did not understand. Reload the page and try again.';
  }
}

/**
 * Whether asking again the same way can succeed: a server that was busy, slow or briefly gone may
 * answer next time; a message that is gone, marked for deletion, too large or too complex will not,
 * and neither will a request refused for what it is (a Retry button there only fails again).
 */
export function retryCanHelp(code: ApiErrorCode): boolean {
  switch (code) {
    case 'MAILBOX_IN_USE':
    case 'LOGIN_DELAY':
    case 'RATE_LIMITED':
    case 'CONNECT_FAILED':
    case 'TLS_FAILED':
    case 'PROTOCOL_ERROR':
    case 'SERVER_ERROR':
    case 'TIMEOUT':
    case 'SERVICE_BUSY':
    case 'STORE_UNAVAILABLE':
    case 'INTERNAL_ERROR':
    case 'NETWORK_ERROR':
      return true;
    case 'INVALID_INPUT':
    case 'NO_SESSION':
    case 'AUTH_FAILED':
    case 'REAUTH_REQUIRED':
    case 'OAUTH_FAILED':
    case 'HOST_NOT_ALLOWED':
    case 'CSRF_REJECTED':
    case 'INSECURE_AUTH':
    case 'MESSAGE_NOT_FOUND':
    case 'ATTACHMENT_NOT_FOUND':
    case 'NOT_FOUND':
    case 'MESSAGE_TOO_LARGE':
    case 'MESSAGE_TOO_COMPLEX':
    case 'PAYLOAD_TOO_LARGE':
    case 'UNSUPPORTED':
    case 'BAD_RESPONSE':
      return false;
  }
}

/** Where on the login form an error belongs. */
export function loginFieldFor(error: ApiError): LoginField {
  switch (error.code) {
    case 'AUTH_FAILED':
      return 'password';
    case 'HOST_NOT_ALLOWED':
      return error.hint === 'change-port' ? 'port' : 'host';
    case 'CONNECT_FAILED':
    case 'TIMEOUT':
      return 'host';
    case 'PROTOCOL_ERROR':
      return 'port';
    case 'TLS_FAILED':
    case 'UNSUPPORTED':
      return 'security';
    case 'INSECURE_AUTH':
      return 'allowInsecure';
    default:
      return 'form';
  }
}
