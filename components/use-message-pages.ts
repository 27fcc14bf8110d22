'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, listMessages, type MessageFilter, type MessagePage, type MessageSummary } from './api-client';
import { asApiError } from './inbox-helpers';

/** Rows fetched per request; the API allows up to 200. */
export const PAGE_SIZE = 100;

/** The pages holding rows start..end (inclusive) of a list of `total` rows. */
function pagesOf({ start, end }: { start: number; end: number }, total: number): number[] {
  const pages: number[] = [];
  const last = Math.min(end, total - 1);
  for (let page = Math.floor(Math.max(0, start) / PAGE_SIZE); page * PAGE_SIZE <= last; page += 1) pages.push(page);
  return pages;
}

export interface MessagePagesState {
  /** Matching messages, null until the first page arrives. */
  total: number | null;
  /** Bytes of the matching messages. */
  size: number;
  /** Messages in the whole maildrop. */
  count: number | null;
  pages: ReadonlyMap<number, MessageSummary[]>;
  error: ApiError | null;
  /**
   * A refresh failed: the rows already shown stay (they are still the server's listing, which a
   * refresh that did not get through left as it was), and the error says only that.
   */
  refreshError: ApiError | null;
  loading: boolean;
  /** Bumped each time a fresh listing's first page lands: row positions now mean other messages. */
  listing: number;
  /** The filter and generation these pages belong to: until they are the current ones, the list is stale. */
  filter: MessageFilter | null;
  generation: number | null;
}

interface UseMessagePagesOptions {
  filter: MessageFilter;
  /** Bump to drop every cached page (after applying deletions, say). */
  generation: number;
  /** When set for a generation, the first page is fetched with `refresh=1` (new mail). */
  refreshGeneration: number;
  onPage: (page: MessagePage, unfiltered: boolean) => void;
}

const EMPTY: MessagePagesState = {
  total: null,
  size: 0,
  count: null,
  pages: new Map(),
  error: null,
  refreshError: null,
  loading: true,
  listing: 0,
  filter: null,
  generation: null,
};

/**
 * A sparse cache of inbox pages. Rows are fetched a page at a time, only for the part of the
 * list on screen, so a 10,000-message maildrop costs no more than a 10-message one.
 */
