/**
 * Issue 10 item 3 with items 1–2: two worker processes on one Redis session store. A session logged in on
 * one worker is served by the other when a request reaches it (its cookie naming the other worker, as
 * after that worker died): the other worker takes the connection lease and reconnects.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { startFakePop3, mailbox, type FakePop3Server } from '../support/fake-pop3-server';
import { HttpClient } from '../support/http-client';
import { startRedis, type RedisServer } from '../support/servers/redis';

const PASSWORD = 'correct horse';

let redis: RedisServer;
let pop3: FakePop3Server;
let app: RunningApp;

before(async () => {
  redis = await startRedis();
  pop3 = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages: [{ data: Buffer.from('From: a@example.test\nSubject: hi\n\nbody\n') }] }));
  app = await startApp({
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POSTERN_WORKERS: '2',
    POSTERN_SESSION_STORE: redis.url(0),
    POSTERN_SESSION_KEY: randomBytes(32).toString('base64'),
  });
});

after(async () => {
  await app?.stop();
  await pop3?.close();
  await redis?.stop();
});

/** GET on a connection of its own with exactly `cookie`. */
function get(path: string, cookie: string): Promise<{ status: number; worker: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL(path, app.url), { agent: false, headers: { cookie } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, worker: response.headers['x-postern-worker'] as string | undefined }));
    });
    request.on('error', reject);
  });
}

test('a session logged in on one worker is served by the other', async () => {
  const client = new HttpClient(app.url);
  const login = await client.logIn({ port: pop3.port, username: 'alice', password: PASSWORD });
  const home = login.headers.get('x-postern-worker');
  assert.match(home ?? '', /^[12]$/);
  const other = home === '1' ? '2' : '1';
  const session = /postern_session=[^;]+/.exec(client.cookie)?.[0];
  assert.ok(session);
  const there = await get('/api/messages?limit=1', `${session}; postern_worker=${other}`);
  assert.equal(there.worker, other);
  assert.equal(there.status, 200, 'the other worker restored the session from the store');
  const back = await get('/api/messages?limit=1', `${session}; postern_worker=${home}`);
  assert.equal(back.status, 200, 'and the first one takes it back');
});
