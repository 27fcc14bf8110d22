import type { ReactNode } from 'react';
import { Icon } from './icon';

interface MessageActionsProps {
  title: string;
  onClose: () => void;
  onDelete: () => void;
  onSource?: () => void;
  isPending: boolean;
  /** Takes this message's deletion mark off (the other marks stay). Without it, a marked message just says so. */
  onKeep?: () => void;
  /** Read state, when the view offers to change it. */
  seen?: boolean;
  onMarkSeen?: (seen: boolean) => void;
  children?: ReactNode;
}

/** The bar above a peeked or opened message: back to the list, delete, view source. */
export function MessageActions({ title, onClose, onDelete, onSource, isPending, onKeep, seen, onMarkSeen, children }: MessageActionsProps) {
  return (
    <div role="toolbar" aria-label={`${title} actions`} className="flex flex-wrap items-center gap-2">
      <button type="button" className="btn btn-ghost -ml-2" onClick={onClose}>
        <Icon name="back" />
        <span className="md:hidden">Back to inbox</span>
        <span className="hidden md:inline">Close</span>
      </button>
      <span className="ml-auto" />
      {children}
      {onSource ? (
        <button type="button" className="btn btn-secondary" onClick={onSource}>
          <Icon name="code" />
          <span className="sr-only sm:not-sr-only">View source</span>
        </button>
      ) : null}
      {onMarkSeen && seen !== undefined ? (
        <button type="button" className="btn btn-secondary" onClick={() => onMarkSeen(!seen)}>
          <Icon name={seen ? 'mail' : 'eye'} />
          <span className="sr-only sm:not-sr-only">{seen ? 'Mark unread' : 'Mark read'}</span>
        </button>
      ) : null}
      {isPending && onKeep ? (
        <>
          <span className="text-sm font-medium text-red-800 dark:text-red-300">Marked for deletion</span>
          <button type="button" className="btn btn-secondary" onClick={onKeep}>
            <Icon name="undo" />
            Keep
          </button>
        </>
      ) : (
        <button type="button" className="btn btn-secondary" onClick={onDelete} disabled={isPending} aria-keyshortcuts="#">
          <Icon name="trash" />
          {isPending ? 'Marked for deletion' : 'Delete'}
        </button>
      )}
    </div>
  );
}
