import { AppError } from '../errors';
import type { RequestHead } from './request-head';
import { throttleKey } from '../security/throttle-key';

/**
 * Headers that only the app's own HTTP server (scripts/serve.mjs) writes: it
 * removes whatever a client sent under these names and sets them from the TCP
 * connection itself. Next's route handlers cannot see the socket.
 */
export const PEER_HEADER = 'x-postern-peer';
export const PROTO_HEADER = 'x-postern-proto';

const CROSS_SITE = 'This request came from another site and was refused.';

/**
 * Refuses state-changing requests from other origins (the cookie is SameSite
 * too; this is the second lock). The whole origin counts — scheme, host and
 * port — so `https://host` cannot act for an app served at `http://host`.
 * What a proxy says about the original scheme and host is believed only when
 * the deployer declared trusted proxies; otherwise the client could write it.
 */
export function assertSameOrigin(request: RequestHead, trustedHops = 0): void {
  if (request.method === 'GET' || request.method === 'HEAD') return;
  if (request.headers.get('sec-fetch-site') === 'cross-site') throw new AppError('CSRF_REJECTED', CROSS_SITE);
  const origin = request.headers.get('origin');
  if (!origin) return; // not a browser request (curl, scripts): the cookie alone cannot be forged cross-site
  const expected = servedOrigin(request, trustedHops);
  if (parsedOrigin(origin) !== expected) throw new AppError('CSRF_REJECTED', CROSS_SITE);
}

/** The origin this app is served at, as the browser sees it: `scheme://host[:port]`. */
export function servedOrigin(request: RequestHead, trustedHops = 0): string | undefined {
  const url = new URL(request.url);
  const viaProxy = trustedHops > 0;
  const scheme = (viaProxy ? firstValue(request.headers.get('x-forwarded-proto')) : undefined) ?? connectionScheme(request);
  const host = (viaProxy ? firstValue(request.headers.get('x-forwarded-host')) : undefined) ?? request.headers.get('host') ?? url.host;
  return parsedOrigin(`${scheme}://${host}`);
}

/** `URL#origin` normalises case and default ports; anything unparsable (or opaque, "null") matches nothing. */
function parsedOrigin(value: string): string | undefined {
  let origin: string;
  try {
    origin = new URL(value).origin;
  } catch {
    return undefined; // not a URL: refused by the caller, which compares against a real origin
  }
  return origin === 'null' ? undefined : origin;
}

function firstValue(header: string | null): string | undefined {
  const value = header?.split(',')[0]?.trim();
  return value ? value : undefined;
}

/** The scheme of the connection itself: from the app's server, else from the URL Next built. */
function connectionScheme(request: RequestHead): string {
  const proto = request.headers.get(PROTO_HEADER);
  if (proto === 'http' || proto === 'https') return proto;
  return new URL(request.url).protocol.replace(':', '');
}

let warnedNoPeer = false;

/**
 * The client address for throttling. With no trusted proxy it is the TCP
 * peer, which the client cannot choose (X-Forwarded-For is the client's own
 * writing then, and is ignored). Behind `trustedHops` proxies, each of which
 * appends the address it received from, the real client is the entry that
 * many places from the right of X-Forwarded-For followed by the peer; an IPv6 one as its /64 (throttleKey).
 */
export function clientAddress(request: RequestHead, trustedHops = 0): string {
  const forwarded = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  let peer = request.headers.get(PEER_HEADER)?.trim();
  if (!peer) {
    // Served by plain `next start` instead of scripts/serve.mjs: Next wrote the peer into
    // X-Forwarded-For only when the client sent none, so this is best effort.
    if (!warnedNoPeer) {
      warnedNoPeer = true;
      console.warn('[postern] no connection address on requests (not started with `npm start`?): login throttles per client are best effort');
    }
    peer = forwarded.pop() ?? 'unknown';
  }
  const chain = [...forwarded, peer];
  // An IPv6 client counts as its /64 (it can choose any address in it).
  return throttleKey(chain[Math.max(0, chain.length - 1 - trustedHops)] ?? peer);
}

export function isHttps(request: RequestHead, trustedHops = 0): boolean {
  return servedOrigin(request, trustedHops)?.startsWith('https:') ?? false;
}

const TOO_LARGE = 'The request body is too large.';

/**
 * Reads a JSON body with a size bound, counting bytes as they arrive: a body
 * without Content-Length (chunked) is cut off at the bound, not read whole
 * first. Bad JSON is INVALID_INPUT.
 */
export async function readJson(request: Request, maxBytes = 64 * 1024): Promise<unknown> {
  const declared = request.headers.get('content-length');
  // Not a byte is read of a body declared too large (see readBounded for why it is not cancelled).
  if (declared !== null && Number(declared) > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', TOO_LARGE);
  const bytes = await readBounded(request.body, maxBytes);
  const text = new TextDecoder().decode(bytes);
  if (!text) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A parse failure is the client's input, not ours: a typed error, nothing to log.
    throw new AppError('INVALID_INPUT', 'The request body is not valid JSON.');
  }
}

/**
 * The body's bytes, or PAYLOAD_TOO_LARGE as soon as more than `maxBytes` have
 * arrived. Reading simply stops there: the stream pulls no more, so the
 * connection stops being read and nothing more is held in memory. It is not
 * cancelled, because cancelling destroys the socket before the 413 is
 * written; the app's server (scripts/serve.mjs) ends a connection whose
 * request was not read to its end once the answer is out.
 */
export async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      reader.releaseLock();
      throw new AppError('PAYLOAD_TOO_LARGE', TOO_LARGE);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
