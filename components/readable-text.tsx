'use client';

import { useEffect, useState } from 'react';
import { getPreview } from './api-client';
import { LinkifiedText } from './linkified-text';

/** Lines asked for: the peek parses up to the same structure bounds as a read, so this is what can be read. */
const LINES = 1000;

/**
 * For a message too complex to display whole: the text that could still be
 * read, from the peek route (which stops at the same bounds and keeps what
 * came before them). Shows nothing when there is no such text.
 */
export function ReadableText({ messageId }: { messageId: string }) {
  const [text, setText] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setText(null);
    getPreview(messageId, LINES, controller.signal)
      .then((preview) => setText(preview.text.trim()))
      .catch(() => undefined); // the sentence and the source view are there already
    return () => controller.abort();
  }, [messageId]);

  if (!text) return null;
  return (
    <section aria-labelledby="readable-text-heading" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h3 id="readable-text-heading" className="mb-2 text-sm font-semibold">
        The text that could be read
      </h3>
      <pre className="font-sans text-sm leading-relaxed break-words whitespace-pre-wrap" data-testid="readable-text">
        <LinkifiedText text={text} />
      </pre>
    </section>
  );
}
