import assert from 'node:assert/strict';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { adoptConnection, allowFromAnswer, refusedBeforeNext, restartPause, stampConnection, stampWorker, workerExecArgv } from '../../../scripts/serve.mjs';

describe('serve.mjs', () => {
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
    // A page's refusal, a 404, an answer cut short or an odd value: no Allow rather than a wrong one.
    assert.equal(allowFromAnswer(answer('405 Method Not Allowed', 'Allow: GET, HEAD')), undefined);
    assert.equal(allowFromAnswer(answer('404 Not Found', 'allow: GET')), undefined);
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
