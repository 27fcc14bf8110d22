'use client';

import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { logout, resetDeletions, warmHeaders, type MessagePage, type MessageSummary, type SessionInfo } from './api-client';
import { AppHeader } from './app-header';
import { DownloadConsent } from './download-consent';
import { EmptyInbox } from './empty-inbox';
import { ErrorBanner } from './error-banner';
import { ExpireNotice } from './expire-notice';
import { expireDays } from './expire-policy';
import { asApiError, plural } from './inbox-helpers';
import { InboxPanels, useInboxPanels } from './inbox-panels';
import { InboxSkeleton } from './inbox-skeleton';
import { inboxReducer, initialInboxState, type OpenMessage } from './inbox-state';
import { messageHref } from './inbox-url';
import { InboxToolbar } from './inbox-toolbar';
import { LogoutDialog } from './logout-dialog';
import { MessageList, type MessageListHandle } from './message-list';
import { PanePlaceholder } from './pane-placeholder';
import { PeekPane } from './peek-pane';
import { footSpace, MarksAnnouncer, PendingBar, useMarksSaid } from './pending-bar';
import { ReadView } from './read-view';
import { ShortcutsDialog } from './shortcuts-dialog';
import { SourceView } from './source-view';
import { useFocusListWhenSettled, useInboxFilter } from './use-inbox-filter';
import { useInboxUrl, useInitialLocation } from './use-inbox-url';
import { useInboxShortcuts } from './use-inbox-shortcuts';
import { useMarks } from './use-marks';
import { useMessagePages } from './use-message-pages';
import { usePane } from './use-pane';
import { useReadState } from './use-read-state';
import { useSelection } from './use-selection';

interface InboxViewProps {
  session: SessionInfo;
  onLoggedOut: (notice: string) => void;
}

/** How long a notice ("3 messages marked for deletion.") stays. */
const NOTICE_MS = 6000;
/** Up to this size (from LIST) one click reads the whole message; larger ones are peeked at first. */
export const ONE_CLICK_READ_BYTES = 256 * 1024;

