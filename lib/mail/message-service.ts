import { Readable } from 'node:stream';
import { AppError } from '../errors';
import { visibleText } from '../text/visible-text';
import type { BodyProgress, Pop3Client } from '../pop3';
import type { AddressObject, HeaderValue } from 'mailparser';
import { flattenAddresses, type MailAddress } from './addresses';
import { fetchHeaderSections, headerEnd } from './header-fetch';
import { decodeHeaderLines, EMPTY_SUMMARY, summaryOrEmpty, visibleAddress, type HeaderSummary } from './header-summary';
import type { MailSession, MaildropEntry } from './mail-session';
import { cachedMessage, collectWhileRead, rememberMessage } from './message-bytes-cache';
import { extractAttachment, parseMessageStream, TOO_COMPLEX_MESSAGE, type AttachmentInfo } from './message-parser';
import { sanitizeEmailHtml } from './sanitize-email-html';
import { logBackgroundFailure } from '../log/background-failure';
import { accountData, accountKey } from '../account-data';
import type { FullMessage as FullMessageBody, MessagePage as MessagePageBody, MessagePreview, MessageSummary as MessageSummaryBody, PreviewPart } from '../contract/messages';
import type { Rule } from '../contract/rules';
import { extraHeaderNames, proposalFor } from '../rules/evaluate';
import { headerValues } from '../rules/header-values';
import { scanPreviewParts, textPartsComplete, type PartScan } from './preview-parts';

/** What the inbox list shows of one message (lib/contract/messages.ts). */
export type MessageSummary = MessageSummaryBody;

export interface ListQuery {
  offset: number;
  limit: number;
  q?: string;
  minSize?: number;
  /** Only the messages a rule proposes to delete. */
  proposed?: boolean;
}

export type MessagePage = MessagePageBody;

/** The per-account key of a session's mailbox (lib/account-data). */
export function sessionAccount(session: MailSession): string {
  return accountKey(session.target, session.username);
}

/** Fills the header cache for entries that are not in it yet: one pipelined batch of `TOP n 0`. */
export async function ensureSummaries(session: MailSession, client: Pop3Client, entries: readonly MaildropEntry[]): Promise<void> {
  await session.headerWarmup; // the login's own batch for the newest messages, if still arriving
  await session.summaries.ensure(client, entries);
}

/** Which entries a prefetch fills, or undefined while that needs the full listing. */
type PrefetchSelect = () => readonly MaildropEntry[] | undefined;

/** Per session: the prefetch running, and the one asked for meanwhile (the latest wins). */
const prefetching = new WeakMap<MailSession, { next: PrefetchSelect | undefined; done: Promise<void> }>();

/**
 * Fetches the next page's headers in the background, behind the session lock,
 * so paging forward costs no round trip. A failed prefetch costs nothing: a
 * page fetches whatever it still lacks. `select` gives the entries, or
 * undefined while they need the full listing: that is waited for outside the
 * lock, so a page or a preview of the newest messages asked right after login
 * goes first instead of queueing behind the listing and this prefetch's batch.
 * Asked while one runs, it runs after it, for the latest page asked.
 */
function prefetchSummaries(session: MailSession, select: PrefetchSelect): void {
  // Already in memory (the login's newest headers, or paging back): no lock to take, nothing to ask.
  const wanted = select();
  if (wanted && wanted.every((entry) => session.summaries.has(entry.id))) return;
  const running = prefetching.get(session);
  if (running) {
    running.next = select;
    return;
  }
  const prefetch = async (select: PrefetchSelect) => {
    if (select() === undefined) await session.whenListed();
    await session.runNewestBackground(async (client) => {
      // Again inside the lock: a reconnect meanwhile starts a new listing.
      let entries = select();
      if (entries === undefined) {
        await session.whenListed();
        entries = select() ?? [];
      }
      await ensureSummaries(session, client, entries);
    });
  };
  const state: { next: PrefetchSelect | undefined; done: Promise<void> } = { next: select, done: Promise.resolve() };
  prefetching.set(session, state);
  state.done = (async () => {
    try {
      for (let current = state.next; current && !session.ended; current = state.next) {
        state.next = undefined;
        await prefetch(current).catch((error: unknown) => {
          // Logged out (or replaced) while the prefetch waited for the lock: nothing failed.
          if (!(error instanceof AppError && error.code === 'NO_SESSION')) logBackgroundFailure('header prefetch', error);
        });
      }
    } finally {
      // In the same turn as the last check of `next`: a prefetch asked for after it starts afresh.
      prefetching.delete(session);
    }
  })();
}

