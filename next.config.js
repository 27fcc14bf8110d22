/** @type {import('next').NextConfig} */

// Pages get their Content-Security-Policy, with a fresh script nonce each, from proxy.ts
// (lib/http/content-security-policy.ts). API answers are data and downloads, never a document
// that should run or load anything: they get a policy that allows nothing.
const apiCsp = ["default-src 'none'", "frame-ancestors 'none'", "form-action 'none'", "base-uri 'none'", "object-src 'none'"].join('; ');

const securityHeaders = [
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
    return [
      { source: '/:path*', headers: securityHeaders },
      { source: '/api/:path*', headers: [{ key: 'Content-Security-Policy', value: apiCsp }] },
    ];
  },
};

module.exports = nextConfig;
