'use client';

import { useEffect, useState } from 'react';
import { type ApiError, getRawSource, rawUrl, type MessageSummary } from './api-client';
import { asApiError } from './inbox-helpers';
import { ErrorBanner } from './error-banner';
import { formatSize, sizeClass } from './format-size';
import { Icon } from './icon';

/** How much source to show on the page; the download link always has every byte. */
const SHOWN_BYTES = 1024 * 1024;

/**
 * What "View source" downloads, for its button in the peek and in the full read (the source view
 * asks the server again either way), when that is more than the peek's few lines: the same "large"
 * as the inbox's size cue and the peek's notice. Null for a small message.
 */
export function sourceCost(size: number): string | null {
  if (sizeClass(size) === 'small') return null;
  return size > SHOWN_BYTES ? `first ${formatSize(SHOWN_BYTES)}` : formatSize(size);
}

interface SourceViewProps {
  message: MessageSummary;
  onBack: () => void;
  backLabel: string;
}

/** The message exactly as the server holds it, as text, with a link to download the .eml. */
export function SourceView({ message, onBack, backLabel }: SourceViewProps) {
  const [source, setSource] = useState<{ text: string; complete: boolean } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    setSource(null);
    getRawSource(message.id, SHOWN_BYTES, controller.signal)
      .then(setSource)
      .catch((cause: unknown) => {
        if (controller.signal.aborted) return;
        setError(asApiError(cause));
      });
    return () => controller.abort();
  }, [message.id, attempt]);

  return (
    <section aria-labelledby="source-heading" className="flex min-h-0 flex-col gap-4" data-testid="source-view">
      <div role="toolbar" aria-label="Source actions" className="flex flex-wrap items-center gap-2">
        <button type="button" className="btn btn-ghost -ml-2" onClick={onBack}>
          <Icon name="back" />
          {backLabel}
        </button>
        <span className="ml-auto" />
        <a href={rawUrl(message.id)} download className="btn btn-secondary">
          <Icon name="download" />
          Download .eml ({formatSize(message.size)})
        </a>
      </div>
      <h2 id="source-heading" className="text-xl font-semibold tracking-tight break-words">
        Source of “{message.subject?.trim() || '(no subject)'}”
      </h2>
      {error ? (
        <ErrorBanner error={error} context="The source could not be loaded." onRetry={() => setAttempt((n) => n + 1)} />
      ) : source ? (
        <>
          {!source.complete ? (
            <p className="text-sm text-slate-600 dark:text-slate-400">
              Showing the first {formatSize(SHOWN_BYTES)} of {formatSize(message.size)}. Download the .eml for all of it.
            </p>
          ) : null}
          <pre
            tabIndex={0}
            role="region"
            aria-label="Message source"
            data-testid="source-text"
            className="max-h-[75vh] overflow-auto rounded-lg border border-slate-200 bg-white p-3 font-mono text-xs leading-relaxed break-words whitespace-pre-wrap dark:border-slate-800 dark:bg-slate-900"
          >
            {source.text}
          </pre>
        </>
      ) : (
        <div className="space-y-2" aria-busy="true">
          <p className="sr-only">Loading the source…</p>
          {Array.from({ length: 8 }, (_, index) => (
            <div key={index} className="skeleton h-3 w-full" />
          ))}
        </div>
      )}
    </section>
  );
}
