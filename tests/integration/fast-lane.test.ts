/**
 * Issue 10 item 5: the inbox's pages and raw downloads are answered without Next's per-request machinery
 * (lib/http/fast-lane.ts, asked first by scripts/serve.mjs; the lanes are opened at start). The same app
 * with POSTERN_FAST_LANE=0 answers everything through Next: both must give the same answers — same body,
 * same security headers, same typed errors.
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
const ENV = { POP3_ALLOWED_HOSTS: '127.0.0.1', POP3_ALLOWED_PORTS: '1024-65535', POSTERN_LOGINS_PER_CLIENT: '1000' };

let lane: RunningApp;
let next: RunningApp;
let pop3: FakePop3Server;

before(async () => {
  pop3 = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages: MESSAGES.map((data) => ({ data })) }));
  [lane, next] = await Promise.all([startApp(ENV), startApp({ ...ENV, POSTERN_FAST_LANE: '0' })]);
});

after(async () => {
  await Promise.all([lane?.stop(), next?.stop()]);
  await pop3?.close();
});

async function login(app: RunningApp): Promise<HttpClient> {
  const client = new HttpClient(app.url);
  await client.logIn({ port: pop3.port, username: 'alice', password: PASSWORD });
  return client;
}

/** Next marks every app-route answer with its router's Vary; the lane's answers have none. */
function byNext(response: ApiResponse): boolean {
  return /\brsc\b/.test(response.headers.get('vary') ?? '');
}

/** The headers that say what an answer is and how it may be used: all but the transport's own. */
function meaningful(response: ApiResponse): Record<string, string> {
  const skip = new Set(['vary', 'date', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie']);
  return Object.fromEntries([...response.headers].filter(([name]) => !skip.has(name)));
}

/** The same request to both apps, each with its own logged-in client (or none). */
async function both(path: string, clients?: [HttpClient, HttpClient]): Promise<[ApiResponse, ApiResponse]> {
  const [a, b] = clients ?? [new HttpClient(lane.url), new HttpClient(next.url)];
  return Promise.all([a.get(path), b.get(path)]);
}

describe('the fast lane', () => {
  test('an inbox page, the first one included: the lane answers it as Next does, same body and headers', async () => {
    const clients: [HttpClient, HttpClient] = [await login(lane), await login(next)];
    for (const path of ['/api/messages?offset=0&limit=5', '/api/messages?offset=5&limit=5', '/api/messages?q=lane%207']) {
      const [fast, slow] = await both(path, clients);
      assert.equal(fast.status, 200, fast.body.toString());
      assert.ok(!byNext(fast), `${path}: answered by the lane`);
      assert.ok(byNext(slow), `${path}: answered by Next with POSTERN_FAST_LANE=0`);
      assert.deepEqual(fast.json(), slow.json(), path);
      assert.deepEqual(meaningful(fast), meaningful(slow), path);
    }
  });

  test('typed errors are the same through the lane: no session, bad input, no such message', async () => {
    for (const [fast, slow] of [await both('/api/messages?limit=5'), await both('/api/messages/u0/raw')]) {
      assert.equal(fast.status, 401);
      assert.ok(!byNext(fast) && byNext(slow));
      assert.deepEqual(fast.json(), slow.json());
      assert.equal(fast.json<{ error: { code: string } }>().error.code, 'NO_SESSION');
    }
    const clients: [HttpClient, HttpClient] = [await login(lane), await login(next)];
    const [bad, badNext] = await both('/api/messages?limit=banana', clients);
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json(), badNext.json());
    assert.match(bad.json<{ error: { message: string } }>().error.message, /limit/);
    const [missing, missingNext] = await both(`/api/messages/u${'x'.repeat(20)}/raw`, clients);
    assert.equal(missing.status, 404);
    assert.ok(!byNext(missing));
    assert.deepEqual(missing.json(), missingNext.json());
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'MESSAGE_NOT_FOUND');
  });

  test('a raw download through the lane is the message, byte for byte, with the download headers', async () => {
    const clients: [HttpClient, HttpClient] = [await login(lane), await login(next)];
    const page = await clients[0].get('/api/messages?offset=0&limit=12');
    const target = page.json<{ messages: { id: string; subject: string }[] }>().messages.find((m) => m.subject === 'lane 3')!;
    const [fast, slow] = await both(`/api/messages/${target.id}/raw`, clients);
    assert.ok(!byNext(fast) && byNext(slow));
    const expected = toCrlf(MESSAGES[3]!);
    for (const response of [fast, slow]) {
      assert.equal(response.status, 200);
      assert.ok(response.body.equals(expected), 'the bytes as served, dots unstuffed');
    }
    assert.deepEqual(meaningful(fast), meaningful(slow));
    assert.equal(fast.headers.get('content-type'), 'message/rfc822');
    assert.match(fast.headers.get('content-disposition') ?? '', /^attachment; filename="message-/);
  });

  test('only the exact paths take the lane: any other spelling, and HEAD, are Next\'s to route', async () => {
    const client = await login(lane);
    // Next redirects the first two to its own spelling (308), and routes the third itself.
    for (const path of ['/api/messages/?limit=1', '/api//messages?limit=1', '/api/%6dessages?limit=1']) {
      const response = await client.get(path);
      assert.ok(byNext(response) || response.status === 308, `${path}: ${response.status} ${[...response.headers]}`);
    }
    const head = await client.request('HEAD', '/api/messages?limit=1');
    assert.ok(byNext(head), 'HEAD is Next\'s');
  });
});
