'use client';

import { useEffect, useRef, useState } from 'react';
import { getPreview, type MessageFilter, type MessageSummary } from './api-client';
import { inboxHref, readInboxLocation, type InboxLocation } from './inbox-url';
import type { OpenMessage } from './inbox-state';

interface UseInboxUrlOptions {
  open: OpenMessage | null;
  filter: MessageFilter;
  /** The list for the filter in the URL is in: a message named there can be looked for in it. */
  listSettled: boolean;
  findLoaded: (id: string) => MessageSummary | undefined;
  show: (summary: MessageSummary, mode: 'peek' | 'read') => void;
  close: () => void;
  replaceFilter: (filter: MessageFilter) => void;
  onMissing: () => void;
}

/** Where the page started: read once, before the first render, so the filter starts from it too. */
export function useInitialLocation(): InboxLocation {
  const [initial] = useState(() => readInboxLocation(typeof window === 'undefined' ? '' : window.location.search));
  return initial;
}

/**
 * A summary for a message named in the URL that is not among the rows loaded (further down the
 * list, say): from the headers of a zero-line peek, which costs a `TOP n 0`, never a download.
 */
async function summaryFromServer(id: string): Promise<MessageSummary> {
  const preview = await getPreview(id, 0);
  const header = (name: string) => preview.headers[name] ?? null;
  const from = header('from');
  return {
    id,
    number: 0,
    size: preview.size,
    from: from ? { name: from, address: '' } : null,
    to: [],
    cc: [],
    subject: header('subject') ?? '',
    date: header('date'),
    contentType: header('content-type') ?? 'text/plain',
    hasAttachments: false,
    messageId: header('message-id'),
    deleted: false,
    seen: true,
    isNew: false,
    proposal: null,
  };
}

/**
 * Keeps the address bar and the inbox in step: opening a message pushes a history entry (so Back
 * closes it or returns to the one before), a new filter replaces the current entry, and Back or
 * Forward (popstate) put the inbox back as the entry says.
 */
export function useInboxUrl({ open, filter, listSettled, findLoaded, show, close, replaceFilter, onMissing }: UseInboxUrlOptions, initial: InboxLocation) {
  // The message the URL asks for, until it is shown (it may have to wait for the list).
  const [wanted, setWanted] = useState<{ id: string; view: 'peek' | 'read' } | null>(() =>
    initial.messageId ? { id: initial.messageId, view: initial.view } : null,
  );
  const latest = useRef({ findLoaded, show, close, replaceFilter, onMissing });
  latest.current = { findLoaded, show, close, replaceFilter, onMissing };

  // Back and Forward.
  useEffect(() => {
    const onPop = () => {
      const location = readInboxLocation(window.location.search);
      latest.current.replaceFilter(location.filter);
      if (location.messageId) setWanted({ id: location.messageId, view: location.view });
      else {
        setWanted(null);
        latest.current.close();
      }
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  // Show the wanted message once the list it belongs to is in.
  useEffect(() => {
    if (!wanted || !listSettled) return;
    const loaded = latest.current.findLoaded(wanted.id);
    if (loaded) {
      setWanted(null);
      latest.current.show(loaded, wanted.view);
      return;
    }
    let cancelled = false;
    summaryFromServer(wanted.id)
      .then((summary) => {
        if (cancelled) return;
        setWanted(null);
        latest.current.show(summary, wanted.view);
      })
      .catch(() => {
        if (cancelled) return;
        setWanted(null);
        latest.current.onMissing();
      });
    return () => {
      cancelled = true;
    };
  }, [wanted, listSettled]);

  // The inbox as it is, into the address bar (not while a message named there is still on its way).
  const openId = open?.summary.id ?? null;
  const openView: 'peek' | 'read' = open?.mode === 'peek' ? 'peek' : open?.mode === 'source' ? open.previous : 'read';
  useEffect(() => {
    if (wanted) return;
    const href = inboxHref({ messageId: openId, view: openView, filter });
    const current = `${window.location.pathname}${window.location.search}`;
    if (href === current) return;
    const before = readInboxLocation(window.location.search);
    const messageChanged = before.messageId !== openId || (openId !== null && before.view !== openView);
    if (messageChanged) window.history.pushState(null, '', href);
    else window.history.replaceState(null, '', href);
  }, [openId, openView, filter, wanted]);

  return { restoring: wanted !== null };
}
