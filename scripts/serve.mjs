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
// connection, and the worker that answers a login is the one its cookie names from then on. A later
// request on a kept-alive connection that names another live worker (a proxy pooling connections across
// clients, or a browser whose cookie changed after the connection was routed) is not served by the wrong
// worker: it gets `307` to itself with `Connection: close`, and the browser sends it again on a connection
// the primary routes by its cookie. A cookie naming a live worker is never rewritten. The socket itself
// moves, so the worker sees the true TCP peer for `x-postern-peer` (login throttling) exactly as a single
// process does. The primary keeps its copy of a socket until the worker says it has taken it: a worker
// that dies first (kill -9) has its connections handed to another, none is left unanswered.
//
//   node scripts/serve.mjs [--port 3000] [--hostname 127.0.0.1]   (npm start builds first, then runs this)
//   POSTERN_WORKERS=1 node scripts/serve.mjs                        one process, no primary
// Without --hostname (or POSTERN_HOSTNAME) it listens on every interface of the machine.
import cluster from 'node:cluster';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
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
/**
 * How long to wait before starting again a worker that lived `livedMs`, after `crashes` young deaths in a
 * row: at once after a steady life, else 0.5 s, 1 s, 2 s … up to 10 s, so a worker that cannot start does
 * not spin a core.
 */
export function restartPause(livedMs, crashes) {
  if (livedMs >= STEADY_WORKER_MS) return { pauseMs: 0, crashes: 0 };
  const next = crashes + 1;
  return { pauseMs: Math.min(MAX_RESTART_PAUSE_MS, 250 * 2 ** next), crashes: next };
}

/** Where lib/http/fast-lane.ts leaves its dispatcher. */
const FAST_LANE = Symbol.for('postern.fastLane');
/**
 * Idle kept-alive connections stay open this long (Node's default is 5 s). People pause longer than that
 * between pages; every new connection costs a hand-over from the primary and a slower first request.
 * Above the 60 s idle timeout of common proxies in front, so the proxy, not the app, closes first.
 */
const KEEP_ALIVE_MS = 65_000;
/** A connection is offered to at most this many workers (each died before taking it) before it is closed. */
const MAX_HANDOVERS = 4;
/** Connections held while every worker is restarting; beyond this they are closed. */
const MAX_WAITING = 1024;
/** A worker that lived this long had started well: its death is not a crash loop. */
const STEADY_WORKER_MS = 10_000;
const MAX_RESTART_PAUSE_MS = 10_000;

/**
 * The young generation a worker may grow to, in MiB per semi-space (V8's default is 16). A busy worker
 * allocates ~0.4 MB per inbox page, most of it dead within the page, and the next page's headers that
 * survive: with 16 MiB it collected every ~35 pages, each pause copying what was in flight; with 64 MiB a
 * quarter as often, for about half the collector's time in all (`npm run bench`, 200 people back to back).
 * The space only grows that far under such load; an idle worker keeps the small one.
 */
const WORKER_SEMI_SPACE_MB = 64;

/** Node's flags for a worker: the primary's, and the young generation above unless the operator chose one. */
export function workerExecArgv(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  // V8 takes its flags with dashes or underscores.
  const chosen = [...execArgv, nodeOptions].some((flag) => /--max[-_]semi[-_]space[-_]size/.test(flag));
  return chosen ? [...execArgv] : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}

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

/**
 * Port and address to listen on: `--port`/`-p`, else PORT, else 3000; `--hostname`/`-H`, else POSTERN_HOSTNAME,
 * else every interface. (Not HOSTNAME: shells and containers set it to the machine's own name.) A port that is
 * not one stops the start with a sentence.
 */
export function listenSettings(args = process.argv.slice(2), env = process.env) {
  const flag = (long, short) => {
    const index = args.findIndex((arg) => arg === long || arg === short);
    return index >= 0 ? args[index + 1] : undefined;
  };
  const rawPort = (flag('--port', '-p') ?? env.PORT ?? '3000').trim();
  const port = Number(rawPort);
  if (!/^\d{1,5}$/.test(rawPort) || port < 1 || port > 65535) {
    throw new Error(`PORT (or --port) must be a port number from 1 to 65535 (got "${rawPort}").`);
  }
  const hostname = (flag('--hostname', '-H') ?? env.POSTERN_HOSTNAME)?.trim() || undefined;
  return { port, hostname };
}

