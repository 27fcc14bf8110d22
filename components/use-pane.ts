'use client';

import { useCallback, type Dispatch, type RefObject } from 'react';
import type { MessageSummary } from './api-client';
import type { InboxAction, InboxState } from './inbox-state';
import type { MessageListHandle } from './message-list';

interface UsePaneOptions {
  state: RefObject<InboxState>;
  dispatch: Dispatch<InboxAction>;
  total: number;
  rowAt: (index: number) => MessageSummary | undefined;
  list: RefObject<MessageListHandle | null>;
  pane: RefObject<HTMLElement | null>;
}

const PHONE = '(max-width: 767px)';

/** The cursor in the list and the message in the reading pane (peek, read in full, source). */
export function usePane({ state, dispatch, total, rowAt, list, pane }: UsePaneOptions) {
  const show = useCallback(
    (summary: MessageSummary, mode: 'peek' | 'read', index?: number) => {
      dispatch({ type: 'show', summary, mode, index });
      // On a phone the list gives way to the message: move focus there.
      if (window.matchMedia(PHONE).matches) requestAnimationFrame(() => pane.current?.focus());
    },
    [dispatch, pane],
  );

  const peekAt = useCallback(
    (index: number) => {
      const message = rowAt(index);
      if (message) show(message, 'peek', index);
    },
    [rowAt, show],
  );

  const openAt = useCallback(
    (index: number) => {
      const message = rowAt(index);
      if (message) show(message, 'read', index);
    },
    [rowAt, show],
  );

  const close = useCallback(() => {
    dispatch({ type: 'close' });
    const cursor = state.current.cursor;
    requestAnimationFrame(() => list.current?.reveal(cursor, true));
  }, [state, dispatch, list]);

  const moveCursor = useCallback(
    (delta: number) => {
      if (total === 0) return;
      const { cursor, open } = state.current;
      const next = Math.min(total - 1, Math.max(0, cursor + delta));
      dispatch({ type: 'cursor', index: next });
      list.current?.reveal(next, true);
      const message = rowAt(next);
      if (open?.mode === 'peek' && message) dispatch({ type: 'show', summary: message, mode: 'peek' });
    },
    [total, state, dispatch, list, rowAt],
  );

  return { show, peekAt, openAt, close, moveCursor };
}
