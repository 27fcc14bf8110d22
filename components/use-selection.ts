'use client';

import { useCallback, type Dispatch, type RefObject } from 'react';
import { listMatchingIds, type MessageFilter, type MessageSummary } from './api-client';
import { asApiError, plural } from './inbox-helpers';
import type { InboxAction, InboxState } from './inbox-state';

interface UseSelectionOptions {
  state: RefObject<InboxState>;
  dispatch: Dispatch<InboxAction>;
  filter: MessageFilter;
  rowAt: (index: number) => MessageSummary | undefined;
}

/** Check boxes: one, a shift-click range, or every message the filter matches (asked of the server). */
export function useSelection({ state, dispatch, filter, rowAt }: UseSelectionOptions) {
  const toggle = useCallback((index: number, id: string) => dispatch({ type: 'toggle-select', index, id }), [dispatch]);

  /** Selects every loaded row from the last one ticked to this one (rows not yet loaded are skipped). */
  const selectRange = useCallback(
    (index: number, id: string) => {
      const anchor = state.current.anchor;
      if (anchor === null || anchor === index) {
        toggle(index, id);
        return;
      }
      const ids: string[] = [];
      for (let at = Math.min(anchor, index); at <= Math.max(anchor, index); at += 1) {
        const row = rowAt(at);
        if (row) ids.push(row.id);
      }
      dispatch({ type: 'select-range', index, ids });
    },
    [state, dispatch, rowAt, toggle],
  );

  const clear = useCallback(() => dispatch({ type: 'set-selection', ids: [] }), [dispatch]);

  const selectAllMatching = useCallback(async () => {
    dispatch({ type: 'selecting-all', busy: true });
    dispatch({ type: 'error', error: null });
    try {
      const ids = await listMatchingIds(filter);
      dispatch({ type: 'set-selection', ids });
      dispatch({ type: 'notice', text: `Selected ${plural(ids.length, 'message')}.` });
    } catch (cause) {
      dispatch({ type: 'error', error: { error: asApiError(cause), context: 'Selecting every message failed.', retry: () => void selectAllMatching() } });
    } finally {
      dispatch({ type: 'selecting-all', busy: false });
    }
  }, [dispatch, filter]);

  return { toggle, selectRange, clear, selectAllMatching };
}
