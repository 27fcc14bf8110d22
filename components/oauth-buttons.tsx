'use client';

import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiErrorCode } from './api-client';
import { errorSentence } from './error-messages';

export interface OAuthProviderInfo {
  name: string;
  label: string;
}

/** What the server's redirect back to `/?login_error=…` says (codes only, never free text). */
interface SignInFailure {
  code: string;
  provider: string;
  reason: string | null;
  retryAfter: number | null;
}

const QUERY_KEYS = ['login_error', 'provider', 'reason', 'retry_after'];

/** Reads a failed sign-in from the address bar once, and takes it out again (a reload must not repeat it). */
function takeFailureFromUrl(): SignInFailure | null {
  const url = new URL(window.location.href);
  const code = url.searchParams.get('login_error');
  if (!code) return null;
  const retry = Number(url.searchParams.get('retry_after'));
  const failure = {
    code,
    provider: url.searchParams.get('provider') ?? '',
    reason: url.searchParams.get('reason'),
    retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
  };
  for (const key of QUERY_KEYS) url.searchParams.delete(key);
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return failure;
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

/**
 * "Sign in with …" buttons, one per provider the server has configured. Each
 * is a plain link: the server sends the browser on to the provider and back,
 * and the tokens never reach this page.
 */
export function OAuthButtons({ providers }: { providers: OAuthProviderInfo[] }) {
  const [failure, setFailure] = useState<SignInFailure | null>(null);
  const alertRef = useRef<HTMLDivElement | null>(null);

  useEffect(() => setFailure(takeFailureFromUrl()), []);
  useEffect(() => {
    if (failure) alertRef.current?.focus();
  }, [failure]);

  if (providers.length === 0 && !failure) return null;
  const label = providers.find((p) => p.name === failure?.provider)?.label ?? 'your mail provider';

  return (
    <section aria-label="Sign in with your mail provider" className="mb-5 space-y-3">
      {failure ? (
        <div
          ref={alertRef}
          tabIndex={-1}
          role="alert"
          id="oauth-error"
          className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900 outline-none dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
        >
          {signInFailureSentence(failure, label)}
        </div>
      ) : null}
      {providers.map((provider) => (
        <a
          key={provider.name}
          href={`/api/oauth/${encodeURIComponent(provider.name)}/start`}
          className="btn btn-secondary flex w-full justify-center py-2.5"
        >
          Sign in with {provider.label}
        </a>
      ))}
      {providers.length > 0 ? (
        <p className="flex items-center gap-3 text-xs text-slate-600 dark:text-slate-400" aria-hidden="true">
          <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
          or log in with a password
          <span className="h-px flex-1 bg-slate-200 dark:bg-slate-700" />
        </p>
      ) : null}
    </section>
  );
}