/** Resolves when the session's header prefetch, if one runs, is done (the next ones asked meanwhile included). */
export async function whenPrefetched(session: MailSession): Promise<void> {
  await prefetching.get(session)?.done;
}

/** What a listing needs besides the session: the account's rules, and the values of the headers they name. */
interface ListContext {
  rules: readonly Rule[];
  extraNames: readonly string[];
  now: number;
}

async function listContext(session: MailSession): Promise<ListContext> {
  const rules = await accountData().getRules(sessionAccount(session));
  return { rules, extraNames: extraHeaderNames(rules), now: Date.now() };
}

/** Per session: values of the headers the rules name beyond the summary, by id (only those names: small). */
const extraHeaders = new WeakMap<MailSession, { names: string; values: Map<string, Map<string, string>> }>();

function extraCache(session: MailSession, names: readonly string[]): Map<string, Map<string, string>> {
  const key = names.join('\n');
  let cache = extraHeaders.get(session);
  if (!cache || cache.names !== key) extraHeaders.set(session, (cache = { names: key, values: new Map() }));
  return cache.values;
}

/**
 * Fetches (`TOP n 0`, pipelined) the headers rules name for entries that lack
 * them. Never RETR: without TOP such a rule simply does not match.
 */
async function ensureExtraHeaders(session: MailSession, client: Pop3Client, entries: readonly MaildropEntry[], names: readonly string[]): Promise<void> {
  if (names.length === 0 || client.lacksTop) return;
  const cache = extraCache(session, names);
  const missing = entries.filter((entry) => !cache.has(entry.id));
  if (missing.length === 0) return;
  const sections = await fetchHeaderSections(client, missing);
  for (const entry of missing) {
    const section = sections.get(entry.number);
    cache.set(entry.id, section ? headerValues(section, names) : new Map());
    if (!session.summaries.has(entry.id)) session.summaries.set(entry.id, summaryOrEmpty(section));
  }
}

/** The proposal of the first matching rule, on headers and LIST's size only. */
function proposal(session: MailSession, entry: MaildropEntry, context: ListContext): MessageSummary['proposal'] {
  if (context.rules.length === 0) return null;
  const summary = session.summaries.get(entry.id);
  if (!summary) return null; // headers not fetched: nothing is proposed on a guess
  const extra = context.extraNames.length > 0 ? extraCache(session, context.extraNames).get(entry.id) : undefined;
  return proposalFor(
    context.rules,
    {
      size: entry.size,
      fromAddress: summary.from?.address || null,
      subject: summary.subject,
      date: summary.date,
      header: (name) => extra?.get(name),
    },
    context.now,
  );
}

function matches(session: MailSession, entry: MaildropEntry, query: ListQuery, context: ListContext): boolean {
  if (query.minSize !== undefined && entry.size < query.minSize) return false;
  if (query.proposed && proposal(session, entry, context) === null) return false;
  if (!query.q) return true;
  const needle = query.q.toLowerCase();
  const summary = session.summaries.get(entry.id);
  if (!summary) return false;
  const haystack = [summary.subject, summary.from?.name ?? '', summary.from?.address ?? ''].join('\n').toLowerCase();
  return haystack.includes(needle);
}

function isFiltered(query: Omit<ListQuery, 'offset' | 'limit'>): boolean {
  return query.q !== undefined || query.minSize !== undefined || query.proposed === true;
}

/**
 * Messages a filter looks at per round: their headers are fetched, then matched, before the next round's.
 * The header cache is bounded in bytes (it drops the least recently used), so a maildrop larger than it
 * would lose early summaries before the match. A round of 2,000 ordinary summaries (~0.5 KB each) is a
 * small part of the budget, and rounds of 512 pipelined commands or more keep the pipeline full. (A
 * hostile server whose every header field reaches its cap can still make a round outgrow the budget:
 * its filter then misses some of its messages, and the process's memory stays bounded.)
 */
const FILTER_ROUND = 2_000;

/**
 * Newest first, filtered. Filtering by text or by rules needs every header,
 * fetched (pipelined `TOP n 0`), cached and matched a round at a time; rules never cause a RETR.
 */
