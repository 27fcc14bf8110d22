'use client';

import type { ApiError } from './api-client';
import { errorSentence, retryCanHelp } from './error-messages';

interface ErrorBannerProps {
  error: ApiError;
  /** What failed, e.g. "Loading the inbox failed." */
  context?: string;
  /** Offered only when asking again can succeed (retryCanHelp): never for a message gone or marked for deletion. */
  onRetry?: () => void;
  onDismiss?: () => void;
}

/** A readable banner for a failed request, with a retry when one makes sense. */
export function ErrorBanner({ error, context, onRetry, onDismiss }: ErrorBannerProps) {
  return (
    <div
      role="alert"
      className="flex flex-wrap items-center gap-3 rounded-lg border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950/60 dark:text-red-100"
    >
      <p className="min-w-0 flex-1">
        {context ? <strong className="font-semibold">{context} </strong> : null}
        {errorSentence(error)}
      </p>
      <div className="flex gap-2">
        {onRetry && retryCanHelp(error.code) ? (
          <button type="button" onClick={onRetry} className="btn btn-secondary">
            Retry
          </button>
        ) : null}
        {onDismiss ? (
          <button type="button" onClick={onDismiss} className="btn btn-ghost" aria-label="Dismiss this message">
            Dismiss
          </button>
        ) : null}
      </div>
    </div>
  );
}
