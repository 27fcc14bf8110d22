/**
 * Issue 12's HTTP and server hardening, end to end against the production
 * build served as `npm start` serves it (scripts/serve.mjs), with scripted
 * POP3 servers on loopback that count every connection and login they see:
 * bounded request bodies, honest login throttles, a logout that always ends,
 * a full pool that sends no byte, whole-origin CSRF, script nonces, and
 * control characters refused before connecting.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { startFakePop3, mailbox, type FakePop3Server, type FakeSession, type MailboxOptions } from '../support/fake-pop3-server';
import { HttpClient, type ApiResponse } from '../support/http-client';
import { settledWithin } from '../support/within';

const PASSWORD = 'correct horse';
const MESSAGE = Buffer.from('From: a@example.test\nTo: b@example.test\nSubject: hello\n\nbody\n');
const COMMON = { POP3_ALLOWED_HOSTS: '127.0.0.1,localhost', POP3_ALLOWED_PORTS: '1024-65535' };

let app: RunningApp;
let servers: FakePop3Server[] = [];

before(async () => {
  // Room for every login in this file from one address; the per-client limit has its own app below.
  app = await startApp({ ...COMMON, POSTERN_LOGINS_PER_CLIENT: '1000' });
});

after(async () => {
  await app?.stop();
  for (const server of servers) await server.close();
});

async function fakeServer(options: MailboxOptions = {}): Promise<FakePop3Server> {
  const server = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages: [{ data: MESSAGE }], ...options }));
  servers.push(server);
  return server;
}

/** Connections on which a credential was sent. */
function loginsSeen(server: FakePop3Server): number {
  return server.sessions.filter((session) => session.lines.some((line) => /^(PASS|APOP|AUTH) /i.test(line))).length;
}

function plainLogin(server: FakePop3Server, fields: Record<string, unknown> = {}) {
  return { host: '127.0.0.1', port: server.port, security: 'none', allowInsecure: true, username: 'alice', password: PASSWORD, ...fields };
}

function errorCode(response: ApiResponse): string {
  return response.json<{ error: { code: string } }>().error.code;
}

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(match, 'no VmRSS for the app process');
  return Number(match[1]);
}

/**
 * POSTs a chunked body (no Content-Length) of up to `limit` bytes, writing only
 * as fast as the app takes them, and stops writing as soon as an answer
 * arrives. Resolves with the answer and how much was sent.
 */
function hostileUpload(url: string, path: string, limit: number): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, url);
    const request = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' } });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => (body += text));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, body, sent });
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const write = () => {
      while (!answered && sent < limit) {
        sent += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', write);
          return;
        }
      }
      if (!answered) request.end();
    };
    write();
  });
}

