'use client';

import { useEffect, useRef, useState } from 'react';
import { signInFailureSentence, type OAuthProviderInfo, type SignInFailure } from './oauth-sign-in';

export { providerFor, type OAuthProviderInfo } from './oauth-sign-in';

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

/**
 * "Sign in with …" buttons, one per provider the server has configured. Each
 * is a plain link: the server sends the browser on to the provider and back,
 * and the tokens never reach this page.
 */
export function OAuthButtons({ providers, suggested }: { providers: OAuthProviderInfo[]; suggested?: string }) {
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
          aria-describedby={provider.name === suggested ? 'oauth-suggestion' : undefined}
          className={`btn ${provider.name === suggested ? 'btn-primary' : 'btn-secondary'} flex w-full justify-center py-2.5`}
        >
          Sign in with {provider.label}
        </a>
      ))}
      {suggested ? (
        <p id="oauth-suggestion" className="text-sm text-slate-700 dark:text-slate-300">
          This mailbox needs its provider&apos;s sign-in: use the button above instead of a password.
        </p>
      ) : null}
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
