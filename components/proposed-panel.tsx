'use client';

import { useEffect, useRef, useState } from 'react';
import { ApiError, deleteMessages, type MessageSummary } from './api-client';
import { getRules, listProposed, type ProposedMessage } from './api-panels';
import { ErrorBanner } from './error-banner';
import { displayName } from './format-address';
import { formatSize } from './format-size';
import { PanelSheet } from './panel-sheet';

/** At most this many proposals are listed and marked at once (50 pages of the API's 200). */
export const MAX_PROPOSED = 10_000;

interface ProposedPanelProps {
  open: boolean;
  onClose: () => void;
  /** Messages already marked in this session (shown as such, not marked twice). */
  pending: ReadonlySet<string>;
  /** The button was pressed and these were marked: the inbox shows them pending, Apply applies them. */
  onMarked: (ids: string[]) => void;
  /** Look at one proposed message in the peek (the panel closes). */
  onPeek?: (message: MessageSummary) => void;
  /** Open the rules editor. */
  onEditRules: () => void;
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`;
}

/**
 * What the rules propose to delete, each with its reason and a tick (all ticked at first), and ONE
 * button that marks the ticked ones. Until it is pressed nothing is marked; after, Apply works as for any mark.
 */
export function ProposedPanel({ open, onClose, pending, onMarked, onPeek, onEditRules }: ProposedPanelProps) {
  // With the number of rules, so an empty list can say whether there are no rules or none of them matches.
  // (null: the rules could not be read, which costs only those words, not the proposals).
  const [list, setList] = useState<{ total: number; messages: ProposedMessage[]; rules: number | null } | null>(null);
  // Each failure with its own retry: loading the list again, or marking the same ticks again.
  const [error, setError] = useState<{ error: ApiError; context: string; retry: () => void } | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [marking, setMarking] = useState(false);
  const [status, setStatus] = useState('');
  // Proposals the person took out (unticked): every one is ticked when the list arrives.
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(() => new Set());

  // Every proposal ticked each time the panel opens, and only then: a list loaded again (Retry) keeps the person's ticks.
  useEffect(() => {
    if (open) setExcluded(new Set());
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    setList(null);
    setError(null);
    setStatus('');
    const rules = getRules(controller.signal).then((list) => list.length, () => null);
    Promise.all([listProposed(MAX_PROPOSED, controller.signal), rules])
      .then(([proposed, count]) => setList({ ...proposed, rules: count }))
      .catch((cause: unknown) => {
        if (controller.signal.aborted) return;
        setError({
          error: cause instanceof ApiError ? cause : new ApiError('BAD_RESPONSE', String(cause), 0),
          context: 'The proposals could not be loaded.',
          retry: () => setAttempt((n) => n + 1),
        });
      });
    return () => controller.abort();
  }, [open, attempt]);

  const unmarked = list ? list.messages.filter((message) => !pending.has(message.id)) : [];
  const ticked = unmarked.filter((message) => !excluded.has(message.id));
  const toggle = (id: string) =>
    setExcluded((previous) => {
      const next = new Set(previous);
      if (!next.delete(id)) next.add(id);
      return next;
    });
  const setAll = (include: boolean) => setExcluded(include ? new Set() : new Set(unmarked.map((message) => message.id)));

  const markTicked = async () => {
    if (ticked.length === 0 || marking) return;
    setMarking(true);
    setError(null);
    // Emptied first, so that the same words after a second press are heard again (this notice is the only one that says it).
    setStatus('');
    try {
      const marked = await deleteMessages(ticked.map((message) => message.id));
      onMarked(marked);
      setStatus(`${plural(marked.length, 'message')} marked for deletion. Close this panel, then “Apply now” below the inbox deletes them from the server; “Undo” keeps them.`);
    } catch (cause) {
      setError({
        error: cause instanceof ApiError ? cause : new ApiError('BAD_RESPONSE', String(cause), 0),
        context: 'Marking the proposed messages failed.',
        // The ticks as they are when Retry is pressed.
        retry: () => void markLatest.current(),
      });
    } finally {
      setMarking(false);
    }
  };

  const markLatest = useRef(markTicked);
  markLatest.current = markTicked;

  return (
    <PanelSheet
      open={open}
      onClose={onClose}
      title="Proposed for deletion"
      headingId="proposed-heading"
      testId="proposed-panel"
      description="What your rules propose, from headers alone. Untick any to keep; nothing is marked until you press the button."
    >
      {/* Nothing to mark, nothing to press: the empty states below say why and offer the rules instead. */}
      {list && list.messages.length > 0 ? (
        <div className="flex flex-wrap items-center gap-2">
          <button type="button" className="btn btn-danger" onClick={() => void markTicked()} disabled={ticked.length === 0 || marking}>
            {marking ? 'Marking…' : `Mark ${ticked.length.toLocaleString()} proposed`}
          </button>
          <button type="button" className="btn btn-secondary" onClick={onEditRules}>
            Edit rules
          </button>
        </div>
      ) : null}
      <p role="status" className="mt-3 min-h-5 text-sm text-slate-700 dark:text-slate-300 empty:mt-0 empty:min-h-0">
        {status}
      </p>
      {error ? <ErrorBanner error={error.error} context={error.context} onRetry={error.retry} /> : null}

      {list === null && !error ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" aria-busy="true">
          Looking at the headers…
        </p>
      ) : null}

      {list && list.messages.length === 0 ? (
        <div className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-700 dark:border-slate-700 dark:text-slate-300" data-testid="no-proposals">
          {list.rules === 0 ? (
            <>
              <p className="font-medium text-slate-900 dark:text-slate-100">You have no rules yet.</p>
              <p className="mt-1">A rule proposes mail to delete, for example everything from one sender or older than 30 days.</p>
              <button type="button" className="btn btn-primary mt-4" onClick={onEditRules}>
                Create a rule
              </button>
            </>
          ) : (
            <>
              <p>
                {list.rules === null
                  ? 'No rule proposes anything right now.'
                  : list.rules === 1
                    ? 'Your rule matches no message right now.'
                    : `None of your ${list.rules.toLocaleString()} rules matches a message right now.`}
              </p>
              <button type="button" className="btn btn-secondary mt-4" onClick={onEditRules}>
                Edit rules
              </button>
            </>
          )}
        </div>
      ) : null}

      {list && list.total > list.messages.length ? (
        <p className="mb-2 text-sm text-amber-800 dark:text-amber-300">
          Showing the first {list.messages.length.toLocaleString()} of {list.total.toLocaleString()}; the button marks those shown and ticked.
        </p>
      ) : null}

      {list && unmarked.length > 1 ? (
        <label className="mb-2 flex items-center gap-3 px-3 text-sm text-slate-700 dark:text-slate-300">
          <input
            type="checkbox"
            checked={ticked.length === unmarked.length}
            ref={(box) => {
              if (box) box.indeterminate = ticked.length > 0 && ticked.length < unmarked.length;
            }}
            onChange={(event) => setAll(event.target.checked)}
            className="h-4 w-4 shrink-0 accent-sky-700"
          />
          All proposals
        </label>
      ) : null}

      {list && list.messages.length > 0 ? (
        <ul aria-label="Proposed messages" className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
          {list.messages.map((message) => {
            const marked = pending.has(message.id);
            const subject = message.subject || '(no subject)';
            const sender = displayName(message.from);
            return (
              <li key={message.id} className="flex items-start gap-3 px-3 py-2.5" data-testid="proposed-row">
                <input
                  type="checkbox"
                  checked={marked || !excluded.has(message.id)}
                  disabled={marked}
                  onChange={() => toggle(message.id)}
                  aria-label={`Include “${subject}” from ${sender}`}
                  className="mt-0.5 h-4 w-4 shrink-0 accent-sky-700"
                />
                <div className="min-w-0 flex-1">
                  <div className="flex items-baseline gap-2">
                    <p className="min-w-0 flex-1 truncate text-sm font-medium">
                      {onPeek ? (
                        <button type="button" className="max-w-full truncate text-left underline-offset-2 hover:underline" onClick={() => onPeek(message)}>
                          {subject}
                        </button>
                      ) : (
                        subject
                      )}
                    </p>
                    <span className="shrink-0 text-xs text-slate-600 tabular-nums dark:text-slate-400">{formatSize(message.size)}</span>
                  </div>
                  <p className="truncate text-sm text-slate-700 dark:text-slate-300">{sender}</p>
                  <p className="mt-0.5 text-xs text-slate-700 dark:text-slate-300" data-testid="proposal-reason">
                    <span className="font-medium">{message.proposal?.rule ?? 'Rule'}:</span> {message.proposal?.reason ?? ''}
                    {marked ? <span className="ml-2 rounded bg-red-100 px-1.5 py-0.5 text-red-900 dark:bg-red-950 dark:text-red-100">marked</span> : null}
                  </p>
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
    </PanelSheet>
  );
}
