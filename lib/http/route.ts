import 'server-only';
import { appEnv } from '../config/env';
import { serverContext } from '../server/context';
import type { MailSession } from '../mail/mail-session';
import type { z } from 'zod';
import { AppError, toAppError } from '../errors';
import { parseInput } from './parse-input';
import { STATUS_OF } from './status';
import { assertSameOrigin } from './request-guards';
import type { RequestHead } from './request-head';

export type { RequestHead } from './request-head';
export { parseInput } from './parse-input';

export const SESSION_COOKIE = 'postern_session';

/** API answers carry mail data: never cached (next.config.js turns Next's own gzip off). */
export const NO_STORE = { 'Cache-Control': 'no-store' };

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(NO_STORE)) headers.set(name, value);
  return Response.json(body, { ...init, headers });
}

/** An error as an answer, without the transport: status, headers and the `{ error }` body. */
export function errorAnswer(error: unknown): { status: number; headers: Record<string, string>; body: { error: { code: string; message: string; hint?: string } } } {
  const appError = toAppError(error);
  const status = STATUS_OF[appError.code];
  if (appError.code === 'INTERNAL_ERROR') console.error('[postern] internal error', error);
  else if (status >= 500) console.warn(`[postern] ${appError.code}: ${describeCause(error)}`);
  const headers: Record<string, string> = { ...NO_STORE };
  if (appError.retryAfter) headers['Retry-After'] = String(appError.retryAfter);
  const body = { code: appError.code, message: appError.message, ...(appError.hint ? { hint: appError.hint } : {}) };
  return { status, headers, body: { error: body } };
}

/** The one place an error becomes a response: typed code, a sentence for the person, status from the table. */
export function errorResponse(error: unknown): Response {
  const { status, headers, body } = errorAnswer(error);
  return Response.json(body, { status, headers });
}

function describeCause(error: unknown): string {
  // Pop3Error messages and redacted commands never contain credentials.
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}

type Handler<C> = (request: Request, context: C) => Promise<Response>;

/** Wraps a route: same-origin check for state changes, then one error-to-response path. */
export function route<C>(handler: Handler<C>): Handler<C> {
  return async (request, context) => {
    try {
      assertSameOrigin(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS);
      return await handler(request, context);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function sessionToken(request: RequestHead): string | undefined {
  const cookie = request.headers.get('cookie') ?? '';
  for (const part of cookie.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=');
  }
  return undefined;
}

/** The request's session: this process's, or restored from the session store (a new POP3 login elsewhere's marks re-applied). */
export async function requireSession(request: RequestHead): Promise<MailSession> {
  const session = await serverContext().sessions.find(sessionToken(request));
  if (!session) throw new AppError('NO_SESSION', 'Your session has ended. Please log in again.');
  return session;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/**
 * The URL's query, checked by `schema` (a strict one: a misspelt `ofset` is refused by name, not taken as
 * page 0). A parameter given twice is refused too: which of the two would count is not the client's to guess.
 */
export function parseQuery<T extends z.ZodType>(schema: T, request: RequestHead): z.infer<T> {
  const params = new Map<string, string>();
  for (const [name, value] of new URL(request.url).searchParams) {
    if (params.has(name)) throw new AppError('INVALID_INPUT', `${JSON.stringify(name)} is given more than once.`);
    params.set(name, value);
  }
  // fromEntries makes every name an own field, `__proto__` too, so the schema sees (and refuses) it.
  return parseInput(schema, Object.fromEntries(params), 'query parameter');
}