async function selectEntries(
  session: MailSession,
  client: Pop3Client,
  query: Omit<ListQuery, 'offset' | 'limit'>,
  context: ListContext,
): Promise<MaildropEntry[]> {
  const newestFirst = [...session.snapshot].reverse();
  if (!isFiltered(query)) return newestFirst;
  const byRules = query.proposed === true && context.rules.length > 0 && !client.lacksTop;
  const full = { offset: 0, limit: 0, ...query };
  const selected: MaildropEntry[] = [];
  for (let start = 0; start < newestFirst.length; start += FILTER_ROUND) {
    const round = newestFirst.slice(start, start + FILTER_ROUND);
    if (query.q || byRules) await ensureSummaries(session, client, round);
    if (byRules) await ensureExtraHeaders(session, client, round, context.extraNames);
    for (const entry of round) if (matches(session, entry, full, context)) selected.push(entry);
  }
  return selected;
}

/** Ids that arrived with the last refresh, per session (isNew). */
const arrivals = new WeakMap<MailSession, Set<string>>();

/**
 * A fresh POP3 session (`refresh=1`). Messages that were not in the previous
 * snapshot, newer than the newest one that was, are new: POP3 appends new
 * mail, so walking newest first until a known id is met finds them.
 */
export async function refreshSession(session: MailSession): Promise<{ deferredSeconds: number; newCount?: number }> {
  const before = new Set(session.known.map((entry) => entry.id));
  const result = await session.refresh();
  if (result.deferredSeconds > 0) return result;
  const arrived = new Set<string>();
  for (const entry of session.newestEntries(0, session.known.length) ?? []) {
    if (before.has(entry.id)) break;
    arrived.add(entry.id);
  }
  arrivals.set(session, arrived);
  return { deferredSeconds: 0, newCount: arrived.size };
}

function toSummary(session: MailSession, entry: MaildropEntry, seen: ReadonlySet<string>, context: ListContext): MessageSummary {
  const summary = session.summaries.get(entry.id) ?? EMPTY_SUMMARY;
  // Every field named, not spread: rows of one shape, built and encoded on V8's fast paths (a page is 50 of them).
  return {
    id: entry.id,
    number: entry.number,
    size: entry.size,
    deleted: session.pending.has(entry.id),
    from: summary.from,
    to: summary.to,
    cc: summary.cc,
    subject: summary.subject,
    date: summary.date,
    contentType: summary.contentType,
    hasAttachments: summary.hasAttachments,
    messageId: summary.messageId,
    seen: seen.has(entry.id),
    isNew: arrivals.get(session)?.has(entry.id) ?? false,
    proposal: proposal(session, entry, context),
  };
}

export async function listMessages(session: MailSession, query: ListQuery): Promise<MessagePage> {
  // An unfiltered page of the snapshot is known before the rules are: its read state is asked for
  // beside them (one round trip to a shared store, not two in a row). A page that waited for the
  // session lock (behind a download, or the headers' round trip) asks again: the answer it had may be old.
  const expected = isFiltered(query) ? undefined : session.newestEntries(query.offset, query.limit);
  const expectedSeen = expected && readState(session, expected);
  expectedSeen?.catch(() => undefined); // unused when the page turns out otherwise
  const context = await listContext(session);
  const known = knownPage(session, query, context);
  const page = known ?? (await lockedPage(session, query, context));
  const seen = await (known && expectedSeen && sameEntries(expected!, known.entries) ? expectedSeen : readState(session, page.entries));
  const { entries, ...figures } = page;
  return { ...figures, messages: entries.map((entry) => toSummary(session, entry, seen, context)) };
}

function readState(session: MailSession, entries: readonly MaildropEntry[]): Promise<Set<string>> {
  return accountData().getSeen(sessionAccount(session), entries.map((entry) => entry.id));
}

function sameEntries(a: readonly MaildropEntry[], b: readonly MaildropEntry[]): boolean {
  return a.length === b.length && a.every((entry, i) => entry.id === b[i]!.id);
}

interface PageEntries {
  total: number;
  size: number;
  offset: number;
  limit: number;
  count: number;
  entries: MaildropEntry[];
}

/**
 * An unfiltered page made only of what this process knows already (its
 * entries and their headers), answered without the session lock: a prefetch
 * holds the lock for a round trip, and a page that is in memory must not wait
 * for the next one to arrive.
 */
