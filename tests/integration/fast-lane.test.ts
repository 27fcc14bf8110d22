/**
 * Issue 10 item 5: the inbox's pages and raw downloads are answered without Next's per-request machinery
 * once their route modules are loaded (lib/http/fast-lane.ts, asked first by scripts/serve.mjs). The first
 * request of each goes through Next (it loads the module, which opens the lane); the ones after through the
 * lane. Both must give the same answer: same body, same security headers, same typed errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { mailbox, startFakePop3, toCrlf, type FakePop3Server } from '../support/fake-pop3-server';
import { HttpClient, type ApiResponse } from '../support/http-client';

const PASSWORD = 'lane-Pa55';
const MESSAGES = Array.from({ length: 12 }, (_, i) =>
  Buffer.from(`From: Sender ${i} <s${i}@example.test>\nTo: b@example.test\nSubject: lane ${i}\nDate: Mon, 1 Jan 2026 10:00:00 +0000\n\n.line starting with a dot ${i}\nbody ${i}\n`),
);

let app: RunningApp;
let pop3: FakePop3Server;

before(async () => {
  pop3 = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages: MESSAGES.map((data) => ({ data })) }));
  app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1', POP3_ALLOWED_PORTS: '1024-65535' });
});

after(async () => {
  await app?.stop();
  await pop3?.close();
});

async function login(): Promise<HttpClient> {
  const client = new HttpClient(app.url);
  const response = await client.post('/api/session', { host: '127.0.0.1', port: pop3.port, security: 'none', allowInsecure: true, username: 'alice', password: PASSWORD });
  assert.equal(response.status, 200, response.body.toString());
  return client;
}

/** Next marks every app-route answer with its router's Vary; the lane's answers have none. */
function byNext(response: ApiResponse): boolean {
  return /\brsc\b/.test(response.headers.get('vary') ?? '');
}

/** The headers that say what an answer is and how it may be used: all but the transport's own. */
function meaningful(response: ApiResponse): Record<string, string> {
  const skip = new Set(['vary', 'date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive']);
  return Object.fromEntries([...response.headers].filter(([name]) => !skip.has(name)));
}

describe('the fast lane', () => {
  test('an inbox page: Next answers first, the lane after, with the same body and headers', async () => {
    const client = await login();
    const path = '/api/messages?offset=0&limit=5';
    const first = await client.get(path);
    const second = await client.get(path);
    assert.equal(first.status, 200, first.body.toString());
    assert.equal(second.status, 200, second.body.toString());
    assert.ok(byNext(first), 'the first page came through Next (it loads the route module)');
    assert.ok(!byNext(second), 'the next one came through the lane');
    assert.deepEqual(second.json(), first.json());
    assert.deepEqual(meaningful(second), meaningful(first));
    assert.equal(second.headers.get('content-security-policy')?.startsWith("default-src 'none'"), true);
    assert.equal(second.headers.get('cache-control'), 'no-store');
    assert.equal((second.json() as { messages: unknown[] }).messages.length, 5);
  });

  test('typed errors are the same through the lane: no session, bad input', async () => {
    const stranger = new HttpClient(app.url);
    const noSession = await stranger.get('/api/messages?limit=5');
    assert.equal(noSession.status, 401);
    assert.equal(noSession.json<{ error: { code: string } }>().error.code, 'NO_SESSION');
    assert.ok(!byNext(noSession), 'answered by the lane (the module is loaded by now)');
    const client = await login();
    const bad = await client.get('/api/messages?limit=banana');
    assert.equal(bad.status, 400);
    const body = bad.json<{ error: { code: string; message: string } }>();
    assert.equal(body.error.code, 'INVALID_INPUT');
    assert.match(body.error.message, /limit/);
  });

  test('a raw download through the lane is the message, byte for byte, with the download headers', async () => {
    const client = await login();
    const page = await client.get('/api/messages?offset=0&limit=12');
    const ids = page.json<{ messages: { id: string; subject: string }[] }>().messages;
    const target = ids.find((m) => m.subject === 'lane 3')!;
    const first = await client.get(`/api/messages/${target.id}/raw`);
    const second = await client.get(`/api/messages/${target.id}/raw`);
    assert.ok(byNext(first) && !byNext(second), 'Next first, the lane after');
    const expected = toCrlf(MESSAGES[3]!);
    for (const response of [first, second]) {
      assert.equal(response.status, 200);
      assert.ok(response.body.equals(expected), 'the bytes as served, dots unstuffed');
    }
    assert.deepEqual(meaningful(second), meaningful(first));
    assert.equal(second.headers.get('content-type'), 'message/rfc822');
    assert.match(second.headers.get('content-disposition') ?? '', /^attachment; filename="message-/);
    const missing = await client.get(`/api/messages/u${'x'.repeat(20)}/raw`);
    assert.equal(missing.status, 404);
    assert.ok(!byNext(missing));
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'MESSAGE_NOT_FOUND');
  });

  test('only the exact paths take the lane: any other spelling is Next\'s to route', async () => {
    const client = await login();
    await client.get('/api/messages?limit=1'); // the module is loaded
    for (const path of ['/api/messages/?limit=1', '/api//messages?limit=1', '/api/%6dessages?limit=1']) {
      const response = await client.get(path);
      assert.ok(byNext(response) || response.status === 308 || response.status === 404, `${path}: ${response.status} ${[...response.headers]}`);
    }
    const head = await client.request('HEAD', '/api/messages?limit=1');
    assert.ok(byNext(head), 'HEAD is Next\'s');
  });
});
