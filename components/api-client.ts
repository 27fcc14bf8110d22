/**
 * Every call the browser makes to the Postern JSON API lives here, typed after docs/API.md.
 * Components never call fetch themselves: they get typed data or a typed ApiError.
 */

import type { AppErrorCode } from '@/lib/errors';

/** The response and request shapes are the one contract module's (a type-only import: no zod in the bundle). */
import type {
  Address,
  AttachmentInfo,
  CommitAnswer as CommitResult,
  DeleteAnswer,
  HeaderFill,
  IdsAnswer,
  LoginRequest,
  LogoutAnswer,
  ResetAnswer,
  ServerConfig,
  ServerDiscovery,
  FullMessage,
  HeaderField,
  MessagePage,
  MessagePreview,
  MessageSummary,
  PreviewPart,
  Proposal,
  Rule,
  RuleMatch,
  RulesBody,
  SeenAnswer,
  SeenBody,
  Security,
  ServerPanel,
  SessionInfo,
  SessionPolicies,
  TranscriptLine,
} from '@/lib/contract';
// The contract's types are the client's types: one definition for both sides.
export type * from '@/lib/contract';
export type { CommitAnswer as CommitResult } from '@/lib/contract';

export type AuthMechanism = 'auto' | 'user' | 'apop' | 'sasl-plain';

/** The server's codes come from the one table on the server (a type-only import: nothing of lib/ is bundled). */
export type ApiErrorCode =
  | AppErrorCode
  /** Client-side only: the request never got an answer (offline, server down). */
  | 'NETWORK_ERROR'
  /** Client-side only: the answer was not what docs/API.md promises. */
  | 'BAD_RESPONSE';

/** Every code, as a record so that the compiler notices a code added to lib/errors.ts and missing here (it would read as a 500). */
const CODES: Record<ApiErrorCode, true> = {
  INVALID_INPUT: true, NO_SESSION: true, AUTH_FAILED: true, REAUTH_REQUIRED: true, OAUTH_FAILED: true, HOST_NOT_ALLOWED: true,
  CSRF_REJECTED: true, INSECURE_AUTH: true, MESSAGE_NOT_FOUND: true, ATTACHMENT_NOT_FOUND: true, NOT_FOUND: true, MESSAGE_TOO_LARGE: true,
  MESSAGE_TOO_COMPLEX: true, PAYLOAD_TOO_LARGE: true, MAILBOX_IN_USE: true, LOGIN_DELAY: true, RATE_LIMITED: true,
  UNSUPPORTED: true, CONNECT_FAILED: true, TLS_FAILED: true, PROTOCOL_ERROR: true, SERVER_ERROR: true, TIMEOUT: true,
  SERVICE_BUSY: true, STORE_UNAVAILABLE: true, INTERNAL_ERROR: true, NETWORK_ERROR: true, BAD_RESPONSE: true,
};
const KNOWN_CODES: ReadonlySet<string> = new Set(Object.keys(CODES));

/** `error.hint` of a refused login (docs/API.md). */
export type LoginHint = 'app-password' | 'web-login' | 'oauth-required' | 'change-port';
const LOGIN_HINTS: ReadonlySet<string> = new Set<LoginHint>(['app-password', 'web-login', 'oauth-required', 'change-port']);

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly status: number;
  /** Seconds, from `Retry-After`, when the server sent one. */
  readonly retryAfter: number | null;
  /** What to do next after a refused login, when the provider said (e.g. show "Sign in with Microsoft"). */
  readonly hint: LoginHint | null;

  constructor(code: ApiErrorCode, message: string, status: number, retryAfter: number | null = null, hint: LoginHint | null = null) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfter = retryAfter;
    this.hint = hint;
  }
}

export interface MessageFilter {
  q: string;
  minSize: number | null;
}

// ---------------------------------------------------------------------------------------------
// Session expiry is noticed by whichever call hits it first; the app shell listens once.

type ExpiryListener = (error: ApiError) => void;
const expiryListeners = new Set<ExpiryListener>();

