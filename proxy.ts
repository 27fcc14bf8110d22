import { NextResponse, type NextRequest } from 'next/server';
import { pageContentSecurityPolicy } from './lib/http/content-security-policy';

/**
 * A fresh script nonce for every page: Next reads it from the request's
 * Content-Security-Policy header and puts it on its own scripts, so the page
 * needs no 'unsafe-inline' for scripts. (The root layout renders per request,
 * which a nonce requires.) API routes are left out: they serve no scripts and
 * get a stricter fixed policy from next.config.js, and a proxy in front of
 * them would make Next keep a replayable copy of every request body.
 */
export function proxy(request: NextRequest): NextResponse {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64');
  const policy = pageContentSecurityPolicy(nonce, process.env.NODE_ENV === 'development');
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  matcher: [{ source: '/((?!api/|_next/static/|_next/image).*)' }],
};
