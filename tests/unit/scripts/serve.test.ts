import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import {
  adoptConnection,
  allowFromAnswer,
  NO_ROUTE,
  fastLaneSetting,
  listenSettings,
  readyLines,
  refusedBeforeNext,
  restartPause,
  stampConnection,
  stampWorker,
  startFailureLine,
  workerExecArgv,
} from '../../../scripts/serve.mjs';

describe('serve.mjs', () => {
  test('where to listen: --port, else PORT, else 3000; --hostname, else POSTERN_HOSTNAME, else everywhere', () => {
    assert.deepEqual(listenSettings([], {}), { port: 3000, hostname: undefined });
    assert.deepEqual(listenSettings([], { PORT: '8080', POSTERN_HOSTNAME: '127.0.0.1' }), { port: 8080, hostname: '127.0.0.1' });
    assert.deepEqual(listenSettings(['--port', '9000', '-H', '::1'], { PORT: '8080', POSTERN_HOSTNAME: '127.0.0.1' }), { port: 9000, hostname: '::1' });
    // HOSTNAME is the machine's name in shells and containers, not where to listen.
    assert.deepEqual(listenSettings([], { HOSTNAME: 'build-7f3c' }), { port: 3000, hostname: undefined });
    for (const port of ['abc', '0', '65536', '80x', '-1', '']) {
      assert.throws(() => listenSettings([], { PORT: port }), /^Error: PORT \(or --port\) must be a port number from 1 to 65535/, port);
    }
  });

  test('POSTERN_FAST_LANE takes the usual words and refuses others', () => {
    for (const on of [undefined, '', '1', 'on', 'TRUE', ' yes ']) assert.equal(fastLaneSetting({ POSTERN_FAST_LANE: on }), true, on);
    for (const off of ['0', 'off', 'Off', 'false', 'no']) assert.equal(fastLaneSetting({ POSTERN_FAST_LANE: off }), false, off);
    assert.throws(() => fastLaneSetting({ POSTERN_FAST_LANE: 'disabled' }), /^Error: POSTERN_FAST_LANE must be on or off .*got "disabled"/);
  });

  test('the ready line says what is bound; trusted proxy hops on every interface add a warning', () => {
    assert.deepEqual(readyLines({ address: '127.0.0.1', port: 3000 }, 1, { POSTERN_TRUSTED_PROXY_HOPS: '1' }), [
      '[postern] ready on http://127.0.0.1:3000, listening on 127.0.0.1 only',
    ]);
    assert.deepEqual(readyLines({ address: '::1', port: 3000 }, 2, {}), ['[postern] ready on http://[::1]:3000, listening on ::1 only, 2 worker processes']);
    assert.deepEqual(readyLines({ address: '::', port: 3000 }, 1, {}), ['[postern] ready on http://localhost:3000, listening on all interfaces (::)']);
    const [ready, warning] = readyLines({ address: '0.0.0.0', port: 3000 }, 1, { POSTERN_TRUSTED_PROXY_HOPS: '2' });
    assert.equal(ready, '[postern] ready on http://localhost:3000, listening on all interfaces (0.0.0.0)');
    assert.match(warning ?? '', /^\[postern\] warning: POSTERN_TRUSTED_PROXY_HOPS=2 believes X-Forwarded-For.*POSTERN_HOSTNAME=127\.0\.0\.1/);
  });

  test('a failed start is one line: the listening errors in words, others by their message', () => {
    const listenError = (code: string, address: string) => Object.assign(new Error(`listen ${code}`), { code, address, port: 3000 });
    assert.equal(startFailureLine(listenError('EADDRINUSE', '::')), '[postern] cannot start: port 3000 is already in use (another program, or another Postern, listens there).');
    assert.equal(startFailureLine(listenError('EADDRINUSE', '127.0.0.1')), '[postern] cannot start: 127.0.0.1:3000 is already in use (another program, or another Postern, listens there).');
    assert.match(startFailureLine(listenError('EACCES', '::')), /not allowed to listen on port 3000/);
    assert.match(startFailureLine(listenError('EADDRNOTAVAIL', '192.0.2.1')), /192\.0\.2\.1 is not an address of this machine/);
    assert.equal(startFailureLine(new Error('POSTERN_WORKERS must be a whole number')), '[postern] cannot start: POSTERN_WORKERS must be a whole number');
  });

  test('the connection headers are the server\'s own: whatever a client sent under those names is replaced', () => {
    const req = {
      headers: { 'x-postern-peer': '203.0.113.9', 'x-postern-proto': 'https', 'x-postern-other': 'x', 'x-forwarded-for': '198.51.100.1' },
      socket: { remoteAddress: '192.0.2.4' },
    } as unknown as IncomingMessage;
    stampConnection(req);
    assert.deepEqual(req.headers, { 'x-forwarded-for': '198.51.100.1', 'x-postern-peer': '192.0.2.4', 'x-postern-proto': 'http' });
  });

  test('Allow is taken only from Next\'s 204 answer to OPTIONS, and only a list of methods', () => {
    const answer = (status: string, ...fields: string[]) => [`HTTP/1.1 ${status}`, ...fields, '', ''].join('\r\n');
    assert.equal(allowFromAnswer(answer('204 No Content', 'vary: rsc', 'allow: DELETE, GET, HEAD, OPTIONS, POST')), 'DELETE, GET, HEAD, OPTIONS, POST');
    assert.equal(allowFromAnswer(answer('204 No Content', 'Allow: GET, HEAD, OPTIONS')), 'GET, HEAD, OPTIONS');
    // A page's refusal, an answer cut short or an odd value: no Allow rather than a wrong one.
    assert.equal(allowFromAnswer(answer('405 Method Not Allowed', 'Allow: GET, HEAD')), undefined);
    // The catch-all's 404: no route at all, whatever Allow it carried.
    assert.equal(allowFromAnswer(answer('404 Not Found', 'allow: GET')), NO_ROUTE);
    assert.equal(allowFromAnswer('HTTP/1.1 204 No Content\r\nallow: GET'), undefined);
    assert.equal(allowFromAnswer(answer('204 No Content')), undefined);
    assert.equal(allowFromAnswer(answer('204 No Content', 'allow: GET\u0000, POST')), undefined);
    assert.equal(allowFromAnswer(''), undefined);
  });

  test('bodies reach Next only on API paths, however the path is spelled', () => {
    const refused = (method: string, url: string) => refusedBeforeNext({ method, url });
    assert.equal(refused('GET', '/'), false);
    assert.equal(refused('HEAD', '/anything'), false);
    assert.equal(refused('POST', '/api/session'), false);
    assert.equal(refused('DELETE', '/api/messages/abc'), false);
    for (const url of ['/', '/inbox', '/api', '/API/session', '/api/../', '/api/%2e%2e/', '/api/%2E./', '/api\\..\\', '/_next/static/x', '/api%2f..']) {
      assert.equal(refused('POST', url), true, url);
    }
  });

  test('a request reaches its own worker: sent back (307) on a reused connection, never re-cookied while its worker lives', () => {
    const socket: { posternFirst?: boolean } = { posternFirst: true };
    const answer = (cookie: string | undefined, live: number[]) => {
      const headers: Record<string, string | string[]> = {};
      let status = 200;
      const req = { headers: cookie ? { cookie } : {}, socket, url: '/api/messages?limit=5', pause() {}, read() {} } as unknown as IncomingMessage;
      const res = {
        setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
        appendHeader: (name: string, value: string) => (headers[name.toLowerCase()] = value),
        writeHead: (code: number, more: Record<string, string>) => {
          status = code;
          for (const [name, value] of Object.entries(more)) headers[name.toLowerCase()] = value;
        },
        end: () => undefined,
      } as unknown as ServerResponse;
      const outcome = stampWorker(req, res, 1, new Set(live));
      return { outcome, status, headers };
    };
    // The first request of a connection was routed by the primary: served here, cookie set if it named another.
    const first = answer('postern_worker=2', [1]);
    assert.equal(first.outcome, 'here');
    // Lax: the OAuth provider's redirect back (a cross-site navigation) carries it, and the callback keeps its worker.
    assert.equal(first.headers['set-cookie'], 'postern_worker=1; Path=/; HttpOnly; SameSite=Lax');
    // A later one naming a live other worker: 307 to itself, connection closed, no cookie.
    const later = answer('a=b; postern_worker=2', [1, 2]);
    assert.deepEqual([later.outcome, later.status, later.headers.location, later.headers.connection], ['redirected', 307, '/api/messages?limit=5', 'close']);
    assert.equal(later.headers['set-cookie'], undefined);
    // Naming a worker that is gone, or none: served here and named ours.
    for (const cookie of ['postern_worker=2', undefined, 'postern_worker=x']) {
      const served = answer(cookie, [1]);
      assert.equal(served.outcome, 'here', String(cookie));
      assert.equal(served.headers['set-cookie'], 'postern_worker=1; Path=/; HttpOnly; SameSite=Lax');
    }
    // Naming us: nothing to set.
    const own = answer('postern_worker=1', [1, 2]);
    assert.deepEqual([own.outcome, own.headers['set-cookie'], own.headers['x-postern-worker']], ['here', undefined, '1']);
  });

  test('a handed-over connection has Nagle off before the server sees it, then gets the head the primary read', () => {
    const calls: string[] = [];
    const socket = {
      setNoDelay: (on: boolean) => calls.push(`setNoDelay(${on})`),
      emit: (event: string, data: Buffer) => calls.push(`socket ${event} ${data.toString()}`),
      resume: () => calls.push('resume'),
    } as unknown as Socket;
    const server = { emit: (event: string) => calls.push(`server ${event}`) } as unknown as Server;
    adoptConnection(server, socket, Buffer.from('GET / HTTP/1.1'));
    // Without setNoDelay, every answer written in two parts waits ~40 ms for the client's delayed ACK.
    assert.deepEqual(calls, ['setNoDelay(true)', 'server connection', 'socket data GET / HTTP/1.1', 'resume']);
    assert.equal((socket as unknown as { posternFirst: boolean }).posternFirst, true);
  });

  test('a worker that dies young is started again after a growing pause; after a steady life, at once', () => {
    let crashes = 0;
    const pauses: number[] = [];
    for (let death = 0; death < 7; death++) {
      const restart = restartPause(2_000, crashes);
      crashes = restart.crashes;
      pauses.push(restart.pauseMs);
    }
    assert.deepEqual(pauses, [500, 1000, 2000, 4000, 8000, 10000, 10000]);
    assert.deepEqual(restartPause(60_000, crashes), { pauseMs: 0, crashes: 0 });
  });

  test('workers get a larger young generation, unless the operator set one (flag or NODE_OPTIONS)', () => {
    assert.deepEqual(workerExecArgv(['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=64']);
    assert.deepEqual(workerExecArgv(['--max-semi-space-size=8'], ''), ['--max-semi-space-size=8']);
    assert.deepEqual(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=32'), []);
    assert.deepEqual(workerExecArgv(['--max_semi_space_size=8'], ''), ['--max_semi_space_size=8']);
  });
});
