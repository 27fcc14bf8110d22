'use client';

import type { MessageSummary } from './api-client';
import { displayName } from './format-address';
import { formatShortDate } from './format-date';
import { Icon } from './icon';
import { SizeBadge } from './size-badge';

interface MessageRowProps {
  message: MessageSummary;
  index: number;
  isCursor: boolean;
  isOpen: boolean;
  isSelected: boolean;
  isPending: boolean;
  onPeek: (index: number) => void;
  onOpen: (index: number) => void;
  onToggleSelect: (index: number, id: string) => void;
  onFocusRow: (index: number) => void;
}

/** One inbox line: select box, sender, subject, date, and the size, all from headers only. */
export function MessageRow(props: MessageRowProps) {
  const { message, index, isCursor, isOpen, isSelected, isPending } = props;
  const sender = displayName(message.from);
  const subject = message.subject?.trim() || '(no subject)';
  const tone = isOpen
    ? 'bg-sky-100 dark:bg-sky-900/50'
    : isSelected
      ? 'bg-sky-50 dark:bg-sky-950/60'
      : 'bg-white hover:bg-slate-50 dark:bg-slate-900 dark:hover:bg-slate-800/70';
  return (
    <div
      data-testid="message-row"
      data-message-id={message.id}
      data-pending={isPending ? 'true' : undefined}
      className={`relative flex h-full items-center gap-3 border-b border-slate-200 pr-3 pl-3 dark:border-slate-800 ${tone}`}
    >
      {isCursor ? <span aria-hidden="true" className="absolute inset-y-0 left-0 w-1 bg-sky-600 dark:bg-sky-400" /> : null}
      <input
        type="checkbox"
        tabIndex={isCursor ? 0 : -1}
        checked={isSelected}
        onChange={() => props.onToggleSelect(index, message.id)}
        onFocus={() => props.onFocusRow(index)}
        aria-label={`Select “${subject}” from ${sender}`}
        className="h-4 w-4 shrink-0 accent-sky-700"
      />
      <button
        type="button"
        data-row-index={index}
        tabIndex={isCursor ? 0 : -1}
        aria-current={isOpen ? 'true' : undefined}
        onClick={() => props.onPeek(index)}
        onDoubleClick={() => props.onOpen(index)}
        onFocus={() => props.onFocusRow(index)}
        className="flex h-full min-w-0 flex-1 items-center gap-3 text-left outline-none focus-visible:ring-2 focus-visible:ring-sky-600 focus-visible:ring-inset"
      >
        <span className={`flex min-w-0 flex-1 flex-col gap-0.5 ${isPending ? 'text-slate-600 dark:text-slate-400' : ''}`}>
          <span className="flex items-baseline gap-2">
            <span className={`truncate font-medium ${isPending ? 'line-through' : ''}`}>{sender}</span>
            <span className="ml-auto shrink-0 text-xs text-slate-600 tabular-nums dark:text-slate-400">
              {formatShortDate(message.date)}
            </span>
          </span>
          <span className={`flex items-center gap-1.5 text-sm ${isPending ? '' : 'text-slate-700 dark:text-slate-300'}`}>
            <span className={`truncate ${isPending ? 'line-through' : ''}`}>{subject}</span>
            {message.hasAttachments ? (
              <span className="shrink-0 text-slate-500 dark:text-slate-400" title="Has attachments">
                <Icon name="paperclip" className="h-3.5 w-3.5" />
                <span className="sr-only">, has attachments</span>
              </span>
            ) : null}
            {isPending ? (
              <span className="shrink-0 rounded bg-red-100 px-1.5 text-xs font-medium text-red-800 no-underline dark:bg-red-950 dark:text-red-200">
                to be deleted
              </span>
            ) : null}
          </span>
        </span>
        <SizeBadge bytes={message.size} />
      </button>
    </div>
  );
}
