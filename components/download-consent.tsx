'use client';

import { useEffect, useRef } from 'react';
import type { MessageSummary } from './api-client';
import { expireSentence } from './expire-policy';
import { formatSize } from './format-size';
import { Icon } from './icon';

interface DownloadConsentProps {
  days: number;
  message: MessageSummary;
  /** Download, and do not ask again in this session. */
  onConfirm: () => void;
  /** Back to the peek (TOP), which costs nothing on most servers. */
  onCancel: () => void;
}

/**
 * On a server with an EXPIRE policy, downloading (RETR: reading in full, the
 * source, attachments) can make the message leave the POP3 view, so the first
 * download of a session is an explicit act. The peek is not gated: it uses
 * TOP, which Gmail and most servers do not count as a download (RFC 2449 only
 * speaks of messages "retrieved"; GNU Mailutils is an exception that counts
 * TOP too, which the notice's "on most servers" allows for).
 */
export function DownloadConsent({ days, message, onConfirm, onCancel }: DownloadConsentProps) {
  const heading = useRef<HTMLHeadingElement | null>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section aria-labelledby="download-consent-heading" data-testid="download-consent" className="flex flex-col gap-4 rounded-xl border border-amber-300 bg-amber-50 p-5 text-amber-950 dark:border-amber-800 dark:bg-amber-950/50 dark:text-amber-100">
      <h2 id="download-consent-heading" ref={heading} tabIndex={-1} className="flex items-center gap-2 text-lg font-semibold outline-none">
        <Icon name="warning" className="h-5 w-5" />
        Download this message?
      </h2>
      <p className="text-sm">
        {expireSentence(days)} Reading &ldquo;{message.subject ?? 'no subject'}&rdquo; in full downloads it ({formatSize(message.size)}).
        Postern asks once per session.
      </p>
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn btn-primary" onClick={onConfirm}>
          <Icon name="download" />
          Download and read
        </button>
        <button type="button" className="btn btn-secondary" onClick={onCancel}>
          <Icon name="eye" />
          Just peek
        </button>
      </div>
    </section>
  );
}
