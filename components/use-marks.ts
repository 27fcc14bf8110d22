'use client';

import { useCallback, type Dispatch, type RefObject } from 'react';
import { commitDeletions, deleteMessage, deleteMessages, resetDeletions, undeleteMessages, type MessageSummary } from './api-client';
import { asApiError, plural } from './inbox-helpers';
import type { InboxAction, InboxState } from './inbox-state';

interface UseMarksOptions {
  state: RefObject<InboxState>;
  dispatch: Dispatch<InboxAction>;
  /** Rows that Apply deleted, dropped from the list when the server cannot be asked for it again. */
  forget: (ids: ReadonlySet<string>) => void;
  reload: (withRefresh: boolean) => void;
}

/**
 * Deletion marks: mark one or the selection, take one mark or all of them back, apply them.
 * Marks are only marks (DELE) until Apply (QUIT).
 */
export function useMarks({ state, dispatch, forget, reload }: UseMarksOptions) {
  const fail = useCallback(
    (cause: unknown, context: string, retry: () => void) => dispatch({ type: 'error', error: { error: asApiError(cause), context, retry } }),
    [dispatch],
  );

  const deleteOne = useCallback(
    async (id: string): Promise<boolean> => {
      dispatch({ type: 'error', error: null });
      try {
        const deleted = await deleteMessage(id);
        // No toast: the pending bar shows the count (and the inbox says it to screen readers).
        dispatch({ type: 'pending-add', ids: [deleted] });
        return true;
      } catch (cause) {
        fail(cause, 'Marking the message for deletion failed.', () => void deleteOne(id));
        return false;
      }
    },
    [dispatch, fail],
  );

  const deleteSelected = useCallback(async () => {
    const { selected, pending } = state.current;
    const ids = [...selected].filter((id) => !pending.has(id));
    if (ids.length === 0) {
      dispatch({ type: 'set-selection', ids: [] });
      return;
    }
    dispatch({ type: 'error', error: null });
    dispatch({ type: 'busy', busy: true });
    try {
      const deleted = await deleteMessages(ids);
      dispatch({ type: 'pending-add', ids: deleted });
      dispatch({ type: 'set-selection', ids: [] });
    } catch (cause) {
      fail(cause, 'Marking the messages for deletion failed.', () => void deleteSelected());
    } finally {
      dispatch({ type: 'busy', busy: false });
    }
  }, [state, dispatch, fail]);

  const undoAll = useCallback(async () => {
    if (state.current.pending.size === 0 || state.current.busy) return;
    dispatch({ type: 'error', error: null });
    dispatch({ type: 'busy', busy: true });
    try {
      const { restored } = await resetDeletions();
      dispatch({ type: 'pending-clear' });
      dispatch({ type: 'notice', text: `Undone: ${plural(restored, 'message')} will be kept.` });
    } catch (cause) {
      fail(cause, 'Undoing the deletion marks failed.', () => void undoAll());
    } finally {
      dispatch({ type: 'busy', busy: false });
    }
  }, [state, dispatch, fail]);

  /** Keeps one message; the other marks stay. */
  const undoOne = useCallback(
    async (message: Pick<MessageSummary, 'id'>) => {
      if (!state.current.pending.has(message.id) || state.current.busy) return;
      dispatch({ type: 'error', error: null });
      dispatch({ type: 'busy', busy: true });
      try {
        const { restored } = await undeleteMessages([message.id]);
        dispatch({ type: 'pending-remove', ids: restored.length > 0 ? restored : [message.id] });
        dispatch({ type: 'notice', text: 'Undone: 1 message will be kept.' });
      } catch (cause) {
        fail(cause, 'Taking the deletion mark off failed.', () => void undoOne(message));
      } finally {
        dispatch({ type: 'busy', busy: false });
      }
    },
    [state, dispatch, fail],
  );

  const apply = useCallback(async () => {
    const { pending, busy } = state.current;
    if (pending.size === 0 || busy) return;
    dispatch({ type: 'error', error: null });
    dispatch({ type: 'busy', busy: true });
    try {
      const result = await commitDeletions();
      dispatch({ type: 'applied', count: result.count, size: result.size });
      if (result.reconnected === false) {
        // The deletions were made, but the server refused the new login for now: show what is known,
        // without the deleted rows, rather than asking it for a list it will not give yet.
        forget(pending);
        const again = result.retryAfter
          ? `The server asks to wait before logging in again (about ${Math.max(1, Math.ceil(result.retryAfter / 60))} min)`
          : 'Logging in again did not work just now';
        dispatch({ type: 'notice', text: `${plural(result.deleted, 'message')} deleted from the server. ${again}; the list shows what was known until then.` });
      } else {
        dispatch({ type: 'notice', text: `${plural(result.deleted, 'message')} deleted from the server.` });
        reload(false);
      }
    } catch (cause) {
      fail(cause, 'Applying the deletions failed.', () => void apply());
    } finally {
      dispatch({ type: 'busy', busy: false });
    }
  }, [state, dispatch, fail, forget, reload]);

  return { deleteOne, deleteSelected, undoAll, undoOne, apply };
}