describe('request bodies', () => {
  for (const [path, status] of [
    ['/api/session', 413],
    // A page takes no body: refused before Next's proxy layer, which would copy and read it all.
    ['/', 405],
  ] as const) {
    test(`a chunked body without Content-Length to ${path} is refused (${status}) at once, and the app does not grow`, async (t) => {
      const LIMIT = 200 * 1024 * 1024;
      // A few times first, so the route is loaded and V8's young generation has grown to the size this
      // traffic keeps it at (on a busy machine it grows by a few MB over the first bodies) before measuring.
      for (let i = 0; i < 3; i += 1) {
        const warm = await hostileUpload(app.url, path, LIMIT);
        assert.equal(warm.status, status, warm.body);
      }
      const before = rssKb(app.pid);
      const upload = await hostileUpload(app.url, path, LIMIT);
      const grown = rssKb(app.pid) - before;
      t.diagnostic(`${path}: sent ${upload.sent} bytes before the answer; RSS ${before} kB before, grew ${grown} kB`);
      assert.equal(upload.status, status, upload.body);
      assert.equal(JSON.parse(upload.body).error.code, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'METHOD_NOT_ALLOWED');
      assert.ok(upload.sent < LIMIT / 4, `the answer came only after ${upload.sent} bytes`);
      assert.ok(grown < 2048, `the app grew by ${grown} kB for one hostile body`);
      // The app still answers normally afterwards.
      assert.equal((await fetch(`${app.url}/api/config`)).status, 200);
    });
  }

  test('an answer given before its body was read says Connection: close, and ends the connection; one after the whole body keeps it', async () => {
    const { port, host } = new URL(app.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    let onData = () => {};
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      received += text;
      onData();
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    const answers = () => [...received.matchAll(/^HTTP\/1\.1 (\d{3})[^\r]*\r\n((?:[^\r]+\r\n)*)\r\n/gm)];
    const answered = (count: number) =>
      new Promise<void>((resolve) => {
        onData = () => answers().length >= count && resolve();
        onData();
      });
    // A small whole body, then a second request on the same connection: both answered.
    const small = '{}';
    socket.write(
      `POST /api/session/reset HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${app.url}\r\nContent-Type: application/json\r\nContent-Length: ${small.length}\r\n\r\n${small}` +
        `GET /api/config HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
    );
    await settledWithin(answered(2), 30_000, 'two answers on one connection');
    const [first, second] = answers();
    assert.equal(first![1], '401', 'no session');
    assert.doesNotMatch(first![2]!, /^connection: close/im);
    assert.equal(second![1], '200');
    // Now a body announced but sent only in part: the answer comes first, and says the connection ends.
    const partial = 'x'.repeat(1024);
    socket.write(`POST /api/session/reset HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${app.url}\r\nContent-Type: application/json\r\nContent-Length: 200000\r\n\r\n${partial}`);
    await settledWithin(closed, 30_000, 'the connection ended after the answer');
    const third = answers()[2];
    assert.ok(third, `an answer before the close: ${received.slice(-300)}`);
    assert.match(third[2]!, /^connection: close\r$/im);
  });

  test('a declared Content-Length over the bound is refused before reading', async () => {
    const response = await fetch(`${app.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'a', password: 'x'.repeat(70 * 1024) }),
    });
    assert.equal(response.status, 413);
  });
});

describe('every API error in JSON', () => {
  test('an address no route has is 404 NOT_FOUND, a method a route lacks 405 METHOD_NOT_ALLOWED, for any method', async () => {
    for (const [method, path, status, code] of [
      ['GET', '/api/nonexistent', 404, 'NOT_FOUND'],
      ['POST', '/api/messages/a/b/c/d', 404, 'NOT_FOUND'],
      // Not a list of every method, for an address that takes none; nor a 405 for a method no route takes.
      ['OPTIONS', '/api/nonexistent', 404, 'NOT_FOUND'],
      ['PROPFIND', '/api/nonexistent', 404, 'NOT_FOUND'],
      ['PATCH', '/api/session', 405, 'METHOD_NOT_ALLOWED'],
      ['GET', '/api/messages/delete', 405, 'METHOD_NOT_ALLOWED'],
      ['DELETE', '/api/rules', 405, 'METHOD_NOT_ALLOWED'],
    ] as const) {
      const response = await fetch(`${app.url}${path}`, { method, headers: { origin: app.url } });
      assert.equal(response.status, status, `${method} ${path}`);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `${method} ${path}`);
      if (status === 404) assert.equal(response.headers.get('allow'), null, `${method} ${path}: no Allow`);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, code, `${method} ${path}`);
      assert.ok(body.error.message.length > 0);
    }
    // The routes themselves still answer.
    assert.equal((await fetch(`${app.url}/api/config`)).status, 200);
  });
});

/** Every API route file (but the catch-all) with the methods it exports, and a path that reaches it. */
function apiRoutes(): Array<{ file: string; path: string; exported: string[] }> {
  const root = path.resolve(__dirname, '..', '..', 'app', 'api');
  const sample: Record<string, string> = { '[id]': 'uMTIz', '[attachmentId]': 'a1', '[provider]': 'google' };
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => path.basename(file) === 'route.ts' && !file.includes('[...'))
    .map((file) => {
      const source = readFileSync(path.join(root, file), 'utf8');
      const exported = [...source.matchAll(/^export (?:const|async function|function) (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/gm)].map((m) => m[1]!);
      const segments = path.dirname(file).split(path.sep).filter((segment) => segment !== '.');
      return { file, path: `/api/${segments.map((segment) => sample[segment] ?? segment).join('/')}`, exported };
    });
}

