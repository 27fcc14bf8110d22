/**
 * Rotating POSTERN_SESSION_KEY (docs/session-store.md), end to end against real Redis and real Dovecot: app
 * instances started and stopped one after another on one Redis, each with its own key list, serving the same
 * browser (the same cookies). A session made under OLD is served by `OLD,NEW` (and left sealed under OLD), then
 * by `NEW,OLD`, which seals it again under NEW, so that an instance listing only NEW still serves it; an instance
 * listing neither answers NO_SESSION and deletes nothing; and the mark made at the start is what the final logout
 * deletes on Dovecot, and nothing else.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { key as redisKey } from '../../lib/session-store/redis-session-store';
import { SecretBox } from '../../lib/session-store/secret-box';
import { openSecret } from '../../lib/session-store/stored-credentials';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient, type ApiResponse } from '../support/http-client';
import { smallMessages } from '../support/maildrop';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { startRedis, type RedisServer } from '../support/servers/redis';

const USER = 'rotor';
const PASSWORD = 'Rotation-Pa55word!';
const COUNT = 5;

/** The keys by name, so that a failure says which one a record is sealed under. */
const KEYS = { OLD: randomBytes(32), NEW: randomBytes(32), OTHER: randomBytes(32) };
type KeyName = keyof typeof KEYS;

let redis: RedisServer;
let redisClient: Redis;
let dovecot: DovecotServer;
/** The instance running now (one at a time), for `after` should a test fail half-way. */
let running: RunningApp | undefined;
/** Every instance's output, to check that none printed the password. */
const outputs: string[] = [];

type Page = { total: number; messages: { id: string; deleted: boolean }[] };
type SessionBody = { session: { count: number; pendingDeletion: string[]; username: string } };

before(async () => {
  redis = await startRedis();
  redisClient = new Redis(redis.url(0), { maxRetriesPerRequest: 1 });
  dovecot = await startDovecot({ users: [{ name: USER, password: PASSWORD, messages: smallMessages(COUNT).map((m) => m.raw) }] });
});

after(async () => {
  await running?.stop();
  redisClient?.disconnect();
  await dovecot?.stop();
  await redis?.stop();
});

/** Starts an instance with POSTERN_SESSION_KEY listing `keys` in that order, runs `use`, stops it whatever happened. */
async function withInstance(keys: KeyName[], use: (app: RunningApp) => Promise<void>): Promise<void> {
  const app = await startApp({
    POP3_ALLOWED_HOSTS: '127.0.0.1',
    POP3_ALLOWED_PORTS: '1024-65535',
    POSTERN_LOGINS_PER_CLIENT: '1000',
    POSTERN_WORKERS: '1',
    POSTERN_SESSION_STORE: redis.url(0),
    POSTERN_SESSION_KEY: keys.map((name) => KEYS[name].toString('base64')).join(','),
  });
  running = app;
  try {
    await use(app);
  } finally {
    running = undefined;
    await app.stop();
    outputs.push(app.output());
  }
}

/** The person's browser: one set of cookies, carried from instance to instance (each on its own port of one host). */
const browser = {
  cookie: '',
  on(app: RunningApp): HttpClient {
    const client = new HttpClient(app.url);
    client.cookie = this.cookie;
    return client;
  },
  /** Keeps what the instance set (or cleared) for the next one. */
  keep(client: HttpClient): void {
    this.cookie = client.cookie;
  },
  get token(): string {
    const token = /(?:^|;\s*)postern_session=([^;]+)/.exec(this.cookie)?.[1];
    assert.ok(token, `the browser holds a session cookie (${this.cookie})`);
    return token;
  },
};

/**
 * Which single key opens the person's record in Redis now, read as any instance would (the record's `secret`,
 * sealed bound to the token), or 'none'. Throws when there is no record.
 */
async function sealedUnder(token: string): Promise<KeyName | 'none'> {
  const raw = await redisClient.hget(redisKey.session(token), 'record');
  assert.ok(raw, 'the session record is in Redis');
  const { secret } = JSON.parse(raw) as { secret: string };
  for (const name of Object.keys(KEYS) as KeyName[]) {
    try {
      const opened = openSecret(new SecretBox([KEYS[name]]), token, secret);
      assert.equal(opened.kind === 'password' && opened.password, PASSWORD, 'the sealed secret is the password login');
      return name;
    } catch (error) {
      if (error instanceof assert.AssertionError) throw error;
    }
  }
  return 'none';
}

async function sessionOf(client: HttpClient, what: string): Promise<SessionBody['session']> {
  const response = await client.get('/api/session');
  assert.equal(response.status, 200, `${what}: ${response.body.toString()}`);
  return response.json<SessionBody>().session;
}

/** The session is served, with exactly `marked` marked, in the session view and in the message list. */
async function assertServedWithMark(client: HttpClient, marked: string, what: string): Promise<void> {
  const session = await sessionOf(client, what);
  assert.equal(session.username, USER, what);
  assert.deepEqual(session.pendingDeletion, [marked], `${what}: the mark`);
  const page = await client.get(`/api/messages?offset=0&limit=${COUNT}`);
  assert.equal(page.status, 200, `${what}: ${page.body.toString()}`);
  assert.deepEqual(
    page.json<Page>().messages.filter((m) => m.deleted).map((m) => m.id),
    [marked],
    `${what}: marked in the list, and only it`,
  );
}

function assertNoSession(response: ApiResponse, what: string): void {
  assert.equal(response.status, 401, `${what}: ${response.body.toString()}`);
  assert.equal(response.json<{ error: { code: string } }>().error.code, 'NO_SESSION', what);
}

