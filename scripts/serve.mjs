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
