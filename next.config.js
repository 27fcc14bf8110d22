/** @type {import('next').NextConfig} */

// The app shell needs Next's inline bootstrap scripts; email HTML never runs
// as part of it: it is sanitized on the server and shown in a sandboxed frame
// without scripts or same-origin rights. Images may come from https only when
// the person asks for remote images (the sanitizer strips them otherwise).
const csp = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https: http:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const securityHeaders = [
  { key: 'Content-Security-Policy', value: csp },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=()' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // No gzip in the app: it runs on the one thread that serves every session (measured: ~0.75 ms of CPU
  // per small JSON answer, and 100 MB raw downloads at 7 % of socket speed). Compression is the job of
  // the reverse proxy that terminates TLS in front of it (README, "Deploying").
  compress: false,
  // mailparser and the sanitizer are plain Node modules: keep them out of the bundle.
  serverExternalPackages: ['mailparser', 'sanitize-html', 'libmime'],
  // `npm test` type-checks the whole project (tsc --noEmit) before anything else;
  // doing it again inside every build only doubles the build time on two cores.
  typescript: { ignoreBuildErrors: true },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

module.exports = nextConfig;