describe('POSTERN_SESSION_KEY rotation across instances on one Redis, in front of Dovecot', () => {
  let all: string[];
  let marked: string;

  test('OLD: log in and mark one message; the record is sealed under OLD', async () => {
    await withInstance(['OLD'], async (app) => {
      const client = browser.on(app);
      await client.logIn({ port: dovecot.port, username: USER, password: PASSWORD });
      const page = (await client.get(`/api/messages?offset=0&limit=${COUNT}`)).json<Page>();
      assert.equal(page.total, COUNT);
      all = page.messages.map((m) => m.id);
      marked = all[1]!;
      const mark = await client.post('/api/messages/delete', { ids: [marked] });
      assert.equal(mark.status, 200, mark.body.toString());
      browser.keep(client);
      assert.equal(await sealedUnder(browser.token), 'OLD');
    });
    assert.equal(await dovecot.storedCount(USER), COUNT, 'a mark deletes nothing');
  });

  test('OLD,NEW (the new key added second): served with its mark, and the record stays sealed under OLD', async () => {
    await withInstance(['OLD', 'NEW'], async (app) => {
      const client = browser.on(app);
      await assertServedWithMark(client, marked, 'OLD,NEW');
      browser.keep(client);
      // Nothing seals with a key listed second: an instance still listing only OLD can open everything meanwhile.
      assert.equal(await sealedUnder(browser.token), 'OLD');
    });
  });

  test('NEW,OLD: the same cookie is served with its mark, and the record is sealed again under NEW', async () => {
    await withInstance(['NEW', 'OLD'], async (app) => {
      const client = browser.on(app);
      await assertServedWithMark(client, marked, 'NEW,OLD');
      browser.keep(client);
      // The re-seal is written before the restore's login, on the connection that later answers the restore's
      // final look at the record (Redis answers one connection in order): done once the request above is answered.
      assert.equal(await sealedUnder(browser.token), 'NEW', 'sealed again under the first key');
      assert.doesNotMatch(app.output(), /was not opened/);
    });
  });

  test('NEW: the session and its mark are still there (the re-seal happened)', async () => {
    await withInstance(['NEW'], async (app) => {
      const client = browser.on(app);
      await assertServedWithMark(client, marked, 'NEW alone');
      browser.keep(client);
      assert.equal(await sealedUnder(browser.token), 'NEW');
    });
  });

  test('OTHER: NO_SESSION for every request, logout included, and the record and its mark are kept', async () => {
    const cookie = browser.cookie;
    await withInstance(['OTHER'], async (app) => {
      const client = browser.on(app);
      assertNoSession(await client.get('/api/session'), 'session');
      assertNoSession(await client.get(`/api/messages?offset=0&limit=${COUNT}`), 'message list');
      assertNoSession(await client.post('/api/messages/delete', { ids: [all[0]!] }), 'another mark');
      assertNoSession(await client.post('/api/session/commit'), 'apply');
      assertNoSession(await client.delete('/api/session'), 'logout');
      // Nothing ended the session: the cookie is as it was, the record and its marks are in Redis, unchanged.
      assert.equal(client.cookie, cookie, 'the session cookie is kept');
      browser.keep(client);
      assert.equal(await sealedUnder(browser.token), 'NEW', 'the record is still there, still sealed under NEW');
      assert.deepEqual(await redisClient.smembers(redisKey.marks(browser.token)), [marked], 'the marks in Redis');
      // One line naming the key it lacks (its fingerprint), however many requests.
      const warnings = app.output().split('\n').filter((line) => line.includes('was not opened'));
      assert.equal(warnings.length, 1, app.output());
      assert.match(warnings[0]!, /sealed under key [0-9a-f]{8} .*POSTERN_SESSION_KEY does not list that key.*record kept/);
    });
    assert.equal(await dovecot.storedCount(USER), COUNT, 'nothing deleted');
  });

  test('NEW again: served with its mark; logout deletes exactly the marked message on Dovecot', async () => {
    await withInstance(['NEW'], async (app) => {
      const client = browser.on(app);
      const token = browser.token;
      await assertServedWithMark(client, marked, 'NEW after OTHER');
      const logout = await client.delete('/api/session');
      assert.equal(logout.status, 200, logout.body.toString());
      assert.deepEqual(logout.json(), { deleted: 1, applied: true });
      assert.doesNotMatch(client.cookie, /postern_session=[^;]/, 'the logout cleared the cookie');
      assert.equal(await redisClient.exists(redisKey.session(token), redisKey.marks(token)), 0, 'the logout removed the record');
      assert.equal(await dovecot.storedCount(USER), COUNT - 1);
      // A fresh login sees every message but the marked one.
      const fresh = new HttpClient(app.url);
      await fresh.logIn({ port: dovecot.port, username: USER, password: PASSWORD });
      const page = (await fresh.get(`/api/messages?offset=0&limit=${COUNT}`)).json<Page>();
      assert.deepEqual(
        page.messages.map((m) => m.id).sort(),
        all.filter((id) => id !== marked).sort(),
      );
      assert.equal((await fresh.delete('/api/session')).status, 200);
    });
    assert.equal(await dovecot.storedCount(USER), COUNT - 1, 'the fresh session\'s logout deleted nothing more');
  });

  test('no instance printed the password', () => {
    assert.equal(outputs.length, 6, 'six instances ran');
    for (const output of outputs) assert.ok(!output.includes(PASSWORD));
  });
});
