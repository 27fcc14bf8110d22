/**
 * The shared session store goes away (Redis stopped) while someone is logged in, against real Redis and
 * real Dovecot: every request that needs the store answers 503 STORE_UNAVAILABLE with Retry-After (not a
 * 500, not a hang) and changes nothing, a logout is not reported as done, and when Redis is back the
 * session and its marks are as before: the logout deletes exactly what was marked before the outage.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient, type ApiResponse } from '../support/http-client';
import { smallMessages } from '../support/maildrop';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { startRedis, type RedisServer } from '../support/servers/redis';

const PASSWORD = 'Outage-Pa55word!';
let redis: RedisServer;
let dovecot: DovecotServer;
let app: RunningApp;

type Page = { messages: Array<{ id: string; deleted: boolean }> };

before(async () => {
  redis = await startRedis();
  dovecot = await startDovecot({ users: [{ name: 'olga', password: PASSWORD, messages: smallMessages(4).map((m) => m.raw) }] });
  app = await startApp({
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POSTERN_WORKERS: '1',
    POSTERN_SESSION_STORE: redis.url(0),
    POSTERN_SESSION_KEY: randomBytes(32).toString('base64'),
  });
});

after(async () => {
  await app?.stop();
  await dovecot?.stop();
  await redis?.stop();
});

function assertStoreUnavailable(response: ApiResponse, what: string): void {
  assert.equal(response.status, 503, `${what}: ${response.body.toString()}`);
  assert.equal(response.json<{ error: { code: string } }>().error.code, 'STORE_UNAVAILABLE', what);
  assert.ok(Number(response.headers.get('retry-after')) > 0, `${what}: Retry-After`);
}

/** Redis stopped while `during` runs, started again after it, whatever happened. */
async function outage(during: () => Promise<void>): Promise<void> {
  await redis.pause();
  try {
    await during();
  } finally {
    await redis.resume();
  }
}

test('Redis stopped mid-session: 503 STORE_UNAVAILABLE and nothing changed; back again: session, marks and Apply intact', async () => {
  const person = new HttpClient(app.url);
  await person.logIn({ port: dovecot.port, username: 'olga', password: PASSWORD });
  const [first, second, third] = (await person.get('/api/messages')).json<Page>().messages;
  assert.ok(first && second && third);
  let marked = first.id;
  assert.equal((await person.post('/api/messages/delete', { ids: [marked] })).status, 200);
  const cookie = person.cookie;
  const markedNow = async (what: string) => {
    const page = await person.get('/api/messages');
    assert.equal(page.status, 200, `${what}: ${page.body.toString()}`);
    assert.deepEqual(page.json<Page>().messages.filter((m) => m.deleted).map((m) => m.id), [marked], `${what}: marked, and only it`);
  };

  await outage(async () => {
    assertStoreUnavailable(await person.get('/api/messages'), 'inbox page');
    assertStoreUnavailable(await person.get('/api/rules'), 'rules');
    // The server is told (DELE) before the store is: a mark the store cannot keep is taken back there too.
    assertStoreUnavailable(await person.post('/api/messages/delete', { ids: [second.id] }), 'mark');
  });
  await markedNow('after a mark refused');
  // And the server does not hold it either: Apply now deletes the one mark made before the outage, and only it.
  assert.equal((await person.post('/api/session/commit')).status, 200);
  assert.equal(await dovecot.storedCount('olga'), 3);
  const left = (await person.get('/api/messages')).json<Page>().messages.map((m) => m.id);
  assert.ok(left.includes(second.id) && !left.includes(first.id));
  marked = third.id;
  assert.equal((await person.post('/api/messages/delete', { ids: [marked] })).status, 200);

  await outage(async () => assertStoreUnavailable(await person.post('/api/session/reset'), 'undo every mark'));
  await markedNow('after an undo refused');

  await outage(async () => assertStoreUnavailable(await person.post('/api/session/commit'), 'apply'));
  assert.equal(await dovecot.storedCount('olga'), 3, 'a refused Apply deleted nothing');
  await markedNow('after an Apply refused');

  await outage(async () => {
    assertStoreUnavailable(await person.delete('/api/session'), 'logout');
    // The logout did not end the session, so the cookie that names it is kept.
    assert.equal(person.cookie, cookie);
    const stranger = new HttpClient(app.url);
    const login = { host: '127.0.0.1', port: dovecot.port, security: 'none', allowInsecure: true, username: 'olga', password: PASSWORD };
    assertStoreUnavailable(await stranger.request('POST', '/api/session', { body: login }), 'login');
  });
  assert.equal(await dovecot.storedCount('olga'), 3, 'a refused logout deleted nothing');
  await markedNow('after a logout refused');

  const logout = await person.delete('/api/session');
  assert.equal(logout.status, 200, logout.body.toString());
  assert.deepEqual(logout.json(), { deleted: 1, applied: true });
  assert.equal(await dovecot.storedCount('olga'), 2);
});