const SWITCH_ON = new Set(['', '1', 'on', 'true', 'yes']);
const SWITCH_OFF = new Set(['0', 'off', 'false', 'no']);

/** POSTERN_FAST_LANE: on unless set to 0, off, false or no; anything else stops the start with a sentence. */
export function fastLaneSetting(env = process.env) {
  const raw = env.POSTERN_FAST_LANE?.trim().toLowerCase() ?? '';
  if (SWITCH_ON.has(raw)) return true;
  if (SWITCH_OFF.has(raw)) return false;
  throw new Error(`POSTERN_FAST_LANE must be on or off (1, on, true, yes / 0, off, false, no; got "${env.POSTERN_FAST_LANE}").`);
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

/**
 * An unread request body up to this size (a route that takes none, an answer before reading) is read to
 * its end and dropped by Node, and the connection serves the next request.
 */
const DRAIN_UNREAD_BODY_BYTES = 64 * 1024;

function tooLargeToDrain(req) {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > DRAIN_UNREAD_BODY_BYTES;
}

/** How long a connection ended with its request body unread may stay half-open for the client to read the answer. */
const LINGER_MS = 10_000;

/**
 * This answer ends its connection, and says so (`Connection: close`): a client must not send its next
 * request into it. The rest of the body is never read, so a client that keeps sending fills its own
 * buffers, not ours. Only our side is ended: Node would destroy the socket, and a reset can reach a client
 * still sending before the answer does. The socket goes when the client closes, or after LINGER_MS.
 */
function endConnectionAfterAnswer(req, res) {
  res.shouldKeepAlive = false;
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    socket.setTimeout(LINGER_MS, () => socket.destroy());
  };
}

/** A larger (or unknown) body answered before it was all read (a 413): the connection ends with the answer. */
function endIfBodyUnread(req, res) {
  const writeHead = res.writeHead;
  // Node's implicit head (a first write, or end) goes through writeHead too.
  res.writeHead = function (...args) {
    if (!req.complete) endConnectionAfterAnswer(req, this);
    return writeHead.apply(this, args);
  };
}

