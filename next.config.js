/** @type {import('next').NextConfig} */

// Pages get their Content-Security-Policy, with a fresh script nonce each, from proxy.ts
// (lib/http/content-security-policy.ts). The fixed headers (and the API's policy that allows nothing) are
// listed once, for Next and for the answers lib/http/fast-lane.ts gives itself.
const { all, api } = require('./lib/http/security-headers.json');
const asList = (headers) => Object.entries(headers).map(([key, value]) => ({ key, value }));

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
      { source: '/:path*', headers: asList(all) },
      { source: '/api/:path*', headers: asList(api) },
    ];
  },
};

module.exports = nextConfig;
