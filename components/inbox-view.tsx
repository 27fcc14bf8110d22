'use client';

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  ApiError,
  commitDeletions,
  deleteMessage,
  deleteMessages,
  listMatchingIds,
  logout,
  resetDeletions,
  warmHeaders,
  type MessageFilter,
  type MessagePage,
  type MessageSummary,
  type SessionInfo,
} from './api-client';
import { AppHeader } from './app-header';
import { EmptyInbox } from './empty-inbox';
import { ErrorBanner } from './error-banner';
import { InboxSkeleton } from './inbox-skeleton';
import { InboxToolbar } from './inbox-toolbar';
import { LogoutDialog } from './logout-dialog';
import { MessageList, type MessageListHandle } from './message-list';
import { PanePlaceholder } from './pane-placeholder';
import { PeekPane } from './peek-pane';
import { PendingBar } from './pending-bar';
import { ReadView } from './read-view';
import { ShortcutsDialog } from './shortcuts-dialog';
import { SourceView } from './source-view';
import { useInboxShortcuts } from './use-inbox-shortcuts';
import { useMessagePages } from './use-message-pages';

type PaneMode = 'peek' | 'read' | 'source';

interface OpenMessage {
  summary: MessageSummary;
  mode: PaneMode;
  /** Where "back" from the source view goes. */
  previous: 'peek' | 'read';
}

interface InboxViewProps {
  session: SessionInfo;
  onLoggedOut: (notice: string) => void;
}

function asApiError(cause: unknown): ApiError {
  return cause instanceof ApiError ? cause : new ApiError('BAD_RESPONSE', String(cause), 0);
}

function plural(count: number, word: string): string {
  return `${count.toLocaleString()} ${word}${count === 1 ? '' : 's'}`;
}

