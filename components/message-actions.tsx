import type { ReactNode } from 'react';
import { Icon } from './icon';

interface MessageActionsProps {
  title: string;
  onClose: () => void;
  onDelete: () => void;
  onSource?: () => void;
  isPending: boolean;
  children?: ReactNode;
}

/** The bar above a peeked or opened message: back to the list, delete, view source. */
export function MessageActions({ title, onClose, onDelete, onSource, isPending, children }: MessageActionsProps) {
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
      <button type="button" className="btn btn-secondary" onClick={onDelete} disabled={isPending}>
        <Icon name="trash" />
        {isPending ? 'Marked for deletion' : 'Delete'}
      </button>
    </div>
  );
}