function knownPage(session: MailSession, query: ListQuery, context: ListContext): PageEntries | undefined {
  // Without a live connection the snapshot is the last connection's: the locked path logs in again (or says why it cannot).
  if (isFiltered(query) || !session.connected) return undefined;
  const entries = session.newestEntries(query.offset, query.limit);
  if (!entries || !entries.every((entry) => session.summaries.has(entry.id))) return undefined;
  if (context.extraNames.length > 0) {
    const extra = extraCache(session, context.extraNames);
    if (!entries.every((entry) => extra.has(entry.id))) return undefined;
  }
  session.useKnown();
  prefetchAfter(session, query, undefined);
  return { total: session.count, size: session.size, offset: query.offset, limit: query.limit, count: session.count, entries };
}

function lockedPage(session: MailSession, query: ListQuery, context: ListContext): Promise<PageEntries> {
  return session.runNewest(async (client) => {
    const filtered = isFiltered(query);
    // Right after login the newest messages are known before the full listing: an unfiltered first page needs no more.
    const known = filtered ? undefined : session.newestEntries(query.offset, query.limit);
    if (!known) await session.whenListed();
    const selected = known ? undefined : await selectEntries(session, client, query, context);
    const page = known ?? selected!.slice(query.offset, query.offset + query.limit);
    await ensureSummaries(session, client, page);
    await ensureExtraHeaders(session, client, page, context.extraNames);
    prefetchAfter(session, query, selected);
    return {
      total: selected ? selected.length : session.count,
      size: selected ? selected.reduce((sum, entry) => sum + entry.size, 0) : session.size,
      offset: query.offset,
      limit: query.limit,
      count: session.count,
      entries: page,
    };
  });
}

/**
 * The headers of the page after this one, of the same selection. One page: a
 * person who pauses for a round trip finds it in memory; fetching further
 * ahead only helps one who pages faster than the mail server answers, and
 * costs the server headers that are mostly never shown.
 */
function prefetchAfter(session: MailSession, query: ListQuery, selected: readonly MaildropEntry[] | undefined): void {
  const next = { offset: query.offset + query.limit, limit: query.limit };
  prefetchSummaries(session, () =>
    selected
      ? // Numbers as they are now: a commit or reconnect in between renumbers the messages (and lists again).
        session.listed
        ? selected.slice(next.offset, next.offset + next.limit).flatMap((entry) => session.entryNow(entry.id) ?? [])
        : undefined
      : session.newestEntries(next.offset, next.limit),
  );
}

/**
 * Marks messages read or unread for this account; only ids the current
 * snapshot holds (waiting for the full listing if one is not among the
 * newest known yet). Any other id is ignored: read state outlives the session,
 * and ids nobody has would only fill the account's store. Returns the ids marked.
 */
export async function markSeen(session: MailSession, ids: readonly string[], seen: boolean): Promise<string[]> {
  if (!ids.every((id) => session.entryNow(id))) {
    // A failed listing is the list's to report; here only the ids known without it count.
    await session.whenListed().catch(() => undefined);
  }
  const known = [...new Set(ids.filter((id) => session.entryNow(id)))];
  if (known.length > 0) await accountData().setSeen(sessionAccount(session), known, seen);
  return known;
}

/** Every id matching a filter, for "select all matching". */
export async function listIds(session: MailSession, query: Omit<ListQuery, 'offset' | 'limit'>): Promise<string[]> {
  const context = await listContext(session);
  return session.run(async (client) => (await selectEntries(session, client, query, context)).map((entry) => entry.id));
}

export type Preview = MessagePreview;

/** Bytes kept from a peek, whatever the line count: a peek must stay small. */
const MAX_PREVIEW_BYTES = 1024 * 1024;

/**
 * Headers and the first lines (`TOP n lines`), decoded as far as those lines
 * allow. Without TOP, a RETR is read only as far as needed and the
 * connection is then closed (the next use reconnects): never a full download.
 */
