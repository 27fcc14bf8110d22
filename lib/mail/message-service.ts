import { Readable } from 'node:stream';
import { AppError } from '../errors';
import { visibleText } from '../text/visible-text';
import type { BodyProgress, Pop3Client } from '../pop3';
import type { AddressObject, HeaderValue } from 'mailparser';
import { flattenAddresses, type MailAddress } from './addresses';
import { fetchHeaderSections, headerEnd } from './header-fetch';
import { decodeHeaderLines, EMPTY_SUMMARY, summaryOrEmpty, visibleAddress, type HeaderLine, type HeaderSummary } from './header-summary';
import type { MailSession, MaildropEntry } from './mail-session';
import { cachedMessage, collectWhileRead, rememberMessage } from './message-bytes-cache';
import { extractAttachment, parseMessageStream, TOO_COMPLEX_MESSAGE, type AttachmentInfo } from './message-parser';
import { sanitizeEmailHtml } from './sanitize-email-html';
import { logBackgroundFailure } from '../log/background-failure';

/** What the inbox list shows of one message. */
export interface MessageSummary extends HeaderSummary {
  id: string;
  number: number;
  size: number;
  deleted: boolean;
}

export interface ListQuery {
  offset: number;
  limit: number;
  q?: string;
  minSize?: number;
}

export interface MessagePage {
  total: number;
  size: number;
  offset: number;
  limit: number;
  count: number;
  messages: MessageSummary[];
}

/** Fills the header cache for entries that are not in it yet: one pipelined batch of `TOP n 0`. */
export async function ensureSummaries(session: MailSession, client: Pop3Client, entries: readonly MaildropEntry[]): Promise<void> {
  await session.headerWarmup; // the login's own batch for the newest messages, if still arriving
  const missing = entries.filter((entry) => !session.summaries.has(entry.id));
  if (missing.length === 0) return;
  const sections = await fetchHeaderSections(client, missing);
  for (const entry of missing) session.summaries.set(entry.id, summaryOrEmpty(sections.get(entry.number)));
}

const prefetching = new WeakSet<MailSession>();

/**
 * Fetches the next page's headers in the background, behind the session lock
 * (and the full listing), so paging forward costs no round trip. A failed
 * prefetch costs nothing: a page fetches whatever it still lacks.
 */
function prefetchSummaries(session: MailSession, select: () => readonly MaildropEntry[]): void {
  if (prefetching.has(session)) return;
  prefetching.add(session);
  session
    .run((client) => ensureSummaries(session, client, select()))
    .catch((error: unknown) => logBackgroundFailure('header prefetch', error))
    .finally(() => prefetching.delete(session));
}

function matches(session: MailSession, entry: MaildropEntry, query: ListQuery): boolean {
  if (query.minSize !== undefined && entry.size < query.minSize) return false;
  if (!query.q) return true;
  const needle = query.q.toLowerCase();
  const summary = session.summaries.get(entry.id);
  if (!summary) return false;
  const haystack = [summary.subject, summary.from?.name ?? '', summary.from?.address ?? ''].join('\n').toLowerCase();
  return haystack.includes(needle);
}

/** Newest first, filtered. Filtering by text needs every header, fetched once and cached. */
async function selectEntries(session: MailSession, client: Pop3Client, query: Omit<ListQuery, 'offset' | 'limit'>): Promise<MaildropEntry[]> {
  const newestFirst = [...session.snapshot].reverse();
  if (query.q) await ensureSummaries(session, client, newestFirst);
  return query.q || query.minSize !== undefined ? newestFirst.filter((entry) => matches(session, entry, { offset: 0, limit: 0, ...query })) : newestFirst;
}

function toSummary(session: MailSession, entry: MaildropEntry): MessageSummary {
  return {
    id: entry.id,
    number: entry.number,
    size: entry.size,
    deleted: session.pending.has(entry.id),
    ...(session.summaries.get(entry.id) ?? EMPTY_SUMMARY),
  };
}