describe('405 says what is allowed', () => {
  test('every API route answers a method it lacks with Allow: the methods its file exports, HEAD with GET, OPTIONS', async () => {
    const routes = apiRoutes();
    assert.ok(routes.length >= 15, `only ${routes.length} route files found`);
    for (const { file, path: routePath, exported } of routes) {
      assert.ok(exported.length > 0, `${file} exports no method`);
      const expected = [...new Set([...exported, ...(exported.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].sort().join(', ');
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((candidate) => !exported.includes(candidate))) {
        const response = await fetch(`${app.url}${routePath}`, { method, headers: { origin: app.url } });
        assert.equal(response.status, 405, `${method} ${routePath}`);
        assert.equal(response.headers.get('allow'), expected, `${method} ${routePath}`);
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
      }
    }
  });

  test('a method no route can take (PROPFIND) is 405 in JSON too, with the route\'s Allow, not an empty 400', async () => {
    const response = await fetch(`${app.url}/api/session`, { method: 'PROPFIND', headers: { origin: app.url } });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'DELETE, GET, HEAD, OPTIONS, POST');
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
  });

  test('a page refused a body says GET and HEAD', async () => {
    const response = await fetch(`${app.url}/`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
  });
});

describe('login throttles', () => {
  test('20 parallel wrong passwords reach the server at most 8 times, the rest RATE_LIMITED', async () => {
    const server = await fakeServer();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, n) => new HttpClient(app.url).post('/api/session', plainLogin(server, { password: `guess-${n}` }))),
    );
    const statuses = answers.map((answer) => answer.status);
    assert.equal(server.sessions.length, 8, `connections: ${server.sessions.length}; statuses ${statuses.join(',')}`);
    assert.equal(loginsSeen(server), 8);
    assert.equal(statuses.filter((status) => status === 401).length, 8, statuses.join(','));
    assert.equal(statuses.filter((status) => status === 429).length, 12, statuses.join(','));
  });

  test('the account is the server reached: localhost, 127.1 and 2130706433 share one lockout', async () => {
    const server = await fakeServer();
    for (let n = 0; n < 8; n++) {
      const response = await new HttpClient(app.url).post('/api/session', plainLogin(server, { password: `guess-${n}` }));
      assert.equal(response.status, 401, response.body.toString());
    }
    for (const host of ['localhost', '127.1', '2130706433', '127.0.0.1']) {
      const response = await new HttpClient(app.url).post('/api/session', plainLogin(server, { host, password: 'another-guess' }));
      assert.equal(response.status, 429, `${host}: ${response.body.toString()}`);
      assert.equal(errorCode(response), 'RATE_LIMITED');
      assert.ok(Number(response.headers.get('retry-after')) > 0);
    }
    // The user name too, in another case, is the same account.
    const shouted = await new HttpClient(app.url).post('/api/session', plainLogin(server, { username: 'ALICE', password: 'x' }));
    assert.equal(shouted.status, 429);
    assert.equal(server.sessions.length, 8, 'a locked-out account got another guess at the server');
  });

  test('with no trusted proxy, a forged X-Forwarded-For gets no fresh guesses', async () => {
    const limited = await startApp({ ...COMMON, POSTERN_LOGINS_PER_CLIENT: '3', POSTERN_TRUSTED_PROXY_HOPS: '0' });
    try {
      const server = await fakeServer();
      const attempt = (n: number) =>
        new HttpClient(limited.url).post('/api/session', plainLogin(server, { username: `user${n}`, password: 'wrong' }), {
          'x-forwarded-for': `203.0.113.${n}`,
          'x-postern-peer': `198.51.100.${n}`,
        });
      for (let n = 1; n <= 3; n++) assert.equal((await attempt(n)).status, 401);
      for (let n = 4; n <= 6; n++) {
        const response = await attempt(n);
        assert.equal(response.status, 429, `forged address #${n} got a fresh guess: ${response.body.toString()}`);
        assert.equal(errorCode(response), 'RATE_LIMITED');
      }
      assert.equal(server.sessions.length, 3);
    } finally {
      await limited.stop();
    }
  });
});