export function onSessionExpired(listener: ExpiryListener): () => void {
  expiryListeners.add(listener);
  return () => {
    expiryListeners.delete(listener);
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRetryAfter(response: Response): number | null {
  const header = response.headers.get('Retry-After');
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Turns an error body (`{error: {code, message}}`) into an ApiError, whatever the server sent. */
export function errorFromBody(body: unknown, status: number, retryAfter: number | null = null): ApiError {
  if (isRecord(body) && isRecord(body.error)) {
    const rawCode = body.error.code;
    const message = typeof body.error.message === 'string' ? body.error.message : 'The request failed.';
    const code: ApiErrorCode =
      typeof rawCode === 'string' && KNOWN_CODES.has(rawCode) ? (rawCode as ApiErrorCode) : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_RESPONSE';
    const rawHint = body.error.hint;
    const hint = typeof rawHint === 'string' && LOGIN_HINTS.has(rawHint) ? (rawHint as LoginHint) : null;
    return new ApiError(code, message, status, retryAfter, hint);
  }
  return new ApiError(status >= 500 ? 'INTERNAL_ERROR' : 'BAD_RESPONSE', `Unexpected answer from the server (HTTP ${status}).`, status, retryAfter);
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** Login and the first session probe expect NO_SESSION; it is not an expiry there. */
  expectNoSession?: boolean;
}

function notifyExpiry(error: ApiError, options: Pick<RequestOptions, 'expectNoSession'>): void {
  // REAUTH_REQUIRED: an OAuth sign-in that can no longer be renewed ends the session just the same.
  if ((error.code === 'NO_SESSION' || error.code === 'REAUTH_REQUIRED') && !options.expectNoSession) {
    for (const listener of expiryListeners) listener(error);
  }
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * The one way to the API: fetch with the session cookie, turn a failed connection into
 * NETWORK_ERROR and any error status into a typed ApiError (telling the shell about an expired
 * session). What comes back is an OK response whose body the caller reads as JSON, NDJSON or bytes.
 */
async function send(path: string, accept: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  const init: RequestInit = { method: options.method ?? 'GET', credentials: 'same-origin', headers, cache: 'no-store', signal: options.signal };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError('NETWORK_ERROR', 'Postern could not be reached.', 0);
  }
  if (!response.ok) {
    const error = errorFromBody(await readJson(response), response.status, parseRetryAfter(response));
    notifyExpiry(error, options);
    throw error;
  }
  return response;
}

/** A JSON answer (also used by api-panels.ts). */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, 'application/json', options);
  const body = await readJson(response);
  if (body === null) throw new ApiError('BAD_RESPONSE', 'The server sent an empty answer.', response.status);
  return body as T;
}

/**
 * An NDJSON stream: each event goes to `onEvent` until it returns something other than
 * undefined, which ends the read (the rest of the stream is cancelled).
 */
async function readNdjson<T>(response: Response, onEvent: (event: Record<string, unknown>) => T | undefined): Promise<T | undefined> {
  if (response.body === null) return undefined;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  const handleLine = (line: string): T | undefined => {
    if (!line.trim()) return undefined;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      throw new ApiError('BAD_RESPONSE', 'The download stream was garbled.', response.status);
    }
    return isRecord(event) ? onEvent(event) : undefined;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffered += value;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const result = handleLine(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (result !== undefined) {
        void reader.cancel().catch(() => undefined);
        return result;
      }
      newline = buffered.indexOf('\n');
    }
    if (done) break;
  }
  return handleLine(buffered);
}

/** At most `maxBytes` of a byte stream; `complete` is false when there was more. */
async function readBytes(response: Response, maxBytes: number): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (response.body === null) return { bytes: new Uint8Array(0), complete: true };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let complete = true;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) {
      chunks.push(value);
      received += value.byteLength;
    }
    if (done) break;
    if (received >= maxBytes) {
      complete = false;
      void reader.cancel().catch(() => undefined);
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(received, maxBytes));
  let at = 0;
  for (const chunk of chunks) {
    const room = bytes.byteLength - at;
    if (room <= 0) break;
    bytes.set(chunk.subarray(0, room), at);
    at += Math.min(room, chunk.byteLength);
  }
  return { bytes, complete };
}

function filterParams(filter: MessageFilter, params: URLSearchParams): URLSearchParams {
  const q = filter.q.trim();
  if (q) params.set('q', q);
  if (filter.minSize !== null && filter.minSize > 0) params.set('minSize', String(filter.minSize));
  return params;
}

function messagePath(id: string): string {
  return `/api/messages/${encodeURIComponent(id)}`;
}

// --- configuration and session --------------------------------------------------------------

export function getConfig(signal?: AbortSignal): Promise<ServerConfig> {
  return request<ServerConfig>('/api/config', { signal, expectNoSession: true });
}

export function discoverServer(address: string, signal?: AbortSignal): Promise<ServerDiscovery> {
  return request<ServerDiscovery>(`/api/discover?address=${encodeURIComponent(address)}`, { signal, expectNoSession: true });
}

export async function getSession(signal?: AbortSignal): Promise<SessionInfo> {
  const body = await request<{ session: SessionInfo }>('/api/session', { signal, expectNoSession: true });
  return { ...body.session, pendingDeletion: body.session.pendingDeletion ?? [] };
}

/** `signal` cancels a login in progress (the server then drops the session it was opening). */
export async function login(input: LoginRequest, signal?: AbortSignal): Promise<SessionInfo> {
  const body = await request<{ session: SessionInfo }>('/api/session', { method: 'POST', body: input, signal, expectNoSession: true });
  return { ...body.session, pendingDeletion: body.session.pendingDeletion ?? [] };
}

/** Always ends the session; `applied` is false (with a `warning`) when the server did not confirm QUIT. */
export function logout(): Promise<{ deleted: number; applied: boolean; warning?: string }> {
  return request<{ deleted: number; applied: boolean; warning?: string }>('/api/session', { method: 'DELETE', expectNoSession: true });
}

export function resetDeletions(): Promise<{ restored: number }> {
  return request<{ restored: number }>('/api/session/reset', { method: 'POST', body: {} });
}

