'use client';

import { useEffect, useRef, useState } from 'react';
import { type ApiError, getMessage, rawUrl, type DownloadProgress as Progress, type FullMessage, type MessageSummary } from './api-client';
import { asApiError } from './inbox-helpers';
import { AlwaysDelete } from './always-delete';
import { AttachmentList } from './attachment-list';
import { DownloadProgress } from './download-progress';
import { ErrorBanner } from './error-banner';
import { HtmlBodyFrame } from './html-body-frame';
import { Icon } from './icon';
import { LinkifiedText } from './linkified-text';
import { MarkedNotice } from './marked-notice';
import { MessageActions } from './message-actions';
import { MessageHeaderPanel } from './message-header-panel';
import { ReadableText } from './readable-text';
import { replyLink } from './reply-link';
import { sourceCost } from './source-view';

interface ReadViewProps {
  summary: MessageSummary;
  isPending: boolean;
  onDelete: () => void;
  onSource: () => void;
  onClose: () => void;
  /** Takes the deletion mark off this message (which then loads, if it had not yet). */
  onKeep: () => void;
  /** The whole message arrived: the server now counts it as read. */
  onLoaded?: (id: string) => void;
  seen?: boolean;
  onMarkSeen?: (seen: boolean) => void;
  /** The person chose to show this message's remote images (kept by the inbox, so it holds across its source view). */
  remoteImages: boolean;
  onShowRemoteImages: () => void;
}

type BodyTab = 'html' | 'text';

