#!/usr/bin/env node
// The production HTTP server: Next's request handler on node:http, so the app learns what only the
// connection knows. Route handlers never see the socket, and X-Forwarded-For is whatever the client
// wrote unless a trusted proxy wrote it: this server sets `x-postern-peer` (the TCP peer's address)
// and `x-postern-proto` (http or https) on every request, after removing any a client sent.
//
// Every core: with POSTERN_WORKERS > 1 (default: the number of cores) a primary process owns the port and
// hands each accepted connection to one of that many worker processes, each running Next. A session's
// POP3 connection lives in the process that logged it in, so routing is session-affine: each worker
// answers with a `postern_worker` cookie naming itself (as HAProxy's `cookie … insert` does across
// machines), and the primary reads the first request head of every connection and hands the socket to
// the worker that cookie names (round robin when there is none, or it names a worker that is gone).
// The choice is per connection, not per request: a browser sends the same cookies on every request of a
// connection, and the worker that answers a login is the one its cookie names from then on. A request
// on a kept-alive connection that names another worker (a proxy pooling connections across clients) is
// answered here with `Connection: close`, so the next one is routed afresh; put `http-reuse never` in
// front (docs/scaling.md). The socket itself moves, so the worker sees the true TCP peer for
// `x-postern-peer` (login throttling) exactly as a single process does.
//
//   node scripts/serve.mjs [--port 3000] [--hostname 0.0.0.0]     (npm start builds first, then runs this)
//   POSTERN_WORKERS=1 node scripts/serve.mjs                        one process, no primary
import cluster from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PEER_HEADER = 'x-postern-peer';
export const PROTO_HEADER = 'x-postern-proto';
/** Names the worker process that answered (tests and operators see where a session lives). */
export const WORKER_HEADER = 'x-postern-worker';
export const WORKER_COOKIE = 'postern_worker';
/** A first request head longer than this is not one a browser sends: routed without reading further. */
const HEAD_LIMIT = 16 * 1024;
/** A connection that sends no complete request head in this long is closed by the primary. */
const HEAD_TIMEOUT_MS = 30_000;
const MAX_WORKERS = 64;

/** POSTERN_WORKERS, or the number of cores; an invalid value stops the start with a sentence. */
export function workerCount(env = process.env) {
  const raw = env.POSTERN_WORKERS?.trim();
  if (!raw) return os.availableParallelism();
  const count = Number(raw);
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new Error(`POSTERN_WORKERS must be a whole number from 1 to ${MAX_WORKERS} (got "${raw}").`);
  }
  return count;
}

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header, name) {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The worker index (1-based) that the `postern_worker` cookie of a raw request head names, if any. */
export function affineWorker(head, count) {
  const end = head.indexOf('\r\n\r\n');
  const lines = (end >= 0 ? head.slice(0, end) : head).split('\r\n');
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line.slice(0, colon).trim().toLowerCase() !== 'cookie') continue;
    const value = cookieValue(line.slice(colon + 1), WORKER_COOKIE);
    const index = Number(value);
    if (value !== undefined && Number.isInteger(index) && index >= 1 && index <= count) return index;
  }
  return undefined;
}

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

