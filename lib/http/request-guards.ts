import { AppError } from '../errors';

/** Refuses state-changing requests from other origins (the cookie is SameSite too; this is the second lock). */
export function assertSameOrigin(request: Request): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (request.headers.get('sec-fetch-site') === 'cross-site') {
    throw new AppError('CSRF_REJECTED', 'This request came from another site and was refused.');
  }
  const origin = request.headers.get('origin');
  if (!origin) return; // not a browser request (curl, scripts): the cookie alone cannot be forged cross-site
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new AppError('CSRF_REJECTED', 'This request came from another site and was refused.');
  }
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? new URL(request.url).host;
  if (originHost !== host) throw new AppError('CSRF_REJECTED', 'This request came from another site and was refused.');
}

/**
 * The client address for throttling. Next sets X-Forwarded-For to the socket's
 * peer only when the request has none, so without a proxy a client can choose
 * its own value: the per-client limit is then best effort, and the per-account
 * limit (keyed on the target account, which a client cannot vary) is what
 * stops password guessing. Behind `trustedHops` proxies that append the peer
 * address, the entry they added is the real client.
 */
export function clientAddress(request: Request, trustedHops = 0): string {
  const entries = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const index = trustedHops > 0 ? entries.length - trustedHops : entries.length - 1;
  return entries[Math.max(0, index)] ?? 'unknown';
}

export function isHttps(request: Request): boolean {
  const proto = request.headers.get('x-forwarded-proto');
  return (proto ?? new URL(request.url).protocol.replace(':', '')) === 'https';
}

/** Reads a JSON body with a size bound; bad JSON is INVALID_INPUT. */
export async function readJson(request: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const length = Number(request.headers.get('content-length') ?? '0');
  if (length > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  const text = await request.text();
  if (Buffer.byteLength(text) > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError('INVALID_INPUT', 'The request body is not valid JSON.');
  }
}