export function commitDeletions(): Promise<CommitResult> {
  return request<CommitResult>('/api/session/commit', { method: 'POST', body: {} });
}

// --- messages ---------------------------------------------------------------------------------

export function listMessages(
  page: { offset: number; limit: number; refresh?: boolean },
  filter: MessageFilter,
  signal?: AbortSignal,
): Promise<MessagePage> {
  const params = new URLSearchParams({ offset: String(page.offset), limit: String(page.limit) });
  filterParams(filter, params);
  if (page.refresh) params.set('refresh', '1');
  return request<MessagePage>(`/api/messages?${params.toString()}`, { signal });
}

/** Asks the server to load every remaining header in the background (the filter needs them all). */
export function warmHeaders(): Promise<{ total: number; cached: number; filling: boolean }> {
  return request<{ total: number; cached: number; filling: boolean }>('/api/messages/headers', { method: 'POST', body: {} });
}

export async function listMatchingIds(filter: MessageFilter, signal?: AbortSignal): Promise<string[]> {
  const params = filterParams(filter, new URLSearchParams());
  const query = params.toString();
  const body = await request<{ ids: string[] }>(`/api/messages/ids${query ? `?${query}` : ''}`, { signal });
  return body.ids;
}

export function getPreview(id: string, lines: number, signal?: AbortSignal): Promise<MessagePreview> {
  return request<MessagePreview>(`${messagePath(id)}/preview?lines=${lines}`, { signal });
}

export interface DownloadProgress {
  received: number;
  total: number;
}

/**
 * The whole message, streamed as NDJSON so a large one can show progress while it downloads.
 * Falls back to a plain JSON body if the server answers with one.
 */
export async function getMessage(
  id: string,
  options: { remoteImages?: boolean; signal?: AbortSignal; onProgress?: (progress: DownloadProgress) => void },
): Promise<FullMessage> {
  const url = `${messagePath(id)}${options.remoteImages ? '?remoteImages=1' : ''}`;
  const response = await send(url, 'application/x-ndjson', { signal: options.signal });
  if (!(response.headers.get('Content-Type') ?? '').includes('ndjson')) {
    const body = await readJson(response);
    if (isRecord(body) && typeof body.id === 'string') return body as unknown as FullMessage;
    throw new ApiError('BAD_RESPONSE', 'The server sent an unexpected answer.', response.status);
  }
  const message = await readNdjson(response, (event): FullMessage | undefined => {
    if (event.type === 'progress' && typeof event.received === 'number') {
      options.onProgress?.({ received: event.received, total: typeof event.total === 'number' ? event.total : 0 });
      return undefined;
    }
    if (event.type === 'message' && isRecord(event.message)) return event.message as unknown as FullMessage;
    if (event.type === 'error') {
      const error = errorFromBody({ error: event.error }, 502);
      notifyExpiry(error, {});
      throw error;
    }
    return undefined;
  });
  if (message) return message;
  throw new ApiError('BAD_RESPONSE', 'The download ended before the message arrived.', response.status);
}

/** The raw source as text, at most `maxBytes` of it (the rest can be downloaded). */
export async function getRawSource(
  id: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<{ text: string; complete: boolean }> {
  const response = await send(rawUrl(id), '*/*', { signal });
  const { bytes, complete } = await readBytes(response, maxBytes);
  // Source is shown for reading; bytes that are not UTF-8 become U+FFFD (the download is exact).
  const utf8 = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  return { text: utf8, complete };
}

export async function deleteMessage(id: string): Promise<string> {
  const body = await request<{ id: string; deleted: boolean }>(messagePath(id), { method: 'DELETE' });
  return body.id;
}

/** Marks many messages; the API takes at most 10,000 ids per call, so larger sets go in chunks. */
export async function deleteMessages(ids: string[]): Promise<string[]> {
  const deleted: string[] = [];
  for (let start = 0; start < ids.length; start += 10_000) {
    const body = await request<{ deleted: string[] }>('/api/messages/delete', {
      method: 'POST',
      body: { ids: ids.slice(start, start + 10_000) },
    });
    deleted.push(...body.deleted);
  }
  return deleted;
}

/** Marks messages read or unread on this account (`POST /api/messages/seen`). */
export function setSeen(ids: string[], seen: boolean): Promise<SeenAnswer> {
  const body: SeenBody = { ids, seen };
  return request<SeenAnswer>('/api/messages/seen', { method: 'POST', body });
}

/** Takes the deletion mark off these messages only; the others stay marked. */
export async function undeleteMessages(ids: string[]): Promise<{ restored: string[] }> {
  return request<{ restored: string[] }>('/api/messages/undelete', { method: 'POST', body: { ids } });
}

// --- plain links (downloads go through the browser, with the session cookie) ----------------

export function rawUrl(id: string): string {
  return `${messagePath(id)}/raw`;
}

export function attachmentUrl(messageId: string, attachmentId: string): string {
  return `${messagePath(messageId)}/attachments/${encodeURIComponent(attachmentId)}`;
}
