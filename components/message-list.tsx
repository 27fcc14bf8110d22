'use client';

import { useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type Ref } from 'react';
import type { MessageSummary } from './api-client';
import { MessageRow } from './message-row';
import { SkeletonRow } from './skeleton-row';

/** Every row has the same height, so any row's position is known without rendering the rest. */
export const ROW_HEIGHT = 68;
const OVERSCAN = 8;

export interface MessageListHandle {
  /** Scroll row `index` into view and, if asked, move keyboard focus to it. */
  reveal: (index: number, focus: boolean) => void;
}

interface MessageListProps {
  ref?: Ref<MessageListHandle>;
  total: number;
  rowAt: (index: number) => MessageSummary | undefined;
  ensureRange: (start: number, end: number) => void;
  cursor: number;
  openId: string | null;
  selected: ReadonlySet<string>;
  pending: ReadonlySet<string>;
  /** Read state as this page knows it (the listing's, or changed here since). */
  isSeen: (message: MessageSummary) => boolean;
  hrefFor: (id: string) => string;
  /** One click: opens a small message in full, peeks at a larger one. */
  onActivate: (index: number) => void;
  onOpen: (index: number) => void;
  onToggleSelect: (index: number, id: string, range: boolean) => void;
  onKeep: (id: string) => void;
  onCursor: (index: number) => void;
}

/**
 * The inbox as a virtual list: only the rows on screen (plus a few) exist in the DOM, and only
 * their pages are fetched, so scrolling stays smooth at 10,000 messages.
 */
export function MessageList(props: MessageListProps) {
  const { total, rowAt, ensureRange, cursor, openId, selected, pending } = props;
  const scroller = useRef<HTMLDivElement | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(600);
  const focusWanted = useRef<number | null>(null);
  const frame = useRef<number | null>(null);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    setViewport(element.clientHeight || 600);
    const observer = new ResizeObserver(() => setViewport(element.clientHeight || 600));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  const onScroll = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  }, []);
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total - 1, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);

  useEffect(() => {
    if (total > 0) ensureRange(first, last);
  }, [first, last, total, ensureRange]);

  useImperativeHandle(
    props.ref,
    () => ({
      reveal(index, focus) {
        const element = scroller.current;
        if (!element) return;
        const top = index * ROW_HEIGHT;
        if (top < element.scrollTop) element.scrollTop = top;
        else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) {
          element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
        }
        setScrollTop(element.scrollTop);
        if (focus) focusWanted.current = index;
      },
    }),
    [],
  );

  // Focus the requested row once it has been rendered.
  useEffect(() => {
    const index = focusWanted.current;
    if (index === null) return;
    const button = scroller.current?.querySelector<HTMLElement>(`[data-row-index="${index}"]`);
    if (button) {
      focusWanted.current = null;
      button.focus({ preventScroll: true });
    }
  });

  const rows = [];
  for (let index = first; index <= last; index += 1) {
    const message = rowAt(index);
    rows.push(
      <li
        key={message ? message.id : `loading-${index}`}
        aria-setsize={total}
        aria-posinset={index + 1}
        aria-busy={message ? undefined : true}
        className="absolute inset-x-0"
        style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT }}
      >
        {message ? (
          <MessageRow
            message={message}
            index={index}
            isCursor={index === cursor}
            isOpen={message.id === openId}
            isSelected={selected.has(message.id)}
            isPending={pending.has(message.id)}
            isSeen={props.isSeen(message)}
            href={props.hrefFor(message.id)}
            onActivate={props.onActivate}
            onOpen={props.onOpen}
            onToggleSelect={props.onToggleSelect}
            onKeep={props.onKeep}
            onFocusRow={props.onCursor}
          />
        ) : (
          <SkeletonRow />
        )}
      </li>,
    );
  }

  return (
    <div ref={scroller} onScroll={onScroll} data-message-list className="min-h-0 flex-1 overflow-y-auto overscroll-contain" data-testid="message-scroller">
      <ul aria-label="Messages" className="relative" style={{ height: total * ROW_HEIGHT }}>
        {rows}
      </ul>
    </div>
  );
}
