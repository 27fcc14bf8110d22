'use client';

import type { MouseEvent } from 'react';
import type { MessageSummary } from './api-client';
import { displayName } from './format-address';
import { formatShortDate } from './format-date';
import { Icon } from './icon';
import { SizeBadge } from './size-badge';

interface MessageRowProps {
  message: MessageSummary;
  index: number;
  /** The message's own address (`/?m=…`): a middle or Ctrl-click opens it in a new tab. */
  href: string;
  isCursor: boolean;
  isOpen: boolean;
  isSelected: boolean;
  isPending: boolean;
  isSeen: boolean;
  onActivate: (index: number) => void;
  onOpen: (index: number) => void;
  onToggleSelect: (index: number, id: string, range: boolean) => void;
  onKeep: (id: string) => void;
  onFocusRow: (index: number) => void;
}

/** A click the browser should handle itself: a new tab or window. */
function wantsNewTab(event: MouseEvent): boolean {
  return event.button !== 0 || event.ctrlKey || event.metaKey || event.altKey;
}

/** One inbox line: select box, sender, subject, date, and the size, all from headers only. */
export function MessageRow(props: MessageRowProps) {
  const { message, index, isCursor, isOpen, isSelected, isPending, isSeen } = props;
  const sender = displayName(message.from);
  const subject = message.subject?.trim() || '(no subject)';
  const tone = isOpen
    ? 'bg-sky-100 dark:bg-sky-900/50'
    : isSelected
      ? 'bg-sky-50 dark:bg-sky-950/60'
      : 'bg-white hover:bg-slate-50 dark:bg-slate-900 dark:hover:bg-slate-800/70';
  const unread = !isSeen && !isPending;
  return (
    <div
      data-testid="message-row"
      data-message-id={message.id}
      data-pending={isPending ? 'true' : undefined}
      data-unread={unread ? 'true' : undefined}
      data-new={message.isNew ? 'true' : undefined}
      className={`relative flex h-full items-center gap-1.5 border-b border-slate-200 pr-1.5 pl-3 dark:border-slate-800 ${tone}`}
    >
      {isCursor ? <span aria-hidden="true" className="absolute inset-y-0 left-0 w-1 bg-sky-600 dark:bg-sky-400" /> : null}
      <input
        type="checkbox"
        tabIndex={isCursor ? 0 : -1}
        checked={isSelected}
        onChange={(event) => props.onToggleSelect(index, message.id, (event.nativeEvent as globalThis.MouseEvent).shiftKey === true)}
        onFocus={() => props.onFocusRow(index)}
        aria-label={`Select “${subject}” from ${sender}`}
        className="h-4 w-4 shrink-0 accent-sky-700"
      />
      <a
        href={props.href}
        data-row-index={index}
        tabIndex={isCursor ? 0 : -1}
        aria-current={isOpen ? 'true' : undefined}
        onClick={(event) => {
          if (wantsNewTab(event)) return;
          event.preventDefault();
          // Shift-click extends the selection, as in a file list.
          if (event.shiftKey) props.onToggleSelect(index, message.id, true);
          else props.onActivate(index);
        }}
        onDoubleClick={(event) => {
          if (event.shiftKey) return;
          props.onOpen(index);
        }}
        onFocus={() => props.onFocusRow(index)}
        // Padding inside the link keeps its focus ring clear of the dot and the size.
        className="flex h-full min-w-0 flex-1 items-center gap-3 px-1.5 text-left no-underline outline-none focus-visible:ring-2 focus-visible:ring-sky-600 focus-visible:ring-inset"
      >
        {/* A column for the dot on every row, so text lines up whether read or not. */}
        <span className="-mr-1 flex w-2 shrink-0 items-center">
          {unread ? (
            <span data-testid="unread-dot" className="flex">
              <span aria-hidden="true" className="h-2 w-2 rounded-full bg-sky-600 dark:bg-sky-400" />
              <span className="sr-only">Unread: </span>
            </span>
          ) : null}
        </span>
        <span className={`flex min-w-0 flex-1 flex-col gap-0.5 ${isPending ? 'text-slate-600 dark:text-slate-400' : ''}`}>
          <span className="flex items-baseline gap-2" data-testid="row-from-line">
            <span className={`truncate ${unread ? 'font-bold' : 'font-medium'} ${isPending ? 'line-through' : ''}`}>{sender}</span>
            {message.isNew ? (
              <span className="shrink-0 rounded bg-sky-100 px-1.5 text-xs font-semibold text-sky-900 dark:bg-sky-900 dark:text-sky-100">new</span>
            ) : null}
            <span className="ml-auto shrink-0 text-xs text-slate-600 tabular-nums dark:text-slate-400">
              {formatShortDate(message.date)}
            </span>
          </span>
          <span className={`flex items-center gap-1.5 text-sm ${isPending ? '' : 'text-slate-700 dark:text-slate-300'}`}>
            <span data-testid="row-subject" className={`truncate ${isPending ? 'line-through' : ''} ${unread ? 'font-semibold text-slate-900 dark:text-slate-100' : ''}`}>
              {subject}
            </span>
            {message.hasAttachments ? (
              <span className="shrink-0 text-slate-500 dark:text-slate-400" title="Has attachments">
                <Icon name="paperclip" className="h-3.5 w-3.5" />
                <span className="sr-only">, has attachments</span>
              </span>
            ) : null}
            {isPending ? (
              // On a phone the strike-through and Keep say it; the words stay for screen readers, the subject keeps the room.
              <span className="sr-only sm:not-sr-only sm:shrink-0 sm:rounded sm:bg-red-100 sm:px-1.5 sm:text-xs sm:font-medium sm:text-red-800 sm:dark:bg-red-950 sm:dark:text-red-200">
                to be deleted
              </span>
            ) : null}
          </span>
        </span>
        {/* On a phone a marked row shows Keep where its size was, so the sender keeps the width of any other row. */}
        {isPending ? (
          <span className="hidden sm:contents">
            <SizeBadge bytes={message.size} />
          </span>
        ) : (
          <SizeBadge bytes={message.size} />
        )}
      </a>
      {isPending ? (
        <button
          type="button"
          tabIndex={isCursor ? 0 : -1}
          className="btn btn-secondary mr-1.5 shrink-0 px-2 py-1 text-xs"
          onClick={() => props.onKeep(message.id)}
          aria-label={`Keep “${subject}”`}
          title="Take the deletion mark off"
        >
          <Icon name="undo" className="h-3.5 w-3.5" />
          Keep
        </button>
      ) : null}
    </div>
  );
}
