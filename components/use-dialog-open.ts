'use client';

import { useEffect, useRef, type RefObject } from 'react';

/**
 * A native <dialog>, shown as a modal while `open` is true and closed when it turns false.
 * `showModal()` rather than the `open` attribute: that is what traps focus and restores it after.
 */
export function useDialogOpen(open: boolean): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  return dialog;
}