export async function listMessages(session: MailSession, query: ListQuery): Promise<MessagePage> {
  return session.runNewest(async (client) => {
    const filtered = query.q !== undefined || query.minSize !== undefined;
    // Right after login the newest messages are known before the full listing: an unfiltered first page needs no more.
    const known = filtered ? undefined : session.newestEntries(query.offset, query.limit);
    if (!known) await session.whenListed();
    const selected = known ? undefined : await selectEntries(session, client, query);
    const page = known ?? selected!.slice(query.offset, query.offset + query.limit);
    await ensureSummaries(session, client, page);
    const next = { offset: query.offset + query.limit, limit: query.limit };
    prefetchSummaries(session, () =>
      selected
        ? // Numbers as they are now: a commit or reconnect in between renumbers the messages.
          selected.slice(next.offset, next.offset + next.limit).flatMap((entry) => session.entryNow(entry.id) ?? [])
        : (session.newestEntries(next.offset, next.limit) ?? []),
    );
    return {
      total: selected ? selected.length : session.count,
      size: selected ? selected.reduce((sum, entry) => sum + entry.size, 0) : session.size,
      offset: query.offset,
      limit: query.limit,
      count: session.count,
      messages: page.map((entry) => toSummary(session, entry)),
    };
  });
}

/** Every id matching a filter, for "select all matching". */
export async function listIds(session: MailSession, query: Omit<ListQuery, 'offset' | 'limit'>): Promise<string[]> {
  return session.run(async (client) => (await selectEntries(session, client, query)).map((entry) => entry.id));
}

export interface Preview {
  id: string;
  size: number;
  headers: Record<string, string>;
  headerList: HeaderLine[];
  text: string;
  truncated: boolean;
}

/** Bytes kept from a peek, whatever the line count: a peek must stay small. */
const MAX_PREVIEW_BYTES = 1024 * 1024;

/**
 * Headers and the first lines (`TOP n lines`), decoded as far as those lines
 * allow. Without TOP, a RETR is read only as far as needed and the
 * connection is then closed (the next use reconnects): never a full download.
 */
export async function previewMessage(session: MailSession, id: string, lines: number): Promise<Preview> {
  const { entry, bytes, complete } = await session.runNewest(async (client) => {
    const entry = await session.entryFor(id);
    const useTop = !client.lacksTop;
    const stream = useTop ? await client.top(entry.number, lines) : await client.retr(entry.number);
    return { entry, ...(await readBounded(stream, MAX_PREVIEW_BYTES, useTop ? undefined : lines, () => client.close())) };
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
  return { id, size: entry.size, headers, headerList, text, truncated };
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

export interface FullMessage {
  id: string;
  size: number;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  subject: string;
  date: string | null;
  text: string | null;
  textHtml: string | null;
  html: string | null;
  htmlHasRemoteContent: boolean;
  remoteImagesShown: boolean;
  headerList: HeaderLine[];
  attachments: Array<Omit<AttachmentInfo, 'cid'> & { url: string }>;
}

export function attachmentUrl(messageId: string, attachmentId: string): string {
  return `/api/messages/${encodeURIComponent(messageId)}/attachments/${encodeURIComponent(attachmentId)}`;
}

/** RETR streamed into mailparser's streaming parser; HTML sanitized here, on the server. */
export async function readMessage(
  session: MailSession,
  id: string,
  options: { remoteImages: boolean; maxParseBytes: number; onProgress?: (progress: BodyProgress) => void },
): Promise<FullMessage> {
  const { entry, parsed } = await session.runNewest(async (client) => {
    const entry = await session.entryFor(id);
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

/** The message exactly as the server holds it (after dot-unstuffing), as a stream. */
export async function rawMessage(session: MailSession, id: string): Promise<{ size: number; stream: Readable }> {
  let size = 0;
  const stream = await session.runStream(async (client) => {
    const entry = await session.entryFor(id);
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
  const stream = await session.runStream(async (client) => {
    const body = await client.retr((await session.entryFor(id)).number);
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