describe('logout', () => {
  for (const [fault, quit] of [
    ['answers -ERR to QUIT', async (session: FakeSession) => void (await session.send('-ERR cannot commit\r\n'))],
    ['dies at QUIT', (session: FakeSession) => session.destroy()],
  ] as const) {
    test(`a server that ${fault}: the session still ends, the cookie is cleared, and the answer says the marks were not applied`, async () => {
      const server = await fakeServer({ handlers: { QUIT: (_args, session) => quit(session) } });
      const client = new HttpClient(app.url);
      await client.logIn({ port: server.port, username: 'alice', password: PASSWORD });
      const page = (await client.get('/api/messages')).json<{ messages: Array<{ id: string }> }>();
      assert.equal((await client.delete(`/api/messages/${page.messages[0]!.id}`)).status, 200);
      const cookie = client.cookie;

      const logout = await client.delete('/api/session');
      assert.equal(logout.status, 200, logout.body.toString());
      const body = logout.json<{ deleted: number; applied: boolean; warning?: string }>();
      assert.equal(body.applied, false);
      assert.equal(body.deleted, 0);
      assert.match(body.warning ?? '', /not deleted/);
      assert.match(logout.headers.get('set-cookie') ?? '', /Max-Age=0/);

      client.cookie = cookie;
      const again = await client.get('/api/session');
      assert.equal(again.status, 401);
      assert.equal(errorCode(again), 'NO_SESSION');
      await Promise.all(server.sessions.map((session) => session.closed));
      assert.equal(server.sessions.length, 1, 'the old cookie logged in again');
    });
  }
});

describe('session pool', () => {
  test('a full pool answers SERVICE_BUSY before connecting: 10 parallel logins, 4 places, 4 POP3 logins', async () => {
    const small = await startApp({ ...COMMON, POSTERN_LOGINS_PER_CLIENT: '1000', POSTERN_MAX_SESSIONS: '4' });
    try {
      const server = await fakeServer();
      const clients = Array.from({ length: 10 }, () => new HttpClient(small.url));
      const answers = await Promise.all(clients.map((client) => client.post('/api/session', plainLogin(server))));
      const statuses = answers.map((answer) => answer.status);
      assert.equal(statuses.filter((status) => status === 200).length, 4, statuses.join(','));
      const busy = answers.filter((answer) => answer.status === 503);
      assert.equal(busy.length, 6, statuses.join(','));
      for (const answer of busy) assert.equal(errorCode(answer), 'SERVICE_BUSY');
      assert.equal(server.sessions.length, 4, 'a refused login still connected');
      assert.equal(loginsSeen(server), 4);
      assert.equal(server.sessions.filter((session) => !session.isClosed).length, 4, 'connections left open beyond the live sessions');

      // Each logout frees its place and its connection.
      for (const [index, client] of clients.entries()) {
        if (answers[index]!.status === 200) assert.equal((await client.delete('/api/session')).status, 200);
      }
      await Promise.all(server.sessions.map((session) => session.closed));
      const later = await new HttpClient(small.url).post('/api/session', plainLogin(server));
      assert.equal(later.status, 200, later.body.toString());
    } finally {
      await small.stop();
    }
  });
});

