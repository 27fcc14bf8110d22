'use client';

import { ModalDialog } from './modal-dialog';

interface LogoutDialogProps {
  open: boolean;
  pendingCount: number;
  busy: boolean;
  onConfirm: () => void;
  onKeepAndLogout: () => void;
  onCancel: () => void;
}

/** Logging out applies the marks (POP3 QUIT): say how many, and ask once. */
export function LogoutDialog({ open, pendingCount, busy, onConfirm, onKeepAndLogout, onCancel }: LogoutDialogProps) {
  const plural = pendingCount === 1 ? 'message' : 'messages';
  return (
    <ModalDialog open={open} onClose={onCancel} labelledBy="logout-heading" describedBy="logout-description">
      <h2 id="logout-heading" className="text-lg font-semibold">
        Log out and delete {pendingCount} {plural}?
      </h2>
      <p id="logout-description" className="mt-2 text-sm text-slate-700 dark:text-slate-300">
        You marked {pendingCount} {plural} for deletion. Logging out tells the server to delete{' '}
        {pendingCount === 1 ? 'it' : 'them'} for good; this cannot be undone.
      </p>
      <div className="mt-5 flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        <button type="button" className="btn btn-ghost" onClick={onCancel} disabled={busy} autoFocus>
          Cancel
        </button>
        <button type="button" className="btn btn-secondary" onClick={onKeepAndLogout} disabled={busy}>
          Keep {pendingCount === 1 ? 'it' : 'them'} and log out
        </button>
        <button type="button" className="btn btn-danger" onClick={onConfirm} disabled={busy}>
          Delete {pendingCount} and log out
        </button>
      </div>
    </ModalDialog>
  );
}
