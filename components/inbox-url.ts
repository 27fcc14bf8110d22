import type { MessageFilter } from './api-client';

/**
 * What the address bar holds: the open message and the filter, as `/?m=<id>&view=peek&q=<text>&min=<bytes>`.
 * Back and Forward walk through opened messages; a reload or a new tab (after login, with the
 * same cookie session) opens the same one. Ids are the public UIDL-based ones, never POP3 numbers.
 */
export interface InboxLocation {
  messageId: string | null;
  view: 'peek' | 'read';
  filter: MessageFilter;
}

export function readInboxLocation(search: string): InboxLocation {
  const params = new URLSearchParams(search);
  const min = Number(params.get('min'));
  return {
    messageId: params.get('m') || null,
    view: params.get('view') === 'peek' ? 'peek' : 'read',
    filter: { q: (params.get('q') ?? '').trim(), minSize: Number.isSafeInteger(min) && min > 0 ? min : null },
  };
}

export function inboxHref(location: InboxLocation): string {
  const params = new URLSearchParams();
  if (location.messageId) {
    params.set('m', location.messageId);
    if (location.view === 'peek') params.set('view', 'peek');
  }
  if (location.filter.q) params.set('q', location.filter.q);
  if (location.filter.minSize !== null && location.filter.minSize > 0) params.set('min', String(location.filter.minSize));
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

/** The link of one message, for a new tab (read in full). */
export function messageHref(id: string, filter: MessageFilter): string {
  return inboxHref({ messageId: id, view: 'read', filter });
}
