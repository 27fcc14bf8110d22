'use client';

import { expireSentence } from './expire-policy';
import { Icon } from './icon';

interface ExpireNoticeProps {
  days: number;
  onDismiss: () => void;
}

/** Said before the first download, above the inbox: what opening a message costs on this server. */
export function ExpireNotice({ days, onDismiss }: ExpireNoticeProps) {
  return (
    <div
      role="region"
      aria-label="Server policy"
      data-testid="expire-notice"
      className="flex flex-wrap items-center gap-2 border-b border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950 sm:px-4 dark:border-sky-800 dark:bg-sky-950/50 dark:text-sky-100"
    >
      <Icon name="warning" className="h-4 w-4 shrink-0" />
      <p className="min-w-0 flex-1">
        {expireSentence(days)} Opening a message in full downloads it; peeking at its first lines does not on most servers.
      </p>
      <button type="button" className="btn btn-ghost" onClick={onDismiss} aria-label="Dismiss the server policy notice">
        <Icon name="close" />
      </button>
    </div>
  );
}
