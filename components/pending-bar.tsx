'use client';

import { Icon } from './icon';

interface PendingBarProps {
  count: number;
  busy: boolean;
  onUndo: () => void;
  onApply: () => void;
}

/** Marks are only marks until applied: say so, and offer both ways out. */
export function PendingBar({ count, busy, onUndo, onApply }: PendingBarProps) {
  if (count === 0) return null;
  return (
    <div
      role="region"
      aria-label="Pending deletions"
      className="flex flex-wrap items-center gap-2 border-b border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 sm:px-4 dark:border-amber-800 dark:bg-amber-950/50 dark:text-amber-100"
    >
      <Icon name="trash" className="h-4 w-4 shrink-0" />
      <p className="min-w-0 flex-1" role="status" data-testid="pending-count">
        <strong>{count.toLocaleString()}</strong> message{count === 1 ? '' : 's'} marked for deletion. Nothing is deleted
        until you apply or log out.
      </p>
      <button type="button" className="btn btn-secondary" onClick={onUndo} disabled={busy} aria-keyshortcuts="u">
        <Icon name="undo" />
        Undo
      </button>
      <button type="button" className="btn btn-danger" onClick={onApply} disabled={busy}>
        <Icon name="check" />
        Apply now
      </button>
    </div>
  );
}