describe('input refused before connecting', () => {
  test('control characters in the password, user name or host never open a connection', async () => {
    const server = await fakeServer();
    const cases: Array<Record<string, unknown>> = [
      { password: 'pass\u0001word' },
      { password: 'pass\r\nDELE 1' },
      { password: 'pass\u0000' },
      { password: 'pass\u007f' },
      { password: 'pass\u0085' },
      { username: 'alice\tbob' },
      { username: 'alice\r\nQUIT' },
      { host: '127.0.0.1\u0000' },
    ];
    for (const fields of cases) {
      const response = await new HttpClient(app.url).post('/api/session', plainLogin(server, fields));
      assert.equal(response.status, 400, JSON.stringify(fields));
      assert.equal(errorCode(response), 'INVALID_INPUT');
    }
    assert.equal(server.sessions.length, 0, 'a connection was made for input the schema should refuse');
  });

  test('a login field the API does not take is refused by name, before connecting', async () => {
    const server = await fakeServer();
    const { username: _, ...withoutUsername } = plainLogin(server);
    for (const [body, field] of [
      [{ ...withoutUsername, usrname: 'alice' }, 'usrname'],
      [{ ...plainLogin(server), allowInsecur: true }, 'allowInsecur'],
    ] as const) {
      const response = await new HttpClient(app.url).post('/api/session', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      const { error } = response.json<{ error: { code: string; message: string } }>();
      assert.equal(error.code, 'INVALID_INPUT');
      assert.equal(error.message, `"${field}" is not a field this request takes.`);
    }
    assert.equal(server.sessions.length, 0);
  });
});

describe('strict input in a session', () => {
  async function loggedIn(): Promise<{ client: HttpClient; id: string }> {
    const server = await fakeServer();
    const client = new HttpClient(app.url);
    await client.logIn({ port: server.port, username: 'alice', password: PASSWORD });
    const id = (await client.get('/api/messages')).json<{ messages: Array<{ id: string }> }>().messages[0]!.id;
    return { client, id };
  }

  function assertRefused(refusals: Array<[string, ApiResponse, string]>): void {
    for (const [what, response, message] of refusals) {
      assert.equal(response.status, 400, `${what}: ${response.body.toString()}`);
      assert.deepEqual(response.json(), { error: { code: 'INVALID_INPUT', message } }, what);
    }
  }

  test('a body field a route does not take is INVALID_INPUT naming it, and nothing is done', async () => {
    const { client, id } = await loggedIn();
    assertRefused([
      ['delete {ids, force}', await client.post('/api/messages/delete', { ids: [id], force: true }), '"force" is not a field this request takes.'],
      ['delete {id}', await client.post('/api/messages/delete', { id: [id] }), '"id" is not a field this request takes.'],
      ['undelete {ids, all}', await client.post('/api/messages/undelete', { ids: [id], all: true }), '"all" is not a field this request takes.'],
      ['seen {ids, seen, read}', await client.post('/api/messages/seen', { ids: [id], seen: true, read: true }), '"read" is not a field this request takes.'],
      ['reset {ids}', await client.post('/api/session/reset', { ids: [id] }), '"ids" is not a field this request takes.'],
      ['commit {ids}', await client.post('/api/session/commit', { ids: [id] }), '"ids" is not a field this request takes.'],
      ['headers {all}', await client.post('/api/messages/headers', { all: true }), '"all" is not a field this request takes.'],
    ]);
    // Nothing was marked, the session lives, and the same requests without the extra field are answered.
    const after = (await client.get('/api/session')).json<{ session: { pendingDeletion: string[] } }>();
    assert.deepEqual(after.session.pendingDeletion, []);
    assert.deepEqual((await client.post('/api/messages/delete', { ids: [id] })).json(), { deleted: [id] });
    assert.deepEqual((await client.post('/api/session/reset', {})).json(), { restored: 1 });
  });

  test('a query number not written in plain digits is INVALID_INPUT, through the fast lane and through Next', async () => {
    const { client, id } = await loggedIn();
    const refusals: Array<[string, ApiResponse, string]> = [];
    for (const loose of ['0x10', '1e1', '%205', '%2B5', '5.0', '05', '']) {
      refusals.push([`limit=${loose}`, await client.get(`/api/messages?limit=${loose}`), 'limit: must be a whole number from 1 to 200, written in digits']);
      refusals.push([`offset=${loose}`, await client.get(`/api/messages?offset=${loose}`), 'offset: must be a whole number from 0 to 10000000, written in digits']);
      refusals.push([`ids minSize=${loose}`, await client.get(`/api/messages/ids?minSize=${loose}`), `minSize: must be a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, written in digits`]);
      refusals.push([`lines=${loose}`, await client.get(`/api/messages/${id}/preview?lines=${loose}`), 'lines: must be a whole number from 0 to 1000, written in digits']);
    }
    assertRefused(refusals);
    assert.equal((await client.get('/api/messages?offset=0&limit=10&minSize=0')).status, 200);
    assert.equal((await client.get(`/api/messages/${id}/preview?lines=10`)).status, 200);
  });

  test('a query parameter a route does not take, or one given twice, is INVALID_INPUT naming it, through the fast lane and through Next', async () => {
    const { client, id } = await loggedIn();
    await client.get('/api/messages?offset=0&limit=1'); // the fast lane is open from here on
    assertRefused([
      // A misspelt offset would otherwise be page 0, and a misspelt filter the whole inbox.
      ['list ofset', await client.get('/api/messages?ofset=50'), '"ofset" is not a query parameter this request takes.'],
      ['list query', await client.get('/api/messages?query=invoice'), '"query" is not a query parameter this request takes.'],
      ['list two', await client.get('/api/messages?page=2&sort=date'), '"page", "sort" are not query parameters this request takes.'],
      ['list offset twice', await client.get('/api/messages?offset=0&offset=50'), '"offset" is given more than once.'],
      ['ids min_size', await client.get('/api/messages/ids?min_size=10'), '"min_size" is not a query parameter this request takes.'],
      ['preview line', await client.get(`/api/messages/${id}/preview?line=5`), '"line" is not a query parameter this request takes.'],
      ['message images', await client.get(`/api/messages/${id}?images=1`), '"images" is not a query parameter this request takes.'],
      ['discover addr', await client.get('/api/discover?addr=alice@example.com'), '"addr" is not a query parameter this request takes.'],
      ['list __proto__', await client.get('/api/messages?__proto__=1'), '"__proto__" is not a query parameter this request takes.'],
    ]);
    // The parameters the routes do take still work, and nothing was marked or changed meanwhile.
    const page = (await client.get('/api/messages?offset=0&limit=1&refresh=0')).json<{ limit: number; messages: Array<{ id: string }> }>();
    assert.deepEqual([page.limit, page.messages.map((message) => message.id)], [1, [id]]);
    assert.equal((await client.get(`/api/messages/${id}?remoteImages=0`)).status, 200);
    assert.deepEqual((await client.get('/api/session')).json<{ session: { pendingDeletion: string[] } }>().session.pendingDeletion, []);
  });
});

describe('cross-site requests', () => {
  test('the whole origin counts: another scheme or port is CSRF_REJECTED, the app\'s own origin passes', async () => {
    const own = new URL(app.url);
    const refused = [`https://${own.host}`, `http://${own.hostname}:${Number(own.port) + 1}`, 'http://evil.example', 'null'];
    for (const origin of refused) {
      const response = await new HttpClient(app.url).post('/api/session/reset', {}, { origin });
      assert.equal(response.status, 403, origin);
      assert.equal(errorCode(response), 'CSRF_REJECTED');
    }
    // With no trusted proxy, the client's own X-Forwarded-* headers change nothing.
    const forged = await new HttpClient(app.url).post('/api/session/reset', {}, {
      origin: `https://evil.example`,
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
    });
    assert.equal(forged.status, 403);
    const same = await new HttpClient(app.url).post('/api/session/reset', {}, { origin: app.url });
    assert.equal(errorCode(same), 'NO_SESSION'); // past the origin check
  });
});

describe('content security policy', () => {
  test('pages carry a fresh script nonce, on every script, and no unsafe-inline for scripts', async () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${app.url}/`);
      const csp = response.headers.get('content-security-policy') ?? '';
      const script = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src')) ?? '';
      assert.ok(script, csp);
      assert.ok(!script.includes('unsafe-inline'), script);
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(script)?.[1];
      assert.ok(nonce, script);
      nonces.add(nonce);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /object-src 'none'/);
      const html = await response.text();
      const tags = html.match(/<script\b[^>]*>/g) ?? [];
      assert.ok(tags.length > 0);
      for (const tag of tags) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
      assert.equal(response.headers.get('x-frame-options'), 'DENY');
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    }
    assert.equal(nonces.size, 2, 'the nonce was reused');
    const api = await fetch(`${app.url}/api/config`);
    assert.match(api.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });
});
