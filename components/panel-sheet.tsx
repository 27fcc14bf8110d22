'use client';

import { useRef, type ReactNode } from 'react';
import { Icon } from './icon';
import { useDialogOpen } from './use-dialog-open';

interface PanelSheetProps {
  open: boolean;
  onClose: () => void;
  /** The heading; its id labels the dialog. */
  title: string;
  headingId: string;
  /** One sentence under the heading, read as the dialog's description. */
  description?: ReactNode;
  testId?: string;
  children: ReactNode;
}

/**
 * A larger panel over the inbox: the native <dialog> as a modal (focus trapped, Escape closes,
 * focus restored), a sheet on the right on a wide screen and the whole screen on a phone.
 */
export function PanelSheet({ open, onClose, title, headingId, description, testId, children }: PanelSheetProps) {
  const dialog = useDialogOpen(open);
  // The dialog's close event also fires when this component closes it (open became false), a task
  // later: by then another panel may be open, which that stale close must not shut as well.
  const wantedOpen = useRef(open);
  wantedOpen.current = open;

  const descriptionId = `${headingId}-description`;
  return (
    <dialog
      ref={dialog}
      aria-labelledby={headingId}
      aria-describedby={description ? descriptionId : undefined}
      onClose={() => {
        if (wantedOpen.current) onClose();
      }}
      data-testid={testId}
      className="m-0 ml-auto h-dvh max-h-none w-full max-w-none border-0 bg-slate-50 p-0 text-slate-900 shadow-2xl sm:w-[min(44rem,100vw)] sm:border-l sm:border-slate-200 dark:bg-slate-950 dark:text-slate-100 sm:dark:border-slate-800"
    >
      {open ? (
        <div className="flex h-full flex-col">
          <div className="flex items-start gap-3 border-b border-slate-200 bg-white px-4 py-3 sm:px-5 dark:border-slate-800 dark:bg-slate-900">
            <div className="min-w-0 flex-1">
              <h2 id={headingId} className="text-lg font-semibold">
                {title}
              </h2>
              {description ? (
                <p id={descriptionId} className="mt-0.5 text-sm text-slate-600 dark:text-slate-400">
                  {description}
                </p>
              ) : null}
            </div>
            <button type="button" className="btn btn-ghost -mr-2" onClick={onClose}>
              <Icon name="close" />
              Close
            </button>
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto px-4 py-4 sm:px-5">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}
