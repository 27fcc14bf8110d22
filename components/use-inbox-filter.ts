'use client';

import { useEffect, useState } from 'react';
import type { MessageFilter } from './api-client';

/** Typing waits this long before the list asks the server (clearing the text applies at once). */
const FILTER_DELAY_MS = 250;

/** The filter as typed, and the filter applied to the list once typing pauses. */
export function useInboxFilter(initial: MessageFilter) {
  const [query, setQuery] = useState(initial.q);
  const [minSize, setMinSize] = useState<number | null>(initial.minSize);
  const [filter, setFilter] = useState<MessageFilter>(initial);
  useEffect(() => {
    const apply = () =>
      setFilter((previous) => (previous.q === query.trim() && previous.minSize === minSize ? previous : { q: query.trim(), minSize }));
    if (query.trim() === filter.q) {
      apply();
      return;
    }
    const timer = setTimeout(apply, FILTER_DELAY_MS);
    return () => clearTimeout(timer);
  }, [query, minSize, filter.q]);

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
    filtered: filter.q !== '' || filter.minSize !== null,
    /** What is typed is what the list was asked for. */
    applied: query.trim() === filter.q && minSize === filter.minSize,
  };
}
