/**
 * Content-Security-Policy values. Email HTML never runs as part of the app: it
 * is sanitized on the server and shown in a sandboxed frame without scripts or
 * same-origin rights (with its own, stricter policy inside). Images may come
 * from https/http only when the person asks for remote images (the sanitizer
 * strips them otherwise). Styles stay 'unsafe-inline': the email frame and
 * React's style attributes need them, and a style cannot run code.
 */
const SHARED = [
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https: http:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
];

/**
 * The pages' policy: scripts only with this response's nonce, and what those
 * scripts load ('strict-dynamic': Next's chunks). Development adds
 * 'unsafe-eval', which React's dev build needs for its error overlay.
 */
export function pageContentSecurityPolicy(nonce: string, development = false): string {
  const script = `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`;
  return ["default-src 'self'", script, ...SHARED].join('; ');
}
