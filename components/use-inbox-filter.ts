'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type { MessageFilter } from './api-client';

/** Typing waits this long before the list asks the server (clearing the text applies at once). */
const FILTER_DELAY_MS = 250;

/** The filter as typed, and the filter applied to the list once typing pauses. */
export function useInboxFilter(initial: MessageFilter) {
  const [query, setQuery] = useState(initial.q);
  const [minSize, setMinSize] = useState<number | null>(initial.minSize);
  const [filter, setFilter] = useState<MessageFilter>(initial);
  /** Enter or Esc was pressed: what is typed is applied without waiting for the pause. */
  const [urgent, setUrgent] = useState(false);
  useEffect(() => {
    const apply = () =>
      setFilter((previous) => (previous.q === query.trim() && previous.minSize === minSize ? previous : { q: query.trim(), minSize }));
    if (urgent || query.trim() === filter.q) {
      apply();
      if (urgent) setUrgent(false);
      return;
    }
    const timer = setTimeout(apply, FILTER_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, minSize, filter.q, urgent]);

  /** Sets what is typed and what is applied at once (Back and Forward, a reload). */
  const replace = (next: MessageFilter) => {
    setQuery(next.q);
    setMinSize(next.minSize);
    setFilter((previous) => (previous.q === next.q && previous.minSize === next.minSize ? previous : next));
  };

  return {
    query,
    minSize,
    setQuery,
    setMinSize,
    filter,
    replace,
    /** Applies what is typed now (or about to be, in the same event) instead of after the pause. */
    applyNow: () => setUrgent(true),
    /** Empties the text and the size, applied at once. */
    clear: () => {
      setQuery('');
      setMinSize(null);
      setUrgent(true);
    },
    filtered: filter.q !== '' || filter.minSize !== null,
    /** What is typed is what the list was asked for. */
    applied: query.trim() === filter.q && minSize === filter.minSize,
  };
}

/**
 * Keyboard focus back to the list once it shows what the filter asked for (after Enter or Esc in the filter box, or
 * Esc in the list): waiting for the settled list, so the row focused is not replaced a moment later by the new
 * listing. With nothing matching there is no row to go to, and focus stays where it is (the filter box).
 * A request the listing failed, or that the person overtook (typing in the box again), is dropped: focus
 * never jumps later, mid-typing. `focusRow(fresh)`: `fresh` when a new listing came in since the request.
 */
export function useFocusListWhenSettled({ settled, failed, listing, total, focusRow }: { settled: boolean; failed: boolean; listing: number; total: number; focusRow: (fresh: boolean) => void }) {
  const [wanted, setWanted] = useState<{ listing: number } | null>(null);
  const focusLatest = useRef(focusRow);
  focusLatest.current = focusRow;
  const listingNow = useRef(listing);
  listingNow.current = listing;
  useEffect(() => {
    if (!wanted) return;
    if (failed) {
      setWanted(null);
      return;
    }
    if (!settled) return;
    // Also renders the list once more, which is when it moves focus to the row asked for.
    setWanted(null);
    if (total > 0) focusLatest.current(listing !== wanted.listing);
  }, [wanted, settled, failed, listing, total]);
  const request = useCallback(() => setWanted({ listing: listingNow.current }), []);
  const cancel = useCallback(() => setWanted(null), []);
  return { request, cancel };
}
