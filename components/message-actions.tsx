import type { ReactNode } from 'react';
import { Icon } from './icon';

interface MessageActionsProps {
  title: string;
  onClose: () => void;
  onDelete: () => void;
  onSource?: () => void;
  /** What the source costs, said on its button when it is more than a few lines ("first 1 MB"). */
  sourceCost?: string | null;
  /** Marked for deletion: nothing here can be done to it (the server sends neither it nor its source); the view's MarkedNotice offers Keep. */
  isPending: boolean;
  /** Read state, when the view offers to change it. */
  seen?: boolean;
  onMarkSeen?: (seen: boolean) => void;
  children?: ReactNode;
}

/**
 * The bar above a peeked or opened message: back to the list, delete, view source. On a phone the
 * actions after "Back" are icons (their words stay for screen readers), so the bar is one line.
 */
export function MessageActions({ title, onClose, onDelete, onSource, sourceCost, isPending, seen, onMarkSeen, children }: MessageActionsProps) {
  return (
    <div role="toolbar" aria-label={`${title} actions`} className="flex flex-wrap items-center gap-2">
      <button type="button" className="btn btn-ghost -ml-2" onClick={onClose}>
        <Icon name="back" />
        <span className="md:hidden">Back to inbox</span>
        <span className="hidden md:inline">Close</span>
      </button>
      <span className="ml-auto" />
      {children}
      {onSource && !isPending ? (
        <button type="button" className="btn btn-secondary" onClick={onSource}>
          <Icon name="code" />
          <span className="sr-only sm:not-sr-only">View source</span>
          {sourceCost ? <span> ({sourceCost})</span> : null}
        </button>
      ) : null}
      {onMarkSeen && seen !== undefined ? (
        <button type="button" className="btn btn-secondary" onClick={() => onMarkSeen(!seen)}>
          <Icon name={seen ? 'mail' : 'eye'} />
          <span className="sr-only sm:not-sr-only">{seen ? 'Mark unread' : 'Mark read'}</span>
        </button>
      ) : null}
      {isPending ? null : (
        <button type="button" className="btn btn-secondary" onClick={onDelete} aria-keyshortcuts="#">
          <Icon name="trash" />
          <span className="sr-only sm:not-sr-only">Delete</span>
        </button>
      )}
    </div>
  );
}
