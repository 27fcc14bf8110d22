import type { ApiError, MessageSummary, SessionInfo } from './api-client';

export type PaneMode = 'peek' | 'read' | 'source';

export interface OpenMessage {
  summary: MessageSummary;
  mode: PaneMode;
  /** Where "back" from the source view goes. */
  previous: 'peek' | 'read';
}

export interface ActionError {
  error: ApiError;
  context: string;
  retry?: () => void;
}

/**
 * Everything the inbox remembers besides the pages of the list (use-message-pages.ts) and the
 * filter being typed (use-inbox-filter.ts). One reducer, so each change is one named step.
 */
export interface InboxState {
  cursor: number;
  open: OpenMessage | null;
  selected: ReadonlySet<string>;
  /** The row a shift-click extends a range from. */
  anchor: number | null;
  pending: ReadonlySet<string>;
  maildrop: { count: number; size: number };
  /** Read state changed here since the page was listed (id → seen). */
  seen: ReadonlyMap<string, boolean>;
  notice: string;
  actionError: ActionError | null;
  busy: boolean;
  selectingAll: boolean;
  logoutOpen: boolean;
  shortcutsOpen: boolean;
  /** The server's EXPIRE policy: downloading is an explicit act, once per session (this state's lifetime). */
  downloadAllowed: boolean;
  expireNoticeDismissed: boolean;
}

export type InboxAction =
  | { type: 'cursor'; index: number }
  | { type: 'show'; summary: MessageSummary; mode: 'peek' | 'read'; index?: number }
  | { type: 'mode'; mode: PaneMode }
  | { type: 'close' }
  | { type: 'toggle-select'; index: number; id: string }
  | { type: 'select-range'; index: number; ids: readonly string[] }
  | { type: 'set-selection'; ids: Iterable<string> }
  | { type: 'pending-add'; ids: readonly string[] }
  | { type: 'pending-remove'; ids: readonly string[] }
  | { type: 'pending-clear' }
  | { type: 'applied'; count: number; size: number }
  | { type: 'maildrop'; count: number; size: number }
  | { type: 'seen'; ids: readonly string[]; seen: boolean }
  | { type: 'seen-forget'; ids: readonly string[] }
  | { type: 'notice'; text: string }
  | { type: 'error'; error: ActionError | null }
  | { type: 'busy'; busy: boolean }
  | { type: 'selecting-all'; busy: boolean }
  | { type: 'dialog'; dialog: 'logout' | 'shortcuts'; open: boolean }
  | { type: 'allow-download' }
  | { type: 'dismiss-expire' }
  | { type: 'list-reset' };

export function initialInboxState(session: SessionInfo): InboxState {
  return {
    cursor: 0,
    open: null,
    selected: new Set(),
    anchor: null,
    pending: new Set(session.pendingDeletion),
    maildrop: { count: session.count, size: session.size },
    seen: new Map(),
    notice: '',
    actionError: null,
    busy: false,
    selectingAll: false,
    logoutOpen: false,
    shortcutsOpen: false,
    downloadAllowed: false,
    expireNoticeDismissed: false,
  };
}

function withIds(set: ReadonlySet<string>, ids: Iterable<string>): ReadonlySet<string> {
  const next = new Set(set);
  let changed = false;
  for (const id of ids) {
    if (!next.has(id)) {
      next.add(id);
      changed = true;
    }
  }
  return changed ? next : set;
}

function withoutIds(set: ReadonlySet<string>, ids: Iterable<string>): ReadonlySet<string> {
  const next = new Set(set);
  let changed = false;
  for (const id of ids) changed = next.delete(id) || changed;
  return changed ? next : set;
}

export function inboxReducer(state: InboxState, action: InboxAction): InboxState {
  switch (action.type) {
    case 'cursor':
      return state.cursor === action.index ? state : { ...state, cursor: action.index };
    case 'show':
      return {
        ...state,
        cursor: action.index ?? state.cursor,
        open: { summary: action.summary, mode: action.mode, previous: action.mode },
      };
    case 'mode': {
      const open = state.open;
      if (!open) return state;
      if (action.mode === 'source') return { ...state, open: { ...open, mode: 'source', previous: open.mode === 'source' ? open.previous : open.mode } };
      return { ...state, open: { ...open, mode: action.mode, previous: action.mode } };
    }
    case 'close':
      return state.open ? { ...state, open: null } : state;
    case 'toggle-select': {
      const selected = new Set(state.selected);
      if (selected.has(action.id)) selected.delete(action.id);
      else selected.add(action.id);
      return { ...state, cursor: action.index, anchor: action.index, selected };
    }
    case 'select-range':
      return { ...state, cursor: action.index, anchor: action.index, selected: withIds(state.selected, action.ids) };
    case 'set-selection':
      return { ...state, selected: new Set(action.ids), anchor: null };
    case 'pending-add': {
      const pending = withIds(state.pending, action.ids);
      return pending === state.pending ? state : { ...state, pending };
    }
    case 'pending-remove': {
      const pending = withoutIds(state.pending, action.ids);
      return pending === state.pending ? state : { ...state, pending };
    }
    case 'pending-clear':
      return { ...state, pending: new Set() };
    case 'applied': {
      // Apply deleted every pending message: the open one is gone with them.
      const openGone = state.open !== null && state.pending.has(state.open.summary.id);
      return {
        ...state,
        pending: new Set(),
        selected: new Set(),
        anchor: null,
        maildrop: { count: action.count, size: action.size },
        open: openGone ? null : state.open,
      };
    }
    case 'maildrop':
      return state.maildrop.count === action.count && state.maildrop.size === action.size
        ? state
        : { ...state, maildrop: { count: action.count, size: action.size } };
    case 'seen': {
      const seen = new Map(state.seen);
      for (const id of action.ids) seen.set(id, action.seen);
      return { ...state, seen };
    }
    case 'seen-forget': {
      if (action.ids.length === 0) return state;
      const seen = new Map(state.seen);
      for (const id of action.ids) seen.delete(id);
      return { ...state, seen };
    }
    case 'notice':
      return { ...state, notice: action.text };
    case 'error':
      return { ...state, actionError: action.error };
    case 'busy':
      return { ...state, busy: action.busy };
    case 'selecting-all':
      return { ...state, selectingAll: action.busy };
    case 'dialog':
      return action.dialog === 'logout' ? { ...state, logoutOpen: action.open } : { ...state, shortcutsOpen: action.open };
    case 'allow-download':
      return { ...state, downloadAllowed: true };
    case 'dismiss-expire':
      return { ...state, expireNoticeDismissed: true };
    case 'list-reset':
      // A new filter or listing: positions mean other messages now.
      return { ...state, cursor: 0, anchor: null };
  }
}