export function InboxView({ session, onLoggedOut }: InboxViewProps) {
  const [state, dispatch] = useReducer(inboxReducer, session, initialInboxState);
  // The message whose remote images the person chose to show: the choice holds across its source view.
  const [remoteImagesFor, setRemoteImagesFor] = useState<string | null>(null);
  // Handlers read the state as it is when they run, not as it was when they were made.
  const latest = useRef(state);
  latest.current = state;
  const { cursor, open, selected, pending, maildrop, notice, actionError, busy } = state;

  // --- filter -------------------------------------------------------------------------------
  const initialLocation = useInitialLocation();
  const typed = useInboxFilter(initialLocation.filter);
  const { filter, filtered } = typed;

  // --- pages ----------------------------------------------------------------------------------
  const generationCounter = useRef(0);
  const [{ generation, refreshGeneration }, setGenerations] = useReducer(
    (_: { generation: number; refreshGeneration: number }, next: { generation: number; refreshGeneration: number }) => next,
    { generation: 0, refreshGeneration: -1 },
  );

  const onPage = useCallback((page: MessagePage, unfiltered: boolean) => {
    const previous = latest.current.maildrop;
    dispatch({
      type: 'maildrop',
      count: typeof page.count === 'number' ? page.count : unfiltered ? page.total : previous.count,
      size: unfiltered ? page.size : previous.size,
    });
    const marked = page.messages.filter((message) => message.deleted).map((message) => message.id);
    if (marked.length) dispatch({ type: 'pending-add', ids: marked });
  }, []);

  const pages = useMessagePages({ filter, generation, refreshGeneration, onPage });
  const total = pages.total ?? 0;

  const latestGenerations = useRef({ generation, refreshGeneration });
  latestGenerations.current = { generation, refreshGeneration };
  const reload = useCallback((withRefresh: boolean) => {
    generationCounter.current += 1;
    const next = generationCounter.current;
    setGenerations({ generation: next, refreshGeneration: withRefresh ? next : latestGenerations.current.refreshGeneration });
  }, []);
  const refreshing = refreshGeneration === generation && pages.loading;
  const listSettled = pages.settled && typed.applied;

  // Positions mean other messages once a new listing is in (not when one is asked for: a refresh that fails changes nothing).
  useEffect(() => {
    dispatch({ type: 'list-reset' });
  }, [pages.listing]);
  useEffect(() => {
    dispatch({ type: 'set-selection', ids: [] });
  }, [filter]);

  // --- pane, selection, marks ---------------------------------------------------------------
  const list = useRef<MessageListHandle | null>(null);
  const filterInput = useRef<HTMLInputElement | null>(null);
  const paneElement = useRef<HTMLElement | null>(null);
  const pane = usePane({ state: latest, dispatch, total, rowAt: pages.rowAt, list, pane: paneElement });
  const selection = useSelection({ state: latest, dispatch, filter, rowAt: pages.rowAt });
  const marks = useMarks({ state: latest, dispatch, forget: pages.forget, reload });
  const panels = useInboxPanels();
  const readState = useReadState({ state: latest, dispatch });
  const expire = expireDays(session);
  // One voice per change of the marks: this live region, or the toast or panel that says it.
  const marksSaid = useMarksSaid(pending.size, notice, panels.panel !== null);

  /** One click: a small message is read in full, a larger one peeked at (and any message while EXPIRE asks first). */
  const modeFor = useCallback(
    (message: MessageSummary): 'peek' | 'read' =>
      message.size <= ONE_CLICK_READ_BYTES && (expire === null || latest.current.downloadAllowed) ? 'read' : 'peek',
    [expire],
  );
  const activateAt = useCallback(
    (index: number) => {
      const message = pages.rowAt(index);
      if (message) pane.show(message, modeFor(message), index);
    },
    [pages, pane, modeFor],
  );

  /** The next message still kept after `index` (or before it, at the end of the list). */
  const neighbourOf = useCallback(
    (index: number, skip: string): { index: number; message: MessageSummary } | null => {
      const marked = latest.current.pending;
      const usable = (at: number) => {
        const message = pages.rowAt(at);
        return message && message.id !== skip && !marked.has(message.id) ? { index: at, message } : null;
      };
      for (let at = index + 1; at < total; at += 1) {
        const found = usable(at);
        if (found) return found;
        if (!pages.rowAt(at)) break;
      }
      for (let at = index - 1; at >= 0; at -= 1) {
        const found = usable(at);
        if (found) return found;
      }
      return null;
    },
    [pages, total],
  );

  /** Delete moves on: the open message is marked and the next one takes its place. */
  const deleteOpen = useCallback(
    async (shown: OpenMessage) => {
      const ok = await marks.deleteOne(shown.summary.id);
      const now = latest.current;
      if (!ok || now.open?.summary.id !== shown.summary.id) return;
      const next = neighbourOf(now.cursor, shown.summary.id);
      if (!next) {
        pane.close();
        return;
      }
      pane.show(next.message, shown.mode === 'peek' ? 'peek' : modeFor(next.message), next.index);
      list.current?.reveal(next.index, false);
    },
    [marks, neighbourOf, pane, modeFor],
  );

  const findLoaded = useCallback(
    (id: string): MessageSummary | undefined => {
      for (const rows of pages.pages.values()) {
        const found = rows.find((row) => row.id === id);
        if (found) return found;
      }
      return undefined;
    },
    [pages.pages],
  );
  const url = useInboxUrl(
    {
      open,
      filter,
      listSettled,
      findLoaded,
      show: (summary, mode) => {
        const index = pages.indexOf(summary.id);
        pane.show(summary, mode, index ?? undefined);
        if (index !== null) requestAnimationFrame(() => list.current?.reveal(index, false));
      },
      close: () => dispatch({ type: 'close' }),
      replaceFilter: typed.replace,
      onMissing: () => dispatch({ type: 'notice', text: 'That message is no longer in this mailbox.' }),
    },
    initialLocation,
  );

  // New mail since the last refresh that is still unread, in the tab's title.
  let newUnread = 0;
  for (const rows of pages.pages.values()) for (const row of rows) if (row.isNew && !readState.isSeen(row)) newUnread += 1;
  useEffect(() => {
    document.title = newUnread > 0 ? `(${newUnread}) Postern` : 'Postern';
  }, [newUnread]);
  useEffect(() => () => void (document.title = 'Postern'), []);

  const markCurrent = useCallback(() => {
    const { selected: chosen, open: shown, cursor: at, pending: marked } = latest.current;
    if (chosen.size > 0) {
      void marks.deleteSelected();
      return;
    }
    if (shown) {
      if (!marked.has(shown.summary.id)) void deleteOpen(shown);
      return;
    }
    const target = pages.rowAt(at);
    if (target && !marked.has(target.id)) void marks.deleteOne(target.id);
  }, [marks, pages, deleteOpen]);

  // Going to the filter box loads every header in the background (once per listing), so typing finds everything at once.
  const warmedGeneration = useRef<number | null>(null);
  const warmForFilter = useCallback(() => {
    if (warmedGeneration.current === generation) return;
    warmedGeneration.current = generation;
    // Only a head start: the filter request itself fetches what is missing. A failure is tried again next time.
    warmHeaders().catch(() => {
      if (warmedGeneration.current === generation) warmedGeneration.current = null;
    });
  }, [generation]);


  // --- notices ------------------------------------------------------------------------------
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => dispatch({ type: 'notice', text: '' }), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);

  // --- logout -------------------------------------------------------------------------------
  const finishLogout = useCallback(
    async (keepMarks: boolean) => {
      dispatch({ type: 'busy', busy: true });
      dispatch({ type: 'error', error: null });
      try {
        if (keepMarks) await resetDeletions();
        const { deleted, applied, warning } = await logout();
        // The next person at this browser starts from an empty inbox address.
        window.history.replaceState(null, '', '/');
        if (!applied) onLoggedOut(warning ?? 'You are logged out, but messages marked for deletion were not deleted.');
        else onLoggedOut(deleted > 0 ? `You are logged out. ${plural(deleted, 'message')} deleted from the server.` : 'You are logged out.');
      } catch (cause) {
        const error = asApiError(cause);
        if (error.code === 'NO_SESSION') {
          onLoggedOut('You are logged out.');
          return;
        }
        dispatch({ type: 'dialog', dialog: 'logout', open: false });
        dispatch({ type: 'error', error: { error, context: 'Logging out failed.', retry: () => void finishLogout(keepMarks) } });
      } finally {
        dispatch({ type: 'busy', busy: false });
      }
    },
    [onLoggedOut],
  );
  const requestLogout = useCallback(() => {
    if (latest.current.pending.size > 0) dispatch({ type: 'dialog', dialog: 'logout', open: true });
    else void finishLogout(false);
  }, [finishLogout]);

  // --- keyboard -----------------------------------------------------------------------------
  const listFocus = useFocusListWhenSettled({
    settled: listSettled,
    failed: pages.error !== null,
    listing: pages.listing,
    total,
    // A new listing: its first row (the position before meant another message, and the reset to 0 is dispatched
    // in this same commit, seen only from the next render). The same listing: the row the person was on.
    focusRow: (fresh) => {
      const index = fresh ? 0 : latest.current.cursor;
      dispatch({ type: 'cursor', index });
      list.current?.reveal(index, true);
    },
  });
  const focusListWhenSettled = listFocus.request;
  /** Esc, in the filter box or in the list with nothing open: the words and the size both go, and the list takes focus. */
  const clearFilter = () => {
    typed.clear();
    focusListWhenSettled();
  };
  /** Does `action`, then gives keyboard focus to the row the person was on (the control pressed goes away). */
  const backToList = (action: () => void) => {
    action();
    list.current?.reveal(latest.current.cursor, true);
  };
  useInboxShortcuts(
    {
      next: () => pane.moveCursor(1),
      previous: () => pane.moveCursor(-1),
      open: () => pane.openAt(cursor),
      peek: () => pane.peekAt(cursor),
      toggleSelect: () => {
        const message = pages.rowAt(cursor);
        if (message) selection.toggle(cursor, message.id);
      },
      markDeleted: markCurrent,
      undo: () => void marks.undoAll(),
      refresh: () => reload(true),
      focusFilter: () => filterInput.current?.focus(),
      showHelp: () => dispatch({ type: 'dialog', dialog: 'shortcuts', open: true }),
      close: () => {
        if (open?.mode === 'source') dispatch({ type: 'mode', mode: open.previous });
        else if (open) pane.close();
        else if (filtered || typed.query !== '' || typed.minSize !== null) clearFilter();
      },
    },
    true,
  );

  const openPending = open ? pending.has(open.summary.id) : false;
  const { downloadAllowed } = state;
  const { undoOne } = marks;
  const closePane = pane.close;
  const { readInFull, isSeen, mark: markSeen } = readState;
  const seenVersion = state.seen;
  const paneContent = useMemo(() => {
    if (!open) return <PanePlaceholder />;
    const toSource = () => dispatch({ type: 'mode', mode: 'source' });
    // Reading in full and the source both RETR the message; the peek (TOP) stays free.
    if (expire !== null && !downloadAllowed && (open.mode === 'read' || open.mode === 'source')) {
      return (
        <DownloadConsent
          key={open.summary.id}
          days={expire}
          message={open.summary}
          onConfirm={() => dispatch({ type: 'allow-download' })}
          onCancel={() => dispatch({ type: 'mode', mode: 'peek' })}
        />
      );
    }
    switch (open.mode) {
      case 'peek':
        return (
          <PeekPane
            key={open.summary.id}
            message={open.summary}
            isPending={openPending}
            onDownload={() => dispatch({ type: 'mode', mode: 'read' })}
            onDelete={() => void deleteOpen(open)}
            onSource={toSource}
            onClose={closePane}
            onKeep={() => void undoOne(open.summary)}
          />
        );
      case 'read':
        return (
          <ReadView
            key={open.summary.id}
            summary={open.summary}
            isPending={openPending}
            onDelete={() => void deleteOpen(open)}
            onKeep={() => void undoOne(open.summary)}
            onSource={toSource}
            onClose={closePane}
            onLoaded={readInFull}
            seen={isSeen(open.summary)}
            onMarkSeen={(seen) => void markSeen([open.summary.id], seen)}
            remoteImages={remoteImagesFor === open.summary.id}
            onShowRemoteImages={() => setRemoteImagesFor(open.summary.id)}
          />
        );
      case 'source':
        return (
          <SourceView
            message={open.summary}
            onBack={() => dispatch({ type: 'mode', mode: open.previous })}
            backLabel={open.previous === 'read' ? 'Back to the message' : 'Back to the peek'}
          />
        );
    }
  }, [open, openPending, deleteOpen, undoOne, closePane, expire, downloadAllowed, readInFull, isSeen, markSeen, seenVersion, remoteImagesFor]);

  return (
    <div className="flex h-dvh flex-col">
      <AppHeader
        session={session}
        count={maildrop.count}
        size={maildrop.size}
        refreshing={refreshing}
        onRefresh={() => reload(true)}
        onShortcuts={() => dispatch({ type: 'dialog', dialog: 'shortcuts', open: true })}
        onLogout={requestLogout}
        onPanel={panels.show}
      />
      <PendingBar count={pending.size} busy={busy} onUndo={() => void marks.undoAll()} onApply={() => void marks.apply()} />
      {expire !== null && !state.expireNoticeDismissed ? <ExpireNotice days={expire} onDismiss={() => dispatch({ type: 'dismiss-expire' })} /> : null}
      {actionError ? (
        <div className="border-b border-slate-200 px-3 py-2 sm:px-4 dark:border-slate-800">
          <ErrorBanner
            error={actionError.error}
            context={actionError.context}
            onRetry={actionError.retry}
            onDismiss={() => dispatch({ type: 'error', error: null })}
          />
        </div>
      ) : null}

      <main className={`flex min-h-0 flex-1 ${footSpace({ bar: pending.size > 0, notice: notice !== '' })}`}>
        <section
          aria-labelledby="inbox-heading"
          // Busy while the filter typed is not yet the one applied, or its first page is not in:
          // assistive technology (and the tests) wait for the settled list rather than a stale one.
          aria-busy={listSettled ? undefined : true}
          data-state={listSettled ? 'settled' : 'loading'}
          className={`${open ? 'hidden md:flex' : 'flex'} min-h-0 w-full shrink-0 flex-col border-slate-200 md:w-[25rem] md:border-r lg:w-[30rem] xl:w-[34rem] dark:border-slate-800`}
        >
          <h1 id="inbox-heading" className="sr-only">
            Inbox
          </h1>
          <InboxToolbar
            filterRef={filterInput}
            query={typed.query}
            minSize={typed.minSize}
            onQuery={(query) => {
              // Typing again overtakes an Enter whose list has not come yet: focus stays in the box.
              listFocus.cancel();
              typed.setQuery(query);
            }}
            onMinSize={typed.setMinSize}
            onFilterFocus={warmForFilter}
            onLeaveFilter={() => {
              // Enter: the filter applies now, and the first row it shows takes focus.
              typed.applyNow();
              focusListWhenSettled();
            }}
            onClearFilter={clearFilter}
            total={pages.total}
            totalSize={pages.size}
            filtered={filtered}
            selectedCount={selected.size}
            selectingAll={state.selectingAll}
            onSelectAll={() => void selection.selectAllMatching()}
            onClearSelection={selection.clear}
            onDeleteSelected={() => void marks.deleteSelected()}
            onMarkSelected={(seen) => {
              void readState.mark([...selected], seen);
              selection.clear();
            }}
          />
          {pages.refreshError ? (
            <div className="border-b border-slate-200 p-3 dark:border-slate-800">
              <ErrorBanner
                error={pages.refreshError}
                context="Refreshing the inbox failed."
                // Either button takes the banner away: keyboard focus goes back to the list, not to the page.
                onRetry={() => backToList(() => reload(true))}
                onDismiss={() => backToList(pages.dismissRefreshError)}
              />
            </div>
          ) : null}
          {pages.error ? (
            <div className="border-b border-slate-200 p-3 dark:border-slate-800">
              <ErrorBanner
                error={pages.error}
                context={pages.total === null ? 'The inbox could not be loaded.' : 'More messages could not be loaded.'}
                onRetry={pages.retry}
              />
            </div>
          ) : null}
          {pages.total === null ? (
            pages.error ? null : <InboxSkeleton />
          ) : total === 0 ? (
            <EmptyInbox
              filtered={filtered}
              onClearFilter={() => {
                typed.setQuery('');
                typed.setMinSize(null);
              }}
            />
          ) : (
            <MessageList
              ref={list}
              total={total}
              rowAt={pages.rowAt}
              ensureRange={pages.ensureRange}
              cursor={cursor}
              openId={open?.summary.id ?? null}
              selected={selected}
              pending={pending}
              isSeen={readState.isSeen}
              hrefFor={(id) => messageHref(id, filter)}
              onActivate={activateAt}
              onOpen={pane.openAt}
              onToggleSelect={(index, id, range) => (range ? selection.selectRange(index, id) : selection.toggle(index, id))}
              onKeep={(id) => void marks.undoOne({ id })}
              onCursor={(index) => dispatch({ type: 'cursor', index })}
            />
          )}
        </section>

        <section
          ref={paneElement}
          tabIndex={-1}
          aria-label="Reading pane"
          className={`${open ? 'flex' : 'hidden md:flex'} min-h-0 min-w-0 flex-1 flex-col overflow-y-auto outline-none`}
        >
          <div className="mx-auto w-full max-w-4xl flex-1 p-4 sm:p-6">{paneContent}</div>
        </section>
      </main>

      <MarksAnnouncer text={marksSaid} />
      {/*
        Notices float where they cover least: over the reading pane's foot from tablet width, above
        the pending bar on a phone, where the list keeps room for them (footSpace); never over a dialog
        (the text stays for screen readers). As wide as the window allows, so most are one line.
      */}
      <p
        role="status"
        aria-live="polite"
        data-testid="toast"
        className={
          state.shortcutsOpen || state.logoutOpen || panels.panel !== null
            ? 'sr-only'
            : `pointer-events-none fixed left-1/2 z-10 w-max max-w-[calc(100vw-2rem)] -translate-x-1/2 text-center md:right-6 md:left-auto md:translate-x-0 ${pending.size > 0 ? 'bottom-32 sm:bottom-18' : 'bottom-4'}`
        }
      >
        {notice ? (
          <span className="block rounded-full bg-slate-900 px-4 py-2 text-sm text-white shadow-lg dark:bg-slate-100 dark:text-slate-900">
            {notice}
          </span>
        ) : null}
      </p>

      <InboxPanels
        panels={panels}
        pending={pending}
        onMarked={(ids) => dispatch({ type: 'pending-add', ids })}
        onPeek={(summary) => pane.show(summary, 'peek')}
      />
      <ShortcutsDialog open={state.shortcutsOpen} onClose={() => dispatch({ type: 'dialog', dialog: 'shortcuts', open: false })} />
      <LogoutDialog
        open={state.logoutOpen}
        pendingCount={pending.size}
        busy={busy}
        onConfirm={() => void finishLogout(false)}
        onKeepAndLogout={() => void finishLogout(true)}
        onCancel={() => dispatch({ type: 'dialog', dialog: 'logout', open: false })}
      />
    </div>
  );
}