export async function previewMessage(session: MailSession, id: string, lines: number): Promise<Preview> {
  const { entry, bytes, complete, parts, textComplete } = await session.withMessage(id, async (client, entry) => {
    const useTop = !client.lacksTop;
    const stream = useTop ? await client.top(entry.number, lines) : await client.retr(entry.number);
    const first = await readBounded(stream, MAX_PREVIEW_BYTES, useTop ? undefined : lines, () => client.close());
    const shown = scanPreviewParts(first.bytes, entry.size, first.complete && first.bytes.length >= entry.size);
    // Without TOP the parts are what the lines read show: more would mean reading a RETR further.
    const parts = useTop ? await partsWithMoreLines(client, entry, lines, first, shown) : shown.parts;
    // Whether the text is whole is a matter of the lines shown, not of the further ones read for the attachments.
    return { entry, ...first, parts, textComplete: textPartsComplete(shown.parts) };
  });
  // The same guarded parser as a full read: a peek at a message too complex to read whole shows the text before the bound.
  const parsed = await parseMessageStream(Readable.from([bytes]), { skipTextToHtml: true });
  const headerList = decodeHeaderLines(parsed.headerLines);
  const headers: Record<string, string> = {};
  for (const { name, value } of headerList) {
    const key = name.toLowerCase();
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  const text = (parsed.text ?? '').trimEnd();
  const truncated = !complete || bytes.length < entry.size || parsed.shape.tooComplex;
  return { id, size: entry.size, headers, headerList, text, truncated, textComplete: textComplete && !parsed.shape.tooComplex, parts };
}

/** Bounds of the search for the first attachment's headers beyond the lines asked for. */
export const PART_SCAN = Object.freeze({ maxRounds: 5, growth: 4, maxLines: 50_000, maxBytes: 512 * 1024 });

/**
 * The parts the lines show; when they end inside a multipart before any
 * attachment was named (a long text part first), `TOP` again with more
 * lines — four times as many each round, within PART_SCAN's bytes and lines,
 * never RETR. Each round's line count is chosen from the bytes per line seen
 * so far, so that a round stays under the byte bound (a read cut at a bound
 * would cost the connection).
 */
async function partsWithMoreLines(
  client: Pop3Client,
  entry: MaildropEntry,
  lines: number,
  first: { bytes: Buffer; complete: boolean },
  firstScan: PartScan,
): Promise<PreviewPart[]> {
  const whole = (read: { bytes: Buffer; complete: boolean }) => read.complete && read.bytes.length >= entry.size;
  let read = first;
  let scan = firstScan;
  let fetched = lines;
  for (let round = 0; round < PART_SCAN.maxRounds && scan.wantsMore && read.complete; round++) {
    const bodyBytes = Math.max(1, read.bytes.length - Math.max(0, headerEnd(read.bytes)));
    const perLine = bodyBytes / Math.max(1, fetched);
    const byBytes = Math.floor((PART_SCAN.maxBytes - (read.bytes.length - bodyBytes)) / perLine);
    const next = Math.min(PART_SCAN.maxLines, Math.max(fetched * PART_SCAN.growth, 100), byBytes);
    if (next <= fetched) break;
    fetched = next;
    read = await readBounded(await client.top(entry.number, fetched), PART_SCAN.maxBytes, undefined, () => client.close());
    scan = scanPreviewParts(read.bytes, entry.size, whole(read));
  }
  return scan.parts;
}

/**
 * Reads a body stream up to `maxBytes` (and, for a RETR stand-in for TOP, up
 * to `bodyLines` lines after the headers). Stopping early destroys the stream
 * and calls `abandon`.
 */
async function readBounded(stream: Readable, maxBytes: number, bodyLines: number | undefined, abandon: () => void): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.length;
    const enough = total >= maxBytes || (bodyLines !== undefined && hasBodyLines(Buffer.concat(chunks), bodyLines));
    if (enough) {
      stream.destroy();
      abandon();
      const bytes = Buffer.concat(chunks).subarray(0, maxBytes);
      return { bytes: bodyLines === undefined ? bytes : cutAfterLines(bytes, bodyLines), complete: false };
    }
  }
  return { bytes: Buffer.concat(chunks), complete: true };
}

function hasBodyLines(bytes: Buffer, lines: number): boolean {
  const end = headerEnd(bytes);
  if (end < 0) return false;
  let count = 0;
  for (let i = end; i < bytes.length; i++) if (bytes[i] === 0x0a && ++count > lines) return true;
  return false;
}

function cutAfterLines(bytes: Buffer, lines: number): Buffer {
  const end = headerEnd(bytes);
  if (end < 0) return bytes;
  let count = 0;
  for (let i = end; i < bytes.length; i++) if (bytes[i] === 0x0a && ++count === lines) return bytes.subarray(0, i + 1);
  return bytes;
}

export type FullMessage = FullMessageBody;

export function attachmentUrl(messageId: string, attachmentId: string): string {
  return `/api/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}`;
}

