import { ApiError, type ApiErrorCode } from './api-client';
import { errorSentence } from './error-messages';

export interface OAuthProviderInfo {
  name: string;
  label: string;
  /** The provider's POP3 server. */
  host: string;
}

/** Hints (from a refused password login) that the provider's own sign-in is the way in. */
const SIGN_IN_HINTS = new Set(['oauth-required', 'app-password', 'web-login']);

/** The configured provider to offer after a password login to `host` was refused with `hint`. */
export function providerFor(providers: readonly OAuthProviderInfo[], host: string, hint: string | null): OAuthProviderInfo | undefined {
  if (!hint || !SIGN_IN_HINTS.has(hint)) return undefined;
  const wanted = host.trim().toLowerCase();
  return providers.find((provider) => provider.host.toLowerCase() === wanted);
}

/** What the server's redirect back to `/?login_error=…` says (codes only, never free text). */
export interface SignInFailure {
  code: string;
  provider: string;
  reason: string | null;
  retryAfter: number | null;
}

/** One sentence for a failed "Sign in with …", with what to do next. */
export function signInFailureSentence(failure: SignInFailure, label: string): string {
  switch (failure.code) {
    case 'OAUTH_FAILED':
      switch (failure.reason) {
        case 'denied':
          return `You did not allow Postern to use your ${label} mailbox, so nothing was signed in. To sign in, try again and allow access.`;
        case 'state':
          return `The sign-in with ${label} took too long or was started in another tab. Please try again.`;
        case 'username':
          return `${label} did not share your e-mail address, which Postern needs as your mailbox name. Allow it when ${label} asks, and try again.`;
        default:
          return `${label} could not complete the sign-in. Try again in a moment.`;
      }
    case 'AUTH_FAILED':
      return `The mail server refused the sign-in from ${label}. Check that POP access is turned on for this mailbox, then try again.`;
    case 'REAUTH_REQUIRED':
      return `Your sign-in with ${label} has expired or was withdrawn. Please sign in again.`;
    default:
      return errorSentence(new ApiError(failure.code as ApiErrorCode, '', 0, failure.retryAfter));
  }
}

