import 'server-only';
import { toAppError } from '../errors';
import { publicOriginSetting } from '../oauth/config';
import { SignInError } from '../oauth/oidc-client';
import { appEnv } from '../config/env';
import { isHttps, servedOrigin } from './request-guards';
import { STATUS_OF } from './status';

/** Holds the id of the server-side state/nonce/PKCE record between /start and /callback. */
export const FLOW_COOKIE = 'postern_oauth';

/** Trusted reverse proxies in front of the app. */
function hops(): number {
  return appEnv().POSTERN_TRUSTED_PROXY_HOPS;
}

/**
 * The origin the provider sends the browser back to. Behind a proxy set
 * POSTERN_PUBLIC_URL: the redirect URI must equal the one registered.
 */
export function publicOrigin(request: Request): string {
  const configured = publicOriginSetting();
  if (configured) return configured;
  // Forwarded headers count only behind trusted proxies (POSTERN_TRUSTED_PROXY_HOPS), as for CSRF.
  return servedOrigin(request, hops()) ?? new URL(request.url).origin;
}

export function redirectUriFor(request: Request, provider: string): string {
  return `${publicOrigin(request)}/api/oauth/${provider}/callback`;
}

/**
 * SameSite=Lax, not Strict: the provider sends the browser back with a
 * cross-site top-level navigation, on which a Strict cookie is not sent.
 * Scoped to the OAuth routes and short-lived.
 */
export function flowCookie(id: string, request: Request, maxAgeSeconds: number): string {
  return `${FLOW_COOKIE}=${id}; Path=/api/oauth; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${isHttps(request, hops()) ? '; Secure' : ''}`;
}

export function clearedFlowCookie(request: Request): string {
  return flowCookie('', request, 0);
}

export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** A 302 that never caches; `cookies` are Set-Cookie values. */
export function redirect(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
  for (const cookie of cookies) headers.append('Set-Cookie', cookie);
  return new Response(null, { status: 302, headers });
}

/**
 * A sign-in that failed goes back to the login page with a code (and a reason
 * for provider failures), never with free text: a link cannot put words of
 * its choosing on our page. The detail goes to the server log.
 */
export function signInFailed(request: Request, provider: string, error: unknown): Response {
  const appError = toAppError(error);
  const reason = error instanceof SignInError ? error.reason : undefined;
  const status = STATUS_OF[appError.code];
  if (appError.code === 'INTERNAL_ERROR') console.error('[postern] oauth sign-in: internal error', error);
  else console.warn(`[postern] oauth sign-in with ${provider} failed: ${appError.code}${reason ? ` (${reason})` : ''}${status >= 500 ? `: ${describe(error)}` : ''}`);
  const query = new URLSearchParams({ login_error: appError.code, provider });
  if (reason) query.set('reason', reason);
  if (appError.retryAfter) query.set('retry_after', String(appError.retryAfter));
  // Relative: the browser resolves it against the callback it is on, whatever Host said.
  return redirect(`/?${query}`, [clearedFlowCookie(request)]);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Provider error bodies carry codes, never tokens; our own messages never carry secrets.
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}
