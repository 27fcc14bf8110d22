import 'server-only';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, type Readable } from 'node:stream';
import securityHeaders from './security-headers.json';
import { assertSameOrigin } from './request-guards';
import type { RequestHead } from './request-head';
import { errorAnswer, NO_STORE } from './route';
import { appEnv } from '../config/env';
import { processGlobal } from '../util/process-global';

/**
 * The busiest reads, answered on node:http without Next's per-request machinery.
 *
 * A cached inbox page costs the app about 2 ms of CPU through Next, and most of it is Next's routing,
 * its web Request and Response, and the web streams between them, not the page (issue 10: ≤ 2 ms). A raw
 * download pays web streams on every chunk. The route modules that answer these (app/api/messages, its
 * raw download) open a lane here when Next first loads them; scripts/serve.mjs asks the lane before Next,
 * so from the second request on, those GETs are answered by the same code over plain node:http. Until a
 * route is loaded, and for everything else, Next answers. Only exact paths match: a path spelled in any
 * other way (percent-encoded, doubled slashes) is Next's to route, as it always was.
 */
export type LaneAnswer = { json: unknown } | { headers: Record<string, string>; stream: Readable };

interface Lane {
  readonly pattern: RegExp;
  answer(request: RequestHead, params: string[]): Promise<LaneAnswer>;
}

/** What serve.mjs calls for a GET: true when a lane took the request (and will answer it). */
export type LaneDispatcher = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The lanes by pattern, and the dispatcher serve.mjs finds (it is plain JS: it looks the symbol up itself). */
const lanes = processGlobal('postern.fastLanes', () => new Map<string, Lane>());
const dispatcher = processGlobal<LaneDispatcher | undefined>('postern.fastLane', () => undefined);

/** Every answer carries what next.config.js gives API answers, and is never cached. */
const BASE_HEADERS: Record<string, string> = { ...securityHeaders.all, ...securityHeaders.api, ...NO_STORE };

/** Registers (or, after a dev reload, replaces) the lane for `pattern`, matched against the raw path. */
export function openFastLane(lane: Lane): void {
  lanes.get().set(lane.pattern.source, lane);
  if (!dispatcher.get()) dispatcher.use((req, res) => dispatch(lanes.get(), req, res));
}

function dispatch(lanes: Map<string, Lane>, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET') return false;
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  for (const lane of lanes.values()) {
    const match = lane.pattern.exec(path);
    if (!match) continue;
    // Answered after the rest of this turn's I/O: when many requests arrive together, the mail
    // servers' replies read in the same turn (the next page's headers, fetched ahead) are in memory
    // first, so those pages are answered at once instead of waiting for them behind the session lock.
    setImmediate(() =>
      answer(lane, match.slice(1), req, res).catch((error: unknown) => {
        // Only a failure to write the answer gets here; the socket is all there is left to end.
        console.error('[postern] fast lane failed', error);
        res.destroy();
      }),
    );
    return true;
  }
  return false;
}

async function answer(lane: Lane, params: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = requestHead(req);
  let result: LaneAnswer;
  try {
    assertSameOrigin(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS);
    result = await lane.answer(request, params);
  } catch (error) {
    const { status, headers, body } = errorAnswer(error);
    sendJson(res, status, body, headers);
    return;
  }
  if ('json' in result) {
    sendJson(res, 200, result.json);
    return;
  }
  res.writeHead(200, { ...BASE_HEADERS, ...result.headers });
  // Backpressure both ways; a person who goes away destroys the source, which abandons the RETR.
  pipeline(result.stream, res, () => undefined);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // Written as a string: node:http joins it to the head and the socket encodes both in one write, where a
  // Buffer (a fresh one per page, the collector's to track) went out beside the head in two.
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, ...headers, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** A node:http request as routes read one. Only the query is taken from the URL; the host is not trusted for it. */
function requestHead(req: IncomingMessage): RequestHead {
  return {
    url: `http://fast-lane.invalid${req.url ?? '/'}`,
    method: req.method ?? 'GET',
    headers: {
      get(name: string): string | null {
        const value = req.headers[name.toLowerCase()];
        if (value === undefined) return null;
        return Array.isArray(value) ? value.join(', ') : value;
      },
    },
  };
}