/** Next (production mode) behind node:http, not yet listening. `worker`: this process's index in a cluster. */
async function createAppServer({ port, hostname, dir, worker }) {
  process.env.NODE_ENV = 'production';
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const { default: next } = await import('next');
  const app = next({ dev: false, dir, hostname: hostname ?? 'localhost', port });
  await app.prepare();
  const handle = app.getRequestHandler();
  return http.createServer((req, res) => {
    if (worker !== undefined) stampWorker(req, res, worker);
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
}

/** The worker's name on every answer, and its cookie when the request named another (or none). */
function stampWorker(req, res, worker) {
  res.setHeader(WORKER_HEADER, String(worker));
  const named = cookieValue(req.headers.cookie, WORKER_COOKIE);
  if (named === String(worker)) return;
  const secure = req.socket.encrypted ? '; Secure' : '';
  res.appendHeader('Set-Cookie', `${WORKER_COOKIE}=${worker}; Path=/; HttpOnly; SameSite=Strict${secure}`);
  // Named another worker on a connection the primary gave us for an earlier request: this request is
  // served here (a shared session store makes that work), the next one goes through the primary again.
  if (named !== undefined && req.socket.posternRouted) res.setHeader('Connection', 'close');
}

function listen(server, port, hostname) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
}

function announce(port, hostname, workers) {
  const shown = hostname && hostname !== '0.0.0.0' && hostname !== '::' ? hostname : 'localhost';
  const where = workers > 1 ? ` (${workers} worker processes)` : '';
  console.log(`[postern] ready on http://${shown}:${port}${where}`);
}

/**
 * Starts the server; resolves once listening. One process when POSTERN_WORKERS is 1, else this process
 * becomes the primary (resolves with its listening net.Server) and forks the workers.
 */
export async function serve({ port = 3000, hostname, dir = ROOT, workers = workerCount() } = {}) {
  if (cluster.isWorker) return serveWorker({ port, hostname, dir });
  if (workers > 1) return servePrimary({ port, hostname, dir, workers });
  const server = await createAppServer({ port, hostname, dir });
  await listen(server, port, hostname);
  announce(port, hostname, 1);
  const stop = () => {
    server.close(() => process.exit(0));
    // Open keep-alive connections and POP3 sessions must not keep a stopping server alive.
    server.closeAllConnections();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, stop);
  return server;
}

/** A worker: Next on a server that never listens; its connections come from the primary. */
async function serveWorker({ port, hostname, dir }) {
  const worker = Number(process.env.POSTERN_WORKER_INDEX);
  const server = await createAppServer({ port, hostname, dir, worker });
  process.on('message', (message, socket) => {
    if (message?.type !== 'postern:connection' || !socket) return;
    socket.posternRouted = true;
    server.emit('connection', socket);
    // What the primary read to choose us: fed to the HTTP parser first, then the socket reads on.
    socket.emit('data', Buffer.from(message.head, 'base64'));
    socket.resume();
  });
  // The primary is gone (or stopping us): stop taking work, let nothing keep us alive.
  process.on('disconnect', () => {
    server.closeAllConnections();
    process.exit(0);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
  process.send?.({ type: 'postern:ready', worker });
  return server;
}

/** The primary: owns the port, keeps `workers` workers alive, hands each connection to one. */
async function servePrimary({ port, hostname, workers }) {
  const ready = new Map(); // index → cluster Worker that said it is ready
  let stopping = false;
  let turn = 0;

  let started = false;
  const fork = (index) =>
    new Promise((resolve, reject) => {
      const child = cluster.fork({ POSTERN_WORKER_INDEX: String(index) });
      child.on('message', (message) => {
        if (message?.type !== 'postern:ready') return;
        ready.set(index, child);
        resolve(child);
      });
      child.once('exit', (code, signal) => {
        if (ready.get(index) === child) ready.delete(index);
        if (stopping) return;
        if (!started) {
          reject(new Error(`worker ${index} exited (${signal ?? code}) before it was ready`));
          return;
        }
        // Its sessions are gone with it (until a shared store holds them); the others keep serving.
        console.error(`[postern] worker ${index} exited (${signal ?? code}); starting it again`);
        fork(index).catch((error) => console.error('[postern] could not restart a worker', error));
      });
    });

  const pick = (head) => {
    const named = affineWorker(head, workers);
    if (named !== undefined && ready.has(named)) return ready.get(named);
    const alive = [...ready.values()];
    if (alive.length === 0) return undefined;
    turn = (turn + 1) % alive.length;
    return alive[turn];
  };

  const handOver = (socket, chunks) => {
    const head = Buffer.concat(chunks);
    const worker = pick(head.toString('latin1'));
    if (!worker) {
      socket.destroy();
      return;
    }
    worker.send({ type: 'postern:connection', head: head.toString('base64') }, socket, (error) => {
      if (error) socket.destroy();
    });
  };

  // Workers always run this file, whichever script started the primary (npm start runs start.mjs).
  cluster.setupPrimary({ exec: fileURLToPath(import.meta.url), args: ['--port', String(port), ...(hostname ? ['--hostname', hostname] : [])] });
  await Promise.all(Array.from({ length: workers }, (_, i) => fork(i + 1)));
  started = true;

  const server = net.createServer((socket) => {
    const chunks = [];
    let size = 0;
    socket.setTimeout(HEAD_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const onData = (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < HEAD_LIMIT && !Buffer.concat(chunks).includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      socket.pause();
      // Stop reading at once: what the kernel still holds moves with the descriptor to the worker.
      socket._handle?.readStop?.();
      for (let more = socket.read(); more !== null; more = socket.read()) chunks.push(more);
      handOver(socket, chunks);
    };
    socket.on('data', onData);
  });
  await listen(server, port, hostname);
  announce(port, hostname, workers);
  const stop = () => {
    stopping = true;
    server.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    process.exit(0);
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
