'use client';

import type { ReactNode } from 'react';
import { useDialogOpen } from './use-dialog-open';

interface ModalDialogProps {
  open: boolean;
  onClose: () => void;
  labelledBy: string;
  describedBy?: string;
  children: ReactNode;
}

/** The native <dialog> as a modal: it traps focus, closes on Escape and restores focus after. */
export function ModalDialog({ open, onClose, labelledBy, describedBy, children }: ModalDialogProps) {
  const dialog = useDialogOpen(open);

  return (
    <dialog
      ref={dialog}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onClose={onClose}
      className="m-auto w-[min(32rem,calc(100vw-2rem))] rounded-xl border border-slate-200 bg-white p-0 text-slate-900 shadow-xl dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
    >
      {open ? <div className="p-5">{children}</div> : null}
    </dialog>
  );
}