/** The API's error body (docs/API.md), for the answers given here rather than by a route. */
function errorBody(code, message) {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Next answers a method a route does not have with an empty 405, and without the `Allow` header RFC 9110
 * requires. The API answers every error in JSON (docs/API.md), so that one is given its body here, and its
 * `Allow` from `allowedMethods`: what the route module exports, as Next itself lists it.
 */
function answerMethodNotAllowedInJson(req, res, server) {
  const end = res.end;
  res.end = function (chunk, ...rest) {
    if (this.statusCode === 405 && !this.headersSent && (chunk === undefined || chunk === null || chunk.length === 0)) {
      const body = errorBody('METHOD_NOT_ALLOWED', `This address does not take ${req.method} requests.`);
      allowedMethods(server, req.url ?? '/').then((allow) => {
        if (allow && allow !== NO_ROUTE) this.setHeader('Allow', allow);
        else console.warn(`[postern] no Allow for the 405 of ${req.method} ${req.url}: Next did not list the route's methods`);
        this.setHeader('Content-Type', 'application/json');
        this.setHeader('Content-Length', Buffer.byteLength(body));
        end.call(this, body);
      });
      return this;
    }
    return end.call(this, chunk, ...rest);
  };
}

/** The methods a route module can export; Next answers any other (PROPFIND, TRACE, …) with an empty 400. */
const ROUTABLE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** A method no API route can take: 405 in JSON with the route's `Allow`, as for a method the route lacks. */
function answerUnroutableMethod(req, res, server) {
  leaveBodyUnread(req);
  endConnectionAfterAnswer(req, res);
  allowedMethods(server, req.url ?? '/').then((allow) => {
    // No route at all (the catch-all's 404 to OPTIONS): not found, whatever the method.
    const missing = allow === NO_ROUTE;
    const body = missing
      ? errorBody('NOT_FOUND', 'There is no API route at this address (see docs/API.md).')
      : errorBody('METHOD_NOT_ALLOWED', `This address does not take ${req.method} requests.`);
    res.writeHead(missing ? 404 : 405, {
      ...(allow && !missing ? { Allow: allow } : {}),
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(body);
  });
}

/** Allow values by path: routes do not change while the server runs. Bounded, as a client chooses the paths. */
const allowByPath = new Map();
const ALLOW_CACHE_PATHS = 256;
const ALLOW_ASK_TIMEOUT_MS = 5_000;

/**
 * The methods the route at `url` takes, from Next's own answer to `OPTIONS` there: for a route module that
 * exports no OPTIONS (none here does), Next answers `204` with `Allow` listing the methods the module exports,
 * HEAD where it has GET, and OPTIONS. Asked through a connection of our own, so the route is the one Next
 * routes the path to, and no list kept by hand can drift from the route files. Undefined when Next answers
 * anything but that `204`.
 */
async function allowedMethods(server, url) {
  let pathname;
  try {
    pathname = new URL(url, 'http://app.invalid').pathname;
  } catch {
    return undefined;
  }
  const known = allowByPath.get(pathname);
  if (known) return known;
  const answer = await askOwnServer(server, `OPTIONS ${pathname} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, ALLOW_ASK_TIMEOUT_MS);
  const allow = allowFromAnswer(answer);
  if (allow) {
    if (allowByPath.size >= ALLOW_CACHE_PATHS) allowByPath.clear();
    allowByPath.set(pathname, allow);
  }
  return allow;
}

/** What `allowFromAnswer` gives for a path no route has: the API's catch-all answers its OPTIONS `404`. */
export const NO_ROUTE = Symbol('no route');

/** The `Allow` of a raw `204` answer, NO_ROUTE for a `404`, or undefined. */
export function allowFromAnswer(answer) {
  const end = answer.indexOf('\r\n\r\n');
  const [status, ...fields] = (end >= 0 ? answer.slice(0, end) : '').split('\r\n');
  if (/^HTTP\/1\.1 404 /.test(status ?? '')) return NO_ROUTE;
  if (!/^HTTP\/1\.1 204 /.test(status ?? '')) return undefined;
  const allow = fields.find((field) => /^allow:/i.test(field))?.slice('allow:'.length).trim();
  return allow && /^[A-Z]+(, [A-Z]+)*$/.test(allow) ? allow : undefined;
}

/**
 * Takes a request's body as ours without reading it, so Node does not read it to its end to discard it:
 * the connection stops being read, and a client that keeps sending fills only its own buffers.
 */
function leaveBodyUnread(req) {
  req.pause();
  req.read(0);
}

function refuse(req, res) {
  leaveBodyUnread(req);
  const body = errorBody('METHOD_NOT_ALLOWED', 'Pages can only be read.');
  // The body stays unread.
  endConnectionAfterAnswer(req, res);
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
async function createAppServer({ port, hostname, dir, worker, lanes }) {
  process.env.NODE_ENV = 'production';
  process.env.NEXT_TELEMETRY_DISABLED = '1';
  const { default: next } = await import('next');
  const app = next({ dev: false, dir, hostname: hostname ?? 'localhost', port });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => {
    if (worker !== undefined && stampWorker(req, res, worker) === 'redirected') return;
    stampConnection(req);
    if (refusedBeforeNext(req)) {
      refuse(req, res);
      return;
    }
    if (tooLargeToDrain(req)) endIfBodyUnread(req, res);
    // The busiest reads skip Next once their route module has opened a lane (lib/http/fast-lane.ts).
    if (lanes && globalThis[FAST_LANE]?.(req, res)) return;
    if (req.url?.startsWith('/api/')) {
      if (!ROUTABLE_METHODS.has(req.method ?? '')) {
        answerUnroutableMethod(req, res, server);
        return;
      }
      answerMethodNotAllowedInJson(req, res, server);
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
  // headersTimeout stays Node's (60 s): since Node 18 it does not time the idle wait between two requests of a
  // kept-alive connection, so it need not exceed keepAliveTimeout (checked on Node 20).
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  if (lanes) await openLanes(server);
  return server;
}

/** One GET to each route that opens a fast lane, so the lane is open before the first person's request. */
const LANE_ROUTES = ['/api/messages', '/api/messages/u0/raw'];
const LANE_OPEN_TIMEOUT_MS = 30_000;

/**
 * Next loads a route's module at its first request; the fast lane opens then (lib/http/fast-lane.ts). These
 * requests, without a session, are answered 401 by Next itself.
 */
async function openLanes(server) {
  for (const route of LANE_ROUTES) {
    const head = await askOwnServer(server, `GET ${route} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`, LANE_OPEN_TIMEOUT_MS);
    if (!/^HTTP\/1\.1 401 /.test(head)) console.warn(`[postern] opening the lane for ${route}: ${head.split('\r\n')[0]}`);
  }
}

/**
 * Sends `request` (a whole request head, with `Connection: close`) to this server through a connection of our
 * own that never touches the network (an HTTP server takes any duplex stream as a connection), and resolves
 * with the raw answer. Bounded like every read: after `timeoutMs` the connection is dropped and what came is
 * the answer.
 */
function askOwnServer(server, request, timeoutMs) {
  const [ours, theirs] = duplexPair();
  server.emit('connection', theirs);
  const answered = new Promise((resolve) => {
    const chunks = [];
    const timer = setTimeout(() => theirs.destroy(), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      // The server ended its side (`Connection: close`); nothing ends ours, so the pair is destroyed here, or
      // the server would keep it (and the timer) for the whole timeout.
      theirs.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    ours.on('data', (chunk) => chunks.push(chunk));
    ours.on('end', done);
    theirs.on('close', done);
  });
  // Not ended from our side: the server would take that as the connection closing. `Connection: close` ends it.
  ours.write(request);
  return answered;
}

/** Two connected duplex streams: what one writes, the other reads. */
function duplexPair() {
  const pair = [];
  const side = (other) =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        pair[other].push(chunk);
        callback();
      },
      final(callback) {
        pair[other].push(null);
        callback();
      },
    });
  pair.push(side(1), side(0));
  return pair;
}

/** Worker indices the primary last said are alive (sent on every change); used for later requests of a connection. */
const liveWorkers = new Set();

/**
 * The worker's name on every answer, and its cookie when the request named none, or a worker that is gone.
 * Returns 'redirected' when this request belongs to another live worker and was answered with 307.
 */
export function stampWorker(req, res, worker, live = liveWorkers) {
  res.setHeader(WORKER_HEADER, String(worker));
  // The first request of a connection is the one the primary routed: it already chose by the cookie.
  const first = req.socket.posternFirst !== false;
  req.socket.posternFirst = false;
  const named = cookieValue(req.headers.cookie, WORKER_COOKIE);
  if (named === String(worker)) return 'here';
  if (!first && named !== undefined && live.has(Number(named))) {
    // Served here it would miss the session's POP3 connection (or find none, with the in-process store).
    leaveBodyUnread(req);
    endConnectionAfterAnswer(req, res);
    res.writeHead(307, { Location: req.url ?? '/', 'Content-Length': '0', 'Cache-Control': 'no-store', Connection: 'close' });
    res.end();
    return 'redirected';
  }
  const secure = req.socket.encrypted ? '; Secure' : '';
  // Lax, not Strict: an OAuth provider sends the browser back with a cross-site navigation, and the
  // callback keeps the worker that began it (any worker can finish it: sign-ins are in the session store).
  res.appendHeader('Set-Cookie', `${WORKER_COOKIE}=${worker}; Path=/; HttpOnly; SameSite=Lax${secure}`);
  return 'here';
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

/**
 * The ready line, saying what the server is bound to: `address` is what net.Server.address() gives. A warning
 * follows when X-Forwarded-For is believed (POSTERN_TRUSTED_PROXY_HOPS) on a port anyone may reach directly.
 */
export function readyLines({ address, port }, workers, env = process.env) {
  const everywhere = address === '::' || address === '0.0.0.0';
  const host = everywhere ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  const bound = everywhere ? `listening on all interfaces (${address})` : `listening on ${address} only`;
  const where = workers > 1 ? `, ${workers} worker processes` : '';
  const lines = [`[postern] ready on http://${host}:${port}, ${bound}${where}`];
  const hops = Number(env.POSTERN_TRUSTED_PROXY_HOPS ?? 0);
  if (everywhere && hops > 0) {
    lines.push(
      `[postern] warning: POSTERN_TRUSTED_PROXY_HOPS=${hops} believes X-Forwarded-For, and this port is open on all interfaces: ` +
        'a client reaching it directly, not through the proxy, can forge its address past the per-client login throttle. ' +
        'Listen only where the proxy connects from (POSTERN_HOSTNAME=127.0.0.1, or --hostname) or firewall the port.',
    );
  }
  return lines;
}

function announce(server, workers) {
  // One write: whoever waits for the ready line (a supervisor, a test) reads its warning with it.
  console.log(readyLines(server.address(), workers).join('\n'));
}

/** One line for a start that failed: the cause in words, no stack (the configuration errors already are sentences). */
export function startFailureLine(error) {
  const { code, address, port } = error ?? {};
  const everywhere = address === undefined || address === '::' || address === '0.0.0.0';
  const at = everywhere ? `port ${port}` : `${address.includes(':') ? `[${address}]` : address}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `[postern] cannot start: ${at} is already in use (another program, or another Postern, listens there).`;
    case 'EACCES':
      return `[postern] cannot start: not allowed to listen on ${at} (ports below 1024 need privileges).`;
    case 'EADDRNOTAVAIL':
      return `[postern] cannot start: ${address} is not an address of this machine (--hostname or POSTERN_HOSTNAME).`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `[postern] cannot start: the host name to listen on (--hostname or POSTERN_HOSTNAME) does not resolve: ${error.message}`;
    default:
      return `[postern] cannot start: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Exits non-zero with one line: a supervisor must see a server that did not start, not one listening on nothing. */
export function exitOnStartFailure(error) {
  console.error(startFailureLine(error));
  process.exit(1);
}

/**
 * Starts the server; resolves once listening. One process when POSTERN_WORKERS is 1, else this process
 * becomes the primary (resolves with its listening net.Server) and forks the workers.
 */
export async function serve({ port = 3000, hostname, dir = ROOT, workers = workerCount(), lanes = fastLaneSetting() } = {}) {
  if (cluster.isWorker) return serveWorker({ port, hostname, dir, lanes });
  if (workers > 1) return servePrimary({ port, hostname, dir, workers });
  const server = await createAppServer({ port, hostname, dir, lanes });
  await listen(server, port, hostname);
  announce(server, 1);
  const stop = () => {
    server.close(() => process.exit(0));
    // Open keep-alive connections and POP3 sessions must not keep a stopping server alive.
    server.closeAllConnections();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, stop);
  return server;
}

/** A connection handed over by the primary, served as if this worker's server had accepted it. */
export function adoptConnection(server, socket, head) {
  socket.posternFirst = true;
  // http.Server turns Nagle off only on connections it accepts itself. Without this, the last segment of
  // every answer written in two (head, then body) waits for the client's delayed ACK: ~40 ms a request.
  socket.setNoDelay(true);
  server.emit('connection', socket);
  // What the primary read to choose us: fed to the HTTP parser first, then the socket reads on.
  socket.emit('data', head);
  socket.resume();
}

/** A worker: Next on a server that never listens; its connections come from the primary. */
async function serveWorker({ port, hostname, dir, lanes }) {
  const worker = Number(process.env.POSTERN_WORKER_INDEX);
  const server = await createAppServer({ port, hostname, dir, worker, lanes });
  process.on('message', (message, socket) => {
    if (message?.type === 'postern:workers') {
      liveWorkers.clear();
      for (const index of message.live) liveWorkers.add(index);
      return;
    }
    if (message?.type !== 'postern:connection') return;
    // The primary closes its copy of the socket on this word, not before: had we died first, it would
    // have handed the connection to another worker. Said also when no socket came with the message (it
    // closed on the way): the primary's copy is then all that is left of it, and must not stay open.
    process.send?.({ type: 'postern:taken', id: message.id });
    if (socket) adoptConnection(server, socket, Buffer.from(message.head, 'base64'));
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
  const ready = new Map(); // index → cluster Worker that said it is ready and is still connected
  /** Sockets handed to a worker that has not yet said it took them: id → { socket, head, index, tries }. */
  const pending = new Map();
  /** Connections that came while no worker was alive (all restarting): handed over when one is back. */
  const waiting = new Set();
  let nextId = 0;
  let stopping = false;
  let turn = 0;
  let started = false;
  /** Deaths in a row, by worker index, of workers that did not live STEADY_WORKER_MS. */
  const crashes = new Map();

  const announceLive = () => {
    const live = [...ready.keys()];
    for (const child of ready.values()) child.send({ type: 'postern:workers', live }, () => undefined);
  };

  const fork = (index) =>
    new Promise((resolve, reject) => {
      // The count lets each worker take its share of the login limits when there is no shared store.
      const child = cluster.fork({ POSTERN_WORKER_INDEX: String(index), POSTERN_WORKER_COUNT: String(workers) });
      const bornAt = Date.now();
      child.on('message', (message) => {
        if (message?.type === 'postern:taken') {
          const entry = pending.get(message.id);
          pending.delete(message.id);
          // The worker holds its own descriptor now; closing ours does not end the connection.
          entry?.socket.destroy();
          return;
        }
        if (message?.type !== 'postern:ready') return;
        ready.set(index, child);
        announceLive();
        resolve(child);
        for (const entry of waiting) {
          waiting.delete(entry);
          clearTimeout(entry.timer);
          handOver(entry.socket, entry.head, entry.tries);
        }
      });
      let gone = false;
      const lost = (why) => {
        if (gone) return;
        gone = true;
        if (ready.get(index) === child) ready.delete(index);
        if (stopping) return;
        announceLive();
        // Connections it was given but never took go to a live worker instead of waiting forever.
        for (const [id, entry] of pending) {
          if (entry.index !== index) continue;
          pending.delete(id);
          handOver(entry.socket, entry.head, entry.tries);
        }
        if (!started) {
          // The others run the same configuration and would only say the same again: stopped now (they hold
          // nothing yet), so the reason is said once, above, by this worker, and the primary's line ends it.
          stopping = true;
          for (const other of Object.values(cluster.workers ?? {})) if (other !== child) other?.process.kill('SIGKILL');
          reject(new Error(`worker ${index} stopped before it was ready (its reason is above)`));
          return;
        }
        // Its sessions' POP3 connections are gone with it (a shared store reconnects them elsewhere).
        // One that dies young is started again after a growing pause: a broken worker must not spin a core.
        const restart = restartPause(Date.now() - bornAt, crashes.get(index) ?? 0);
        crashes.set(index, restart.crashes);
        const pause = restart.pauseMs;
        console.error(`[postern] worker ${index} exited (${why}); starting it again${pause ? ` in ${pause} ms` : ''}`);
        setTimeout(() => {
          if (!stopping) fork(index).catch((error) => console.error('[postern] could not restart a worker', error));
        }, pause).unref();
      };
      // 'disconnect' comes first when a worker dies: stop routing to it at once, not at 'exit'.
      child.once('disconnect', () => lost('disconnected'));
      child.once('exit', (code, signal) => lost(signal ?? code));
    });

  const pick = (head) => {
    const named = affineWorker(head, workers);
    if (named !== undefined && ready.get(named)?.isConnected()) return [named, ready.get(named)];
    const alive = [...ready].filter(([, child]) => child.isConnected());
    if (alive.length === 0) return undefined;
    turn = (turn + 1) % alive.length;
    return alive[turn];
  };

  function handOver(socket, head, tries = 0) {
    if (socket.destroyed || tries >= MAX_HANDOVERS) {
      socket.destroy();
      return;
    }
    const chosen = pick(head.toString('latin1'));
    if (!chosen) {
      // Every worker is restarting: the connection waits for the first one back, a bounded while.
      if (waiting.size >= MAX_WAITING) {
        socket.destroy();
        return;
      }
      const entry = { socket, head, tries, timer: setTimeout(() => waiting.delete(entry) && socket.destroy(), HEAD_TIMEOUT_MS) };
      waiting.add(entry);
      return;
    }
    const [index, child] = chosen;
    const id = ++nextId;
    pending.set(id, { socket, head, index, tries: tries + 1 });
    // keepOpen: our copy stays open until the worker says 'postern:taken' (or dies, and another gets it).
    child.send({ type: 'postern:connection', id, head: head.toString('base64') }, socket, { keepOpen: true }, (error) => {
      if (!error || !pending.has(id)) return;
      pending.delete(id);
      handOver(socket, head, tries + 1);
    });
  }

  // Workers always run this file, whichever script started the primary (npm start runs start.mjs).
  cluster.setupPrimary({
    exec: fileURLToPath(import.meta.url),
    args: ['--port', String(port), ...(hostname ? ['--hostname', hostname] : [])],
    execArgv: workerExecArgv(),
  });
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
      handOver(socket, Buffer.concat(chunks));
    };
    socket.on('data', onData);
  });
  await listen(server, port, hostname);
  announce(server, workers);
  const stop = () => {
    stopping = true;
    server.close();
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, stop);
  return server;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  Promise.resolve()
    .then(() => serve(listenSettings()))
    .catch(exitOnStartFailure);
}