/** The whole message (`RETR`), with progress while it streams in. */
export function ReadView({ summary, isPending, onDelete, onSource, onClose, onKeep, onLoaded, seen, onMarkSeen, remoteImages, onShowRemoteImages }: ReadViewProps) {
  const [loaded, setLoaded] = useState<{ key: string; message: FullMessage } | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [tab, setTab] = useState<BodyTab>('html');

  useEffect(() => {
    setTab('html');
    setLoaded(null);
  }, [summary.id]);

  const onLoadedRef = useRef(onLoaded);
  onLoadedRef.current = onLoaded;
  const wanted = `${summary.id}:${remoteImages}`;
  // The server does not send a marked message: ask only once the mark is off (and not again for one read before it was marked).
  const held = isPending && loaded?.key !== wanted;
  useEffect(() => {
    setError(null);
    setProgress(null);
    if (held) return;
    const controller = new AbortController();
    getMessage(summary.id, { remoteImages, signal: controller.signal, onProgress: setProgress })
      .then((result) => {
        setLoaded({ key: `${summary.id}:${remoteImages}`, message: result });
        onLoadedRef.current?.(summary.id);
      })
      .catch((cause: unknown) => {
        if (controller.signal.aborted) return;
        setError(asApiError(cause));
      });
    return () => controller.abort();
  }, [summary.id, remoteImages, attempt, held]);

  // While remote images are being fetched, the blocked version stays out of sight.
  const current = loaded && loaded.key.startsWith(`${summary.id}:`) ? loaded.message : null;
  const loading = !error && !held && loaded?.key !== wanted;
  const showHtml = current?.html && tab === 'html';
  // The source view and the download always work for a message too complex to show (the banner offers no Retry: it would be as complex again).
  const tooComplex = error?.code === 'MESSAGE_TOO_COMPLEX';
  // The source view loads the message again (up to its first 1 MB): the same cost as from the peek, said the same way.
  const cost = sourceCost(summary.size);

  return (
    <article aria-labelledby="read-heading" className="flex flex-col gap-4" data-testid="read-view">
      <MessageActions
        title="Message"
        onClose={onClose}
        onDelete={onDelete}
        onSource={onSource}
        sourceCost={cost}
        isPending={isPending}
        seen={current ? seen : undefined}
        onMarkSeen={onMarkSeen}
      >
        {current ? (
          <a href={replyLink(current)} className="btn btn-secondary" data-testid="reply-link">
            <Icon name="reply" />
            <span className="sr-only sm:not-sr-only">Reply in my mail app</span>
          </a>
        ) : null}
      </MessageActions>
      <MessageHeaderPanel
        headingId="read-heading"
        subject={current?.subject ?? summary.subject}
        from={current?.from ?? summary.from}
        to={current?.to ?? summary.to}
        cc={current?.cc}
        replyTo={current?.replyTo}
        date={current?.date ?? summary.date}
        size={summary.size}
        headerList={current?.headerList ?? []}
      />

      {isPending ? <MarkedNotice shown={current !== null} onKeep={onKeep} /> : null}
      {error ? (
        <ErrorBanner
          error={error}
          context={tooComplex ? undefined : 'The message could not be downloaded.'}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      ) : null}
      {error?.code === 'MESSAGE_TOO_LARGE' || tooComplex ? (
        <div className="flex flex-wrap gap-2">
          {tooComplex ? (
            <button type="button" className="btn btn-primary" onClick={onSource}>
              <Icon name="code" />
              View the source
              {cost ? <span> ({cost})</span> : null}
            </button>
          ) : null}
          <a href={rawUrl(summary.id)} download className={`btn ${tooComplex ? 'btn-secondary' : 'btn-primary'}`}>
            <Icon name="download" />
            Download .eml
          </a>
        </div>
      ) : null}
      {tooComplex ? <ReadableText messageId={summary.id} /> : null}

      {loading && !error ? <DownloadProgress progress={progress} expected={summary.size} /> : null}

      {current && !loading ? (
        <>
          {current.html && current.text ? (
            <div role="group" aria-label="Show the message as" className="inline-flex self-start rounded-md border border-slate-300 p-0.5 dark:border-slate-600">
              {(['html', 'text'] as const).map((choice) => (
                <button
                  key={choice}
                  type="button"
                  aria-pressed={tab === choice}
                  onClick={() => setTab(choice)}
                  className={`rounded px-3 py-1 text-sm ${tab === choice ? 'bg-slate-200 font-medium dark:bg-slate-700' : 'text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800'}`}
                >
                  {choice === 'html' ? 'Formatted' : 'Plain text'}
                </button>
              ))}
            </div>
          ) : null}

          {showHtml && current.htmlHasRemoteContent && !remoteImages ? (
            // On a phone the button goes under the sentence, which keeps the pane's width.
            <div className="flex flex-col gap-2 rounded-lg border border-slate-200 bg-slate-100 px-3 py-2 text-sm sm:flex-row sm:items-center sm:gap-3 dark:border-slate-700 dark:bg-slate-800">
              <p className="flex flex-1 items-start gap-2">
                <Icon name="image" className="mt-0.5 h-4 w-4 shrink-0" />
                <span>Remote images are blocked, so the sender cannot see that you opened this message.</span>
              </p>
              <button type="button" className="btn btn-secondary self-start sm:self-auto" onClick={onShowRemoteImages}>
                <Icon name="eye" />
                Show remote images
              </button>
            </div>
          ) : null}

          {showHtml && current.html ? (
            <HtmlBodyFrame html={current.html} remoteImages={remoteImages} title={`Message: ${current.subject ?? 'no subject'}`} />
          ) : (
            <div className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
              <pre className="font-sans text-sm leading-relaxed break-words whitespace-pre-wrap" data-testid="text-body">
                {current.text ? <LinkifiedText text={current.text} /> : <span className="text-slate-600 dark:text-slate-400">(this message has no text)</span>}
              </pre>
            </div>
          )}

          {/* The server refuses RETR of a marked message, so its attachments cannot be downloaded until it is kept. */}
          {isPending ? null : <AttachmentList messageId={summary.id} attachments={current.attachments} />}
        </>
      ) : null}
      {/* Mount point of the panels (h/i11-panels): a rule from this message. */}
      <AlwaysDelete from={summary.from} />
    </article>
  );
}
