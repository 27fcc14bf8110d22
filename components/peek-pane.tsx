'use client';

import { useEffect, useState } from 'react';
import { AlwaysDelete } from './always-delete';
import { type ApiError, getPreview, type MessagePreview, type MessageSummary } from './api-client';
import { asApiError } from './inbox-helpers';
import { previewParts } from './api-panels';
import { ErrorBanner } from './error-banner';
import { formatSize, sizeClass } from './format-size';
import { Icon } from './icon';
import { LinkifiedText } from './linkified-text';
import { MarkedNotice } from './marked-notice';
import { MessageActions } from './message-actions';
import { MessageHeaderPanel } from './message-header-panel';
import { PeekParts } from './peek-parts';
import { sourceCost } from './source-view';

const LINE_CHOICES = [10, 20, 50, 100, 200, 500, 1000] as const;

interface PeekPaneProps {
  message: MessageSummary;
  isPending: boolean;
  onDownload: () => void;
  onDelete: () => void;
  onSource: () => void;
  onClose: () => void;
  /** Takes the deletion mark off this message (whose first lines then load). */
  onKeep: () => void;
  /** A rule was added from this message ("always delete mail like this"). */
  onRuleAdded?: () => void;
}

/** Headers and the first lines from `TOP`: enough to decide whether the whole thing is worth fetching. */
export function PeekPane({ message, isPending, onDownload, onDelete, onSource, onClose, onKeep, onRuleAdded }: PeekPaneProps) {
  const [lines, setLines] = useState<number>(20);
  const [preview, setPreview] = useState<MessagePreview | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setError(null);
    // The server does not send (TOP) a marked message: the notice says so, and Keep brings the lines.
    if (isPending) return;
    const controller = new AbortController();
    getPreview(message.id, lines, controller.signal)
      .then((result) => setPreview(result))
      .catch((cause: unknown) => {
        if (controller.signal.aborted) return;
        setError(asApiError(cause));
      });
    return () => controller.abort();
  }, [message.id, lines, attempt, isPending]);

  // A different message: forget the old preview at once rather than showing it under new headers.
  useEffect(() => {
    setPreview(null);
  }, [message.id]);

  const current = preview && preview.id === message.id ? preview : null;

  return (
    <section aria-labelledby="peek-heading" className="flex flex-col gap-4" data-testid="peek-pane">
      <MessageActions
        title="Peek"
        onClose={onClose}
        onDelete={onDelete}
        onSource={onSource}
        sourceCost={sourceCost(message.size)}
        isPending={isPending}
      />
      <MessageHeaderPanel
        headingId="peek-heading"
        subject={message.subject}
        from={message.from}
        to={message.to}
        date={message.date}
        size={message.size}
        headerList={current?.headerList ?? []}
      />

      {isPending ? (
        <MarkedNotice shown={false} onKeep={onKeep} />
      ) : (
        <PeekBody
          message={message}
          current={current}
          error={error}
          lines={lines}
          onLines={setLines}
          onDownload={onDownload}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      )}

      <AlwaysDelete from={message.from} onRuleAdded={onRuleAdded} />
    </section>
  );
}

interface PeekBodyProps {
  message: MessageSummary;
  current: MessagePreview | null;
  error: ApiError | null;
  lines: number;
  onLines: (lines: number) => void;
  onDownload: () => void;
  onRetry: () => void;
}

/** The download button and the first lines, or their skeleton while they come. */
function PeekBody({ message, current, error, lines, onLines, onDownload, onRetry }: PeekBodyProps) {
  // Below a cut-short peek: whether more lines would show more text (not when the text ended inside the lines read).
  const note =
    current === null || !current.truncated
      ? null
      : current.textComplete
        ? 'That is all of the text.'
        : lines >= LINE_CHOICES[LINE_CHOICES.length - 1]!
          ? `Showing the first ${lines} lines. The rest comes with the whole message.`
          : `Showing the first ${lines} lines. For more, change “Lines to show” above.`;
  const large = sizeClass(message.size) !== 'small';
  return (
    <>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className="btn btn-primary" onClick={onDownload}>
          <Icon name="download" />
          Download whole message ({formatSize(message.size)})
        </button>
        {large ? (
          <p className="text-sm text-amber-800 dark:text-amber-300">This is a large message; the preview below costs only a few lines.</p>
        ) : null}
      </div>

      {current ? <PeekParts parts={previewParts(current)} messageSize={message.size} /> : null}

      <div className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
          <h3 className="text-sm font-semibold">First lines</h3>
          <label htmlFor="peek-lines" className="ml-auto text-sm text-slate-700 dark:text-slate-300">
            Lines to show
          </label>
          <select
            id="peek-lines"
            value={lines}
            onChange={(event) => onLines(Number(event.target.value))}
            className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800"
          >
            {LINE_CHOICES.map((choice) => (
              <option key={choice} value={choice}>
                {choice}
              </option>
            ))}
          </select>
        </div>
        <div className="p-3" aria-live="polite" aria-busy={!current && !error}>
          {error ? (
            <ErrorBanner error={error} context="The preview could not be loaded." onRetry={onRetry} />
          ) : current ? (
            <>
              <pre className="font-sans text-sm leading-relaxed break-words whitespace-pre-wrap" data-testid="peek-text">
                {current.text ? <LinkifiedText text={current.text} /> : <span className="text-slate-600 dark:text-slate-400">(no text in the first lines)</span>}
              </pre>
              {note ? (
                <p className="mt-3 border-t border-dashed border-slate-300 pt-3 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400" data-testid="peek-more">
                  {note}
                </p>
              ) : null}
            </>
          ) : (
            <div className="space-y-2">
              <p className="sr-only">Loading the preview…</p>
              <div className="skeleton h-3 w-11/12" />
              <div className="skeleton h-3 w-10/12" />
              <div className="skeleton h-3 w-9/12" />
              <div className="skeleton h-3 w-7/12" />
            </div>
          )}
        </div>
      </div>
    </>
  );
}