export function useMessagePages({ filter, generation, refreshGeneration, onPage }: UseMessagePagesOptions) {
  const [state, setState] = useState<MessagePagesState>(EMPTY);
  const inFlight = useRef(new Set<number>());
  const token = useRef(0);
  const wanted = useRef<{ start: number; end: number }>({ start: 0, end: PAGE_SIZE - 1 });
  const onPageRef = useRef(onPage);
  onPageRef.current = onPage;
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const refreshRef = useRef(refreshGeneration);
  refreshRef.current = refreshGeneration;
  const generationRef = useRef(generation);
  generationRef.current = generation;
  const stateRef = useRef(state);
  stateRef.current = state;

  const fetchPage = useCallback(function fetchPage(pageIndex: number, myToken: number, refresh: boolean): void {
    if (inFlight.current.has(pageIndex)) return;
    inFlight.current.add(pageIndex);
    const currentFilter = filterRef.current;
    const currentGeneration = generationRef.current;
    listMessages({ offset: pageIndex * PAGE_SIZE, limit: PAGE_SIZE, refresh }, currentFilter)
      .then((page) => {
        if (token.current !== myToken) return;
        inFlight.current.delete(pageIndex);
        const before = stateRef.current;
        const fresh = before.generation !== currentGeneration || before.filter !== currentFilter;
        onPageRef.current(page, !currentFilter.q.trim() && !currentFilter.minSize);
        setState((previous) => {
          // Rows kept on screen during a refresh belong to the listing before it: the first page of a new one replaces them.
          const same = previous.generation === currentGeneration && previous.filter === currentFilter;
          const pages = same ? new Map(previous.pages) : new Map<number, MessageSummary[]>();
          pages.set(pageIndex, page.messages);
          return {
            total: page.total,
            size: page.size,
            count: page.count,
            pages,
            error: null,
            // A further page of the kept listing says nothing of the refresh that failed.
            refreshError: same ? previous.refreshError : null,
            loading: false,
            listing: same ? previous.listing : previous.listing + 1,
            filter: currentFilter,
            generation: currentGeneration,
          };
        });
        // A refresh kept the list where it was scrolled: the other rows on screen come from the new listing too.
        if (fresh && before.total !== null) {
          for (const other of pagesOf(wanted.current, page.total)) if (other !== pageIndex) fetchPage(other, myToken, false);
        }
      })
      .catch((cause: unknown) => {
        if (token.current !== myToken) return;
        inFlight.current.delete(pageIndex);
        const error = asApiError(cause);
        // A refresh that failed leaves the list as it was, now counted as this generation's (nothing new came).
        const kept = stateRef.current;
        const keeps = (shown: MessagePagesState) => refresh && shown.total !== null && shown.filter === currentFilter;
        // A further page that had failed before is asked for again just below: its banner gives way to this one.
        setState((previous) =>
          keeps(previous)
            ? { ...previous, error: null, refreshError: error, loading: false, generation: currentGeneration }
            : { ...previous, error, loading: false },
        );
        if (keeps(kept) && kept.total !== null) {
          // Rows scrolled to while the refresh was out were not fetched (no mixing of listings): they come from the kept one now.
          for (const other of pagesOf(wanted.current, kept.total)) if (!kept.pages.has(other)) fetchPage(other, myToken, false);
        }
      });
  }, []);

  // A new filter or generation starts a fresh cache.
  useEffect(() => {
    token.current += 1;
    inFlight.current.clear();
    const myToken = token.current;
    const refresh = refreshRef.current === generation;
    const previous = stateRef.current;
    if (refresh && previous.total !== null && previous.filter === filter) {
      // A refresh keeps the rows on screen until the new listing is in (or the refresh fails), also when a
      // further page had failed: its banner stays until the new listing, which brings those rows, is in.
      setState((current) => ({ ...current, loading: true, refreshError: null }));
    } else {
      setState((current) => ({ ...EMPTY, pages: new Map(), count: current.count, listing: current.listing }));
      wanted.current = { start: 0, end: PAGE_SIZE - 1 };
    }
    fetchPage(0, myToken, refresh);
  }, [filter, generation, fetchPage]);

  /** Make sure rows start..end (inclusive) are loaded or loading. */
  const ensureRange = useCallback(
    (start: number, end: number) => {
      wanted.current = { start, end };
      const current = stateRef.current;
      // While a refresh is out, rows of the old listing are not mixed with the new one's.
      if (current.total === null || current.error || current.generation !== generationRef.current) return;
      for (const page of pagesOf({ start, end }, current.total)) if (!current.pages.has(page)) fetchPage(page, token.current, false);
    },
    [fetchPage],
  );

  /** After an error: try the rows on screen again. */
  const retry = useCallback(() => {
    const current = stateRef.current;
    setState((previous) => ({ ...previous, error: null, loading: previous.loading || previous.total === null }));
    // While a refresh is out, its listing brings the rows on screen: none is asked of the old one (no mixing of listings).
    if (current.total !== null && current.generation !== generationRef.current) return;
    if (current.total === null) {
      fetchPage(0, token.current, false);
      return;
    }
    stateRef.current = { ...current, error: null };
    const { start, end } = wanted.current;
    for (let page = Math.floor(start / PAGE_SIZE); page * PAGE_SIZE <= end; page += 1) {
      if (!current.pages.has(page)) fetchPage(page, token.current, false);
    }
  }, [fetchPage]);

  const rowAt = useCallback(
    (index: number): MessageSummary | undefined => state.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
    [state.pages],
  );

  /** Where a loaded row is in the list, or null when it is not among the pages loaded. */
  const indexOf = useCallback(
    (id: string): number | null => {
      for (const [page, rows] of state.pages) {
        const at = rows.findIndex((row) => row.id === id);
        if (at >= 0) return page * PAGE_SIZE + at;
      }
      return null;
    },
    [state.pages],
  );

  /**
   * The first page for the current filter and generation is in: what the list shows is what was
   * asked for. (Right after a change, one render still shows the previous pages.)
   */
  const settled = !state.loading && state.error === null && state.filter === filter && state.generation === generation;

  /**
   * Drops rows the server no longer has (deleted by Apply) without asking it for the list again:
   * for when Apply's new login was refused and the list must show what is known until it succeeds.
   * Loaded pages from the top are kept, without those rows; pages after a gap are fetched again later.
   */
  const forget = useCallback((ids: ReadonlySet<string>) => {
    setState((previous) => {
      const kept: MessageSummary[] = [];
      let removed = 0;
      for (let page = 0; previous.pages.has(page); page += 1) {
        for (const row of previous.pages.get(page)!) {
          if (ids.has(row.id)) removed += 1;
          else kept.push(row);
        }
      }
      const pages = new Map<number, MessageSummary[]>();
      for (let start = 0; start < kept.length; start += PAGE_SIZE) pages.set(start / PAGE_SIZE, kept.slice(start, start + PAGE_SIZE));
      const total = previous.total === null ? null : Math.max(kept.length, previous.total - removed);
      return { ...previous, pages, total };
    });
  }, []);

  /** The person has read that the refresh failed. */
  const dismissRefreshError = useCallback(() => setState((previous) => ({ ...previous, refreshError: null })), []);

  return { ...state, settled, rowAt, indexOf, ensureRange, retry, forget, dismissRefreshError };
}
