import type { ReactNode } from 'react';

// http(s) URLs, bare www. hosts and e-mail addresses. Nothing else becomes a link.
const LINK = /\b(?:https?:\/\/[^\s<>"'`]+|www\.[^\s<>"'`]+|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;
const TRAILING = /[.,;:!?)\]}'"»]+$/;

function hrefFor(text: string): string | null {
  if (/^https?:\/\//i.test(text)) {
    try {
      const url = new URL(text);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch {
      return null;
    }
  }
  if (/^www\./i.test(text)) return `https://${text}`;
  if (text.includes('@')) return `mailto:${text}`;
  return null;
}

/**
 * Plain text with its links made clickable, built as React elements (never as HTML), so
 * nothing in the message can inject markup. Links open in a new tab without a referrer.
 */
export function LinkifiedText({ text }: { text: string }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index;
    let found = match[0];
    const trailing = TRAILING.exec(found);
    if (trailing) found = found.slice(0, found.length - trailing[0].length);
    const href = found ? hrefFor(found) : null;
    if (!href) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(
      <a
        key={start}
        href={href}
        target="_blank"
        rel="noopener noreferrer nofollow"
        className="text-sky-700 underline decoration-sky-700/40 underline-offset-2 hover:decoration-sky-700 dark:text-sky-300 dark:decoration-sky-300/40"
      >
        {found}
      </a>,
    );
    at = start + found.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <>{parts}</>;
}
