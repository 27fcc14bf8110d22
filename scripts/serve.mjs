#!/usr/bin/env node
// The production HTTP server: Next's request handler on node:http, so the app learns what only the
// connection knows. Route handlers never see the socket, and X-Forwarded-For is whatever the client
// wrote unless a trusted proxy wrote it: this server sets `x-postern-peer` (the TCP peer's address)
// and `x-postern-proto` (http or https) on every request, after removing any a client sent.
//
//   node scripts/serve.mjs [--port 3000] [--hostname 0.0.0.0]     (npm start builds first, then runs this)
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PEER_HEADER = 'x-postern-peer';
export const PROTO_HEADER = 'x-postern-proto';

/** Overwrites the connection headers on a Node request: a client's own values never survive. */
export function stampConnection(req) {
  for (const name of Object.keys(req.headers)) {
    if (name.startsWith('x-postern-')) delete req.headers[name];
  }
  req.headers[PEER_HEADER] = req.socket.remoteAddress ?? 'unknown';
  req.headers[PROTO_HEADER] = req.socket.encrypted ? 'https' : 'http';
}

/**
 * Pages are only ever read. A request with a body to anything but the API would reach Next's proxy layer
 * (proxy.ts), which keeps a copy of the body (up to 10 MB) and reads it to its end however long it is:
 * refused here instead, before Next sees it. The API routes read their bodies themselves, bounded.
 */
export function refusedBeforeNext(req) {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  // The path as Next will route it: dot segments (`/api/../`, `/api/%2e%2e/`) resolved first.
  let pathname;
  try {
    pathname = new URL(req.url ?? '/', 'http://app.invalid').pathname;
  } catch {
    return true; // not a path Next could route either
  }
  return !pathname.startsWith('/api/') || /%2e|\.\./i.test(pathname.slice(4));
}

function refuse(req, res) {
  // Take the body as ours without reading it, so Node does not read it to its end to discard it:
  // the connection stops being read, and a client that keeps sending fills only its own buffers.
  req.pause();
  req.read(0);
  const body = JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: 'Pages can only be read.' } });
  res.writeHead(405, {
    Allow: 'GET, HEAD',
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/** Starts Next (production mode) behind node:http; resolves once listening. */
export async function serve({ port = 3000, hostname, dir = ROOT } = {}) {
  process.env.NODE_ENV = 'production';
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const { default: next } = await import('next');
  const app = next({ dev: false, dir, hostname: hostname ?? 'localhost', port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    stampConnection(req);
    // An answer given before the body was read (413): stop reading that connection, so a client that
    // keeps sending fills its own buffers, not ours. Node would otherwise read the rest to discard it.
    res.on('finish', () => {
      if (!req.complete) req.socket?.end();
    });
    if (refusedBeforeNext(req)) {
      refuse(req, res);
      return;
    }
    handle(req, res).catch((error) => {
      console.error('[postern] request failed', error);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy();
      }
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const shown = hostname && hostname !== '0.0.0.0' && hostname !== '::' ? hostname : 'localhost';
  console.log(`[postern] ready on http://${shown}:${port}`);
  const stop = () => {
    server.close(() => process.exit(0));
    // Open keep-alive connections and POP3 sessions must not keep a stopping server alive.
    server.closeAllConnections();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, stop);
  return server;
}

function argValue(args, long, short) {
  const index = args.findIndex((arg) => arg === long || arg === short);
  return index >= 0 ? args[index + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const port = Number(argValue(args, '--port', '-p') ?? process.env.PORT ?? 3000);
  const hostname = argValue(args, '--hostname', '-H');
  serve({ port, hostname }).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
