'use client';

import { useEffect, useRef } from 'react';

export interface InboxShortcutHandlers {
  next: () => void;
  previous: () => void;
  open: () => void;
  peek: () => void;
  toggleSelect: () => void;
  markDeleted: () => void;
  undo: () => void;
  refresh: () => void;
  focusFilter: () => void;
  showHelp: () => void;
  close: () => void;
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) return target.type !== 'checkbox' && target.type !== 'radio';
  return false;
}

/** Controls that activate natively on Enter/Space; only inbox rows get the shortcut meaning. */
function isNativeControl(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.dataset.rowIndex !== undefined) return false;
  return target.closest('button, a[href], summary, input, [role="button"]') !== null;
}

function inList(target: EventTarget | null): boolean {
  return target === document.body || (target instanceof HTMLElement && target.closest('[data-message-list]') !== null);
}

/**
 * Mail-client keys on the whole page, except while typing in a field or while a dialog is open.
 */
export function useInboxShortcuts(handlers: InboxShortcutHandlers, enabled: boolean) {
  const latest = useRef(handlers);
  latest.current = handlers;

  useEffect(() => {
    if (!enabled) return;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
      if (isEditable(event.target)) return;
      if (document.querySelector('dialog[open]')) return;
      const h = latest.current;
      let handled = true;
      switch (event.key) {
        case 'j':
          h.next();
          break;
        case 'k':
          h.previous();
          break;
        case 'ArrowDown':
        case 'ArrowUp':
          // Arrows scroll a message being read; they move through the list only from the list.
          if (!inList(event.target)) return;
          if (event.key === 'ArrowDown') h.next();
          else h.previous();
          break;
        case 'Enter':
          if (isNativeControl(event.target)) return;
          h.open();
          break;
        case ' ':
          if (isNativeControl(event.target)) return;
          h.peek();
          break;
        case 'x':
          h.toggleSelect();
          break;
        case '#':
        case 'Delete':
          h.markDeleted();
          break;
        case 'u':
          h.undo();
          break;
        case 'r':
          h.refresh();
          break;
        case '/':
          h.focusFilter();
          break;
        case '?':
          h.showHelp();
          break;
        case 'Escape':
          h.close();
          break;
        default:
          handled = false;
      }
      if (handled) event.preventDefault();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}