export function InboxView({ session, onLoggedOut }: InboxViewProps) {
  // --- filter -------------------------------------------------------------------------------
  const [query, setQuery] = useState('');
  const [minSize, setMinSize] = useState<number | null>(null);
  const [filter, setFilter] = useState<MessageFilter>({ q: '', minSize: null });
  useEffect(() => {
    const apply = () =>
      setFilter((previous) => (previous.q === query.trim() && previous.minSize === minSize ? previous : { q: query.trim(), minSize }));
    if (query.trim() === filter.q) {
      apply();
      return;
    }
    const timer = setTimeout(apply, 250);
    return () => clearTimeout(timer);
  }, [query, minSize, filter.q]);
  const filtered = filter.q !== '' || filter.minSize !== null;

  // --- pages, maildrop and marks ------------------------------------------------------------
  const generationCounter = useRef(0);
  const [generation, setGeneration] = useState(0);
  const [refreshGeneration, setRefreshGeneration] = useState(-1);
  const [maildrop, setMaildrop] = useState({ count: session.count, size: session.size });
  const [pending, setPending] = useState<ReadonlySet<string>>(() => new Set(session.pendingDeletion));
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());

  const onPage = useCallback((page: MessagePage, unfiltered: boolean) => {
    setMaildrop((previous) => ({
      count: typeof page.count === 'number' ? page.count : unfiltered ? page.total : previous.count,
      size: unfiltered ? page.size : previous.size,
    }));
    const marked = page.messages.filter((message) => message.deleted).map((message) => message.id);
    if (marked.length) {
      setPending((previous) => (marked.every((id) => previous.has(id)) ? previous : new Set([...previous, ...marked])));
    }
  }, []);

  const pages = useMessagePages({ filter, generation, refreshGeneration, onPage });
  const total = pages.total ?? 0;

  const reload = useCallback((withRefresh: boolean) => {
    generationCounter.current += 1;
    if (withRefresh) setRefreshGeneration(generationCounter.current);
    setGeneration(generationCounter.current);
  }, []);
  const refreshing = refreshGeneration === generation && pages.loading;

  // --- cursor and pane ----------------------------------------------------------------------
  const [cursor, setCursor] = useState(0);
  const [open, setOpen] = useState<OpenMessage | null>(null);
  const list = useRef<MessageListHandle | null>(null);
  const filterInput = useRef<HTMLInputElement | null>(null);
  const pane = useRef<HTMLElement | null>(null);

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

  useEffect(() => {
    setCursor(0);
  }, [filter, generation]);

  const showPane = useCallback((summary: MessageSummary, mode: 'peek' | 'read') => {
    setOpen({ summary, mode, previous: mode });
    // On a phone the list gives way to the message: move focus there.
    if (window.matchMedia('(max-width: 767px)').matches) requestAnimationFrame(() => pane.current?.focus());
  }, []);

  const peekAt = useCallback(
    (index: number) => {
      const message = pages.rowAt(index);
      if (!message) return;
      setCursor(index);
      showPane(message, 'peek');
    },
    [pages, showPane],
  );
  const openAt = useCallback(
    (index: number) => {
      const message = pages.rowAt(index);
      if (!message) return;
      setCursor(index);
      showPane(message, 'read');
    },
    [pages, showPane],
  );
  const closePane = useCallback(() => {
    setOpen(null);
    requestAnimationFrame(() => list.current?.reveal(cursor, true));
  }, [cursor]);

  const moveCursor = useCallback(
    (delta: number) => {
      if (total === 0) return;
      const next = Math.min(total - 1, Math.max(0, cursor + delta));
      setCursor(next);
      list.current?.reveal(next, true);
      const message = pages.rowAt(next);
      if (open?.mode === 'peek' && message) setOpen({ summary: message, mode: 'peek', previous: 'peek' });
    },
    [total, cursor, pages, open],
  );

  // --- notices and errors -------------------------------------------------------------------
  const [notice, setNotice] = useState('');
  const [actionError, setActionError] = useState<{ error: ApiError; context: string; retry?: () => void } | null>(null);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(''), 6000);
    return () => clearTimeout(timer);
  }, [notice]);

  // --- selection ----------------------------------------------------------------------------
  const [selectingAll, setSelectingAll] = useState(false);
  const toggleSelect = useCallback((index: number, id: string) => {
    setCursor(index);
    setSelected((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }, []);
  useEffect(() => {
    setSelected(new Set());
  }, [filter]);

  const selectAllMatching = useCallback(async () => {
    setSelectingAll(true);
    setActionError(null);
    try {
      const ids = await listMatchingIds(filter);
      setSelected(new Set(ids));
      setNotice(`Selected ${plural(ids.length, 'message')}.`);
    } catch (cause) {
      setActionError({ error: asApiError(cause), context: 'Selecting every message failed.', retry: () => void selectAllMatching() });
    } finally {
      setSelectingAll(false);
    }
  }, [filter]);

  // --- deletion -----------------------------------------------------------------------------
  const [busy, setBusy] = useState(false);
  const addPending = (ids: string[]) => setPending((previous) => new Set([...previous, ...ids]));

  const deleteOne = useCallback(async (id: string) => {
    setActionError(null);
    try {
      const deleted = await deleteMessage(id);
      addPending([deleted]);
      setNotice('1 message marked for deletion.');
    } catch (cause) {
      setActionError({ error: asApiError(cause), context: 'Marking the message for deletion failed.', retry: () => void deleteOne(id) });
    }
  }, []);

  const deleteSelected = useCallback(async () => {
    const ids = [...selected].filter((id) => !pending.has(id));
    if (ids.length === 0) {
      setSelected(new Set());
      return;
    }
    setActionError(null);
    setBusy(true);
    try {
      const deleted = await deleteMessages(ids);
      addPending(deleted);
      setSelected(new Set());
      setNotice(`${plural(deleted.length, 'message')} marked for deletion.`);
    } catch (cause) {
      setActionError({ error: asApiError(cause), context: 'Marking the messages for deletion failed.', retry: () => void deleteSelected() });
    } finally {
      setBusy(false);
    }
  }, [selected, pending]);

  const markCurrent = useCallback(() => {
    if (selected.size > 0) {
      void deleteSelected();
      return;
    }
    const target = open?.summary ?? pages.rowAt(cursor);
    if (target && !pending.has(target.id)) void deleteOne(target.id);
  }, [selected, open, pages, cursor, pending, deleteSelected, deleteOne]);

  const undo = useCallback(async () => {
    if (pending.size === 0 || busy) return;
    setActionError(null);
    setBusy(true);
    try {
      const { restored } = await resetDeletions();
      setPending(new Set());
      setNotice(`Undone: ${plural(restored, 'message')} will be kept.`);
    } catch (cause) {
      setActionError({ error: asApiError(cause), context: 'Undoing the deletion marks failed.', retry: () => void undo() });
    } finally {
      setBusy(false);
    }
  }, [pending, busy]);

  const apply = useCallback(async () => {
    if (pending.size === 0 || busy) return;
    setActionError(null);
    setBusy(true);
    try {
      const result = await commitDeletions();
      setPending(new Set());
      setSelected(new Set());
      setMaildrop({ count: result.count, size: result.size });
      setOpen((current) => (current && pending.has(current.summary.id) ? null : current));
      if (result.reconnected === false) {
        // The deletions were made, but the server refused the new login for now: show what is known,
        // without the deleted rows, rather than asking it for a list it will not give yet.
        pages.forget(pending);
        const again = result.retryAfter
          ? `The server asks to wait before logging in again (about ${Math.max(1, Math.ceil(result.retryAfter / 60))} min)`
          : 'Logging in again did not work just now';
        setNotice(`${plural(result.deleted, 'message')} deleted from the server. ${again}; the list shows what was known until then.`);
      } else {
        setNotice(`${plural(result.deleted, 'message')} deleted from the server.`);
        reload(false);
      }
    } catch (cause) {
      setActionError({ error: asApiError(cause), context: 'Applying the deletions failed.', retry: () => void apply() });
    } finally {
      setBusy(false);
    }
  }, [pending, busy, reload, pages]);

  // --- logout -------------------------------------------------------------------------------
  const [logoutOpen, setLogoutOpen] = useState(false);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);

  const finishLogout = useCallback(
    async (keepMarks: boolean) => {
      setBusy(true);
      setActionError(null);
      try {
        if (keepMarks) await resetDeletions();
        const { deleted } = await logout();
        onLoggedOut(deleted > 0 ? `You are logged out. ${plural(deleted, 'message')} deleted from the server.` : 'You are logged out.');
      } catch (cause) {
        const error = asApiError(cause);
        if (error.code === 'NO_SESSION') {
          onLoggedOut('You are logged out.');
          return;
        }
        setLogoutOpen(false);
        setActionError({ error, context: 'Logging out failed.', retry: () => void finishLogout(keepMarks) });
      } finally {
        setBusy(false);
      }
    },
    [onLoggedOut],
  );
  const requestLogout = useCallback(() => {
    if (pending.size > 0) setLogoutOpen(true);
    else void finishLogout(false);
  }, [pending, finishLogout]);

  // --- keyboard -----------------------------------------------------------------------------
  useInboxShortcuts(
    {
      next: () => moveCursor(1),
      previous: () => moveCursor(-1),
      open: () => openAt(cursor),
      peek: () => peekAt(cursor),
      toggleSelect: () => {
        const message = pages.rowAt(cursor);
        if (message) toggleSelect(cursor, message.id);
      },
      markDeleted: markCurrent,
      undo: () => void undo(),
      refresh: () => reload(true),
      focusFilter: () => filterInput.current?.focus(),
      showHelp: () => setShortcutsOpen(true),
      close: () => {
        if (open?.mode === 'source') setOpen({ ...open, mode: open.previous });
        else if (open) closePane();
      },
    },
    true,
  );

  const openPending = open ? pending.has(open.summary.id) : false;
  const paneContent = useMemo(() => {
    if (!open) return <PanePlaceholder />;
    const toSource = () => setOpen({ ...open, mode: 'source', previous: open.mode === 'source' ? open.previous : open.mode });
    switch (open.mode) {
      case 'peek':
        return (
          <PeekPane
            key={open.summary.id}
            message={open.summary}
            isPending={openPending}
            onDownload={() => setOpen({ ...open, mode: 'read', previous: 'read' })}
            onDelete={() => void deleteOne(open.summary.id)}
            onSource={toSource}
            onClose={closePane}
          />
        );
      case 'read':
        return (
          <ReadView
            key={open.summary.id}
            summary={open.summary}
            isPending={openPending}
            onDelete={() => void deleteOne(open.summary.id)}
            onSource={toSource}
            onClose={closePane}
          />
        );
      case 'source':
        return (
          <SourceView
            message={open.summary}
            onBack={() => setOpen({ ...open, mode: open.previous })}
            backLabel={open.previous === 'read' ? 'Back to the message' : 'Back to the peek'}
          />
        );
    }
  }, [open, openPending, deleteOne, closePane]);

  return (
    <div className="flex h-dvh flex-col">
      <AppHeader
        session={session}
        count={maildrop.count}
        size={maildrop.size}
        refreshing={refreshing}
        onRefresh={() => reload(true)}
        onShortcuts={() => setShortcutsOpen(true)}
        onLogout={requestLogout}
      />
      <PendingBar count={pending.size} busy={busy} onUndo={() => void undo()} onApply={() => void apply()} />
      {actionError ? (
        <div className="border-b border-slate-200 px-3 py-2 sm:px-4 dark:border-slate-800">
          <ErrorBanner
            error={actionError.error}
            context={actionError.context}
            onRetry={actionError.retry}
            onDismiss={() => setActionError(null)}
          />
        </div>
      ) : null}

      <main className="flex min-h-0 flex-1">
        <section
          aria-labelledby="inbox-heading"
          className={`${open ? 'hidden md:flex' : 'flex'} min-h-0 w-full shrink-0 flex-col border-slate-200 md:w-[25rem] md:border-r lg:w-[30rem] xl:w-[34rem] dark:border-slate-800`}
        >
          <h1 id="inbox-heading" className="sr-only">
            Inbox
          </h1>
          <InboxToolbar
            filterRef={filterInput}
            query={query}
            minSize={minSize}
            onQuery={setQuery}
            onMinSize={setMinSize}
            onFilterFocus={warmForFilter}
            onLeaveFilter={() => {
              filterInput.current?.blur();
              list.current?.reveal(cursor, true);
            }}
            total={pages.total}
            totalSize={pages.size}
            filtered={filtered}
            selectedCount={selected.size}
            selectingAll={selectingAll}
            onSelectAll={() => void selectAllMatching()}
            onClearSelection={() => setSelected(new Set())}
            onDeleteSelected={() => void deleteSelected()}
          />
          {pages.error ? (
            <div className="p-3">
              <ErrorBanner error={pages.error} context="The inbox could not be loaded." onRetry={pages.retry} />
            </div>
          ) : null}
          {pages.total === null ? (
            pages.error ? null : <InboxSkeleton />
          ) : total === 0 ? (
            <EmptyInbox
              filtered={filtered}
              onClearFilter={() => {
                setQuery('');
                setMinSize(null);
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
              onPeek={peekAt}
              onOpen={openAt}
              onToggleSelect={toggleSelect}
              onCursor={setCursor}
            />
          )}
        </section>

        <section
          ref={pane}
          tabIndex={-1}
          aria-label="Reading pane"
          className={`${open ? 'flex' : 'hidden md:flex'} min-h-0 min-w-0 flex-1 flex-col overflow-y-auto outline-none`}
        >
          <div className="mx-auto w-full max-w-4xl flex-1 p-4 sm:p-6">{paneContent}</div>
        </section>
      </main>

      <p role="status" aria-live="polite" className="pointer-events-none fixed bottom-4 left-1/2 z-10 -translate-x-1/2">
        {notice ? (
          <span className="block rounded-full bg-slate-900 px-4 py-2 text-sm text-white shadow-lg dark:bg-slate-100 dark:text-slate-900">
            {notice}
          </span>
        ) : null}
      </p>

      <ShortcutsDialog open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
      <LogoutDialog
        open={logoutOpen}
        pendingCount={pending.size}
        busy={busy}
        onConfirm={() => void finishLogout(false)}
        onKeepAndLogout={() => void finishLogout(true)}
        onCancel={() => setLogoutOpen(false)}
      />
    </div>
  );
}