/** RETR streamed into mailparser's streaming parser; HTML sanitized here, on the server. */
export async function readMessage(
  session: MailSession,
  id: string,
  options: { remoteImages: boolean; maxParseBytes: number; onProgress?: (progress: BodyProgress) => void },
): Promise<FullMessage> {
  const { entry, parsed } = await session.withMessage(id, async (client, entry) => {
    if (entry.size > options.maxParseBytes) {
      throw new AppError('MESSAGE_TOO_LARGE', 'This message is too large to display here. Download it instead.');
    }
    const stream = await client.retr(entry.number, { onProgress: options.onProgress });
    collectWhileRead(stream, (bytes) => rememberMessage(session, id, bytes)); // its attachments next: no second RETR
    return { entry, parsed: await parseMessageStream(stream) };
  });
  // The whole body was read (the connection is in order); the person gets the source view instead.
  if (parsed.shape.tooComplex) throw new AppError('MESSAGE_TOO_COMPLEX', TOO_COMPLEX_MESSAGE);
  const byCid = new Map(parsed.attachments.filter((a) => a.cid).map((a) => [a.cid!, a.id]));
  const resolveCid = (cid: string) => {
    const inline = parsed.inlineImages.get(cid);
    if (inline) return inline;
    const attachmentId = byCid.get(cid);
    return attachmentId ? attachmentUrl(id, attachmentId) : undefined;
  };
  const sanitized = parsed.html ? sanitizeEmailHtml(parsed.html, { remoteImages: options.remoteImages, resolveCid }) : null;
  const textHtml = parsed.textAsHtml ? sanitizeEmailHtml(parsed.textAsHtml, { remoteImages: false, resolveCid: () => undefined }).html : null;
  const headers = parsed.headers;
  const date = headers.get('date');
  return {
    id,
    size: entry.size,
    from: visibleAddresses(headers.get('from'))[0] ?? null,
    to: visibleAddresses(headers.get('to')),
    cc: visibleAddresses(headers.get('cc')),
    replyTo: visibleAddresses(headers.get('reply-to')),
    subject: visibleText(typeof headers.get('subject') === 'string' ? (headers.get('subject') as string) : ''),
    date: date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null,
    text: parsed.text,
    textHtml,
    html: sanitized?.html ?? null,
    htmlHasRemoteContent: sanitized?.hadRemoteContent ?? false,
    remoteImagesShown: options.remoteImages,
    headerList: decodeHeaderLines(parsed.headerLines),
    attachments: parsed.attachments.map(({ cid: _cid, ...info }) => ({
      ...info,
      filename: info.filename === null ? null : visibleText(info.filename),
      contentType: visibleText(info.contentType),
      url: attachmentUrl(id, info.id),
    })),
  };
}

/** A read in full marks the message seen for this account (only once it was read and parsed). */
export async function readMessageMarkingSeen(
  session: MailSession,
  id: string,
  options: Parameters<typeof readMessage>[2],
): Promise<FullMessage> {
  const message = await readMessage(session, id, options);
  await markSeen(session, [id], true);
  return message;
}

/** The message exactly as the server holds it (after dot-unstuffing), as a stream. */
export async function rawMessage(session: MailSession, id: string): Promise<{ size: number; stream: Readable }> {
  let size = 0;
  const stream = await session.withMessage(id, async (client, entry) => {
    size = entry.size;
    return client.retr(entry.number);
  });
  return { size, stream };
}

export async function attachmentStream(session: MailSession, id: string, attachmentId: string): Promise<{ info: AttachmentInfo; stream: Readable }> {
  const opened = cachedMessage(session, id);
  if (opened) {
    const fromCache = await extractAttachment(Readable.from([opened]), attachmentId);
    if (!fromCache) throw new AppError('ATTACHMENT_NOT_FOUND', 'That attachment is not in this message.');
    return fromCache;
  }
  let found: { info: AttachmentInfo; stream: Readable } | null = null;
  const stream = await session.withMessage(id, async (client, entry) => {
    const body = await client.retr(entry.number);
    found = await extractAttachment(body, attachmentId);
    if (!found) {
      body.destroy();
      throw new AppError('ATTACHMENT_NOT_FOUND', 'That attachment is not in this message.');
    }
    return found.stream;
  });
  return { info: found!.info, stream };
}

/** An address header's addresses, as they may be shown (see visible-text.ts). */
function visibleAddresses(value: HeaderValue | undefined): MailAddress[] {
  return flattenAddresses(addressHeader(value)).map(visibleAddress);
}

function addressHeader(value: HeaderValue | undefined): AddressObject | undefined {
  if (value && typeof value === 'object' && 'value' in value && Array.isArray(value.value)) return value as AddressObject;
  return undefined;
}
