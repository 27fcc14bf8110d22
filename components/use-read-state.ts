'use client';

import { useCallback, type Dispatch, type RefObject } from 'react';
import { setSeen, type MessageSummary } from './api-client';
import { asApiError, plural } from './inbox-helpers';
import type { InboxAction, InboxState } from './inbox-state';

/** Read and unread: the listing says what the account remembers; changes made here are kept on top of it. */
export function useReadState({ state, dispatch }: { state: RefObject<InboxState>; dispatch: Dispatch<InboxAction> }) {
  const isSeen = useCallback((message: MessageSummary): boolean => state.current.seen.get(message.id) ?? message.seen, [state]);

  const mark = useCallback(
    async (ids: string[], seen: boolean, quiet = false) => {
      if (ids.length === 0) return;
      // Shown at once; put back if the server refuses.
      const before = new Map(ids.map((id) => [id, state.current.seen.get(id)]));
      dispatch({ type: 'seen', ids, seen });
      try {
        await setSeen(ids, seen);
        if (!quiet) dispatch({ type: 'notice', text: `${plural(ids.length, 'message')} marked ${seen ? 'read' : 'unread'}.` });
      } catch (cause) {
        for (const [id, value] of before) if (value !== undefined) dispatch({ type: 'seen', ids: [id], seen: value });
        dispatch({ type: 'seen-forget', ids: [...before].filter(([, value]) => value === undefined).map(([id]) => id) });
        dispatch({
          type: 'error',
          error: { error: asApiError(cause), context: `Marking ${seen ? 'read' : 'unread'} failed.`, retry: () => void mark(ids, seen, quiet) },
        });
      }
    },
    [state, dispatch],
  );

  /** Reading in full marks a message read on the server; this page learns it without listing again. */
  const readInFull = useCallback((id: string) => dispatch({ type: 'seen', ids: [id], seen: true }), [dispatch]);

  return { isSeen, mark, readInFull };
}
