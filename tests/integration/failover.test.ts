/**
 * Any instance serves any session (issue 10): two app instances on one Redis
 * and one POSTERN_SESSION_KEY in front of GNU Mailutils with mandatory
 * locking, which refuses a second login to a maildrop with `-ERR [IN-USE]`.
 * The connection lease decides which instance holds the POP3 connection; the
 * other asks it to let go (docs/scaling.md). The marks live in Redis by UIDL:
 * they survive a hand-over, a `kill -9` and a restart of both instances, and
 * nothing is deleted that was not applied.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient } from '../support/http-client';
import { smallMessages } from '../support/maildrop';
import { startMailutils } from '../support/servers/mailutils';
import { startRedis, type RedisServer } from '../support/servers/redis';
import type { RunningServer } from '../support/servers/types';

const PASSWORD = 'Failover-Pa55!';
const USER = 'pfail';
const COUNT = 6;

let redis: RedisServer;
let mailutils: RunningServer;
let env: Record<string, string>;
const apps: { a?: RunningApp; b?: RunningApp } = {};

type Page = { total: number; messages: { id: string; deleted: boolean }[] };
type SessionBody = { session: { count: number; pendingDeletion: string[]; username: string } };

before(async () => {
  redis = await startRedis();
  mailutils = await startMailutils({ users: [{ name: USER, password: PASSWORD, messages: smallMessages(COUNT).map((m) => m.raw) }], lockSession: true });
  env = {
    POP3_ALLOWED_HOSTS: '127.0.0.1',
    POP3_ALLOWED_PORTS: '1024-65535',
    POSTERN_LOGINS_PER_CLIENT: '1000',
    POSTERN_SESSION_STORE: redis.url(0),
    POSTERN_SESSION_KEY: `${randomBytes(32).toString('base64')},${randomBytes(32).toString('base64')}`,
  };
  [apps.a, apps.b] = await Promise.all([startApp(env), startApp(env)]);
});

after(async () => {
  await Promise.all([apps.a?.stop(), apps.b?.stop()]);
  await mailutils?.stop();
  await redis?.stop();
});

/** The same browser (the same cookie) talking to another instance. */
function sameBrowser(client: HttpClient, app: RunningApp): HttpClient {
  const other = new HttpClient(app.url);
  other.cookie = client.cookie;
  return other;
}

async function session(client: HttpClient): Promise<SessionBody['session']> {
  const response = await client.get('/api/session');
  assert.equal(response.status, 200, response.body.toString());
  return response.json<SessionBody>().session;
}

describe('two instances, one Redis, Mailutils refusing a second login', () => {
  let onA: HttpClient;
  let marked: string[];

  test('log in on one instance, use the cookie on the other: the session and its marks are there', async () => {
    onA = new HttpClient(apps.a!.url);
    await onA.logIn({ port: mailutils.port, username: USER, password: PASSWORD });
    const page = (await onA.get('/api/messages?offset=0&limit=10')).json<Page>();
    assert.equal(page.total, COUNT);
    marked = page.messages.slice(0, 2).map((m) => m.id);
    const deleted = await onA.post('/api/messages/delete', { ids: marked });
    assert.equal(deleted.status, 200, deleted.body.toString());

    // A still holds the maildrop (Mailutils would say [IN-USE]): B asks A to let go, then logs in and sends the marks again.
    const onB = sameBrowser(onA, apps.b!);
    const seen = await session(onB);
    assert.equal(seen.username, USER);
    assert.deepEqual([...seen.pendingDeletion].sort(), [...marked].sort());
    const listed = (await onB.get('/api/messages?offset=0&limit=10')).json<Page>();
    assert.deepEqual(listed.messages.filter((m) => m.deleted).map((m) => m.id).sort(), [...marked].sort());

    // And back: A serves it again.
    assert.deepEqual([...(await session(onA)).pendingDeletion].sort(), [...marked].sort());
    assert.equal(await mailutils.storedCount(USER), COUNT, 'nothing deleted that was not applied');
  });

  test('kill -9 of the instance holding the connection: the other serves the next request, marks intact', async () => {
    await session(onA); // A holds the connection now
    process.kill(apps.a!.pid, 'SIGKILL');
    const onB = sameBrowser(onA, apps.b!);
    const started = Date.now();
    const seen = await session(onB);
    const took = Date.now() - started;
    console.log(`[failover] next request after kill -9 served by the other instance in ${took} ms`);
    assert.deepEqual([...seen.pendingDeletion].sort(), [...marked].sort());
    assert.ok(took < 10_000, `took ${took} ms`);
    assert.equal(await mailutils.storedCount(USER), COUNT, 'nothing deleted that was not applied');
    onA = onB;
  });

  test('both instances restarted: the session and its marks are intact; Apply deletes exactly the marked messages', async () => {
    await apps.a?.stop();
    await apps.b?.stop();
    [apps.a, apps.b] = await Promise.all([startApp(env), startApp(env)]);
    const onB = sameBrowser(onA, apps.b!);
    const seen = await session(onB);
    assert.deepEqual([...seen.pendingDeletion].sort(), [...marked].sort());
    assert.equal(await mailutils.storedCount(USER), COUNT, 'nothing deleted that was not applied');
    const commit = await onB.post('/api/session/commit');
    assert.equal(commit.status, 200, commit.body.toString());
    assert.equal(commit.json<{ deleted: number }>().deleted, 2);
    assert.equal(await mailutils.storedCount(USER), COUNT - 2);
    // The marks are gone from the store too: the other instance sees none.
    const onA2 = sameBrowser(onB, apps.a!);
    const after = await session(onA2);
    assert.deepEqual(after.pendingDeletion, []);
    assert.equal(after.count, COUNT - 2);
  });

  test('nothing in the apps\' output carries the password', () => {
    for (const app of [apps.a!, apps.b!]) assert.ok(!app.output().includes(PASSWORD));
  });
});

describe('start-up', () => {
  test('a shared session store without POSTERN_SESSION_KEY refuses to start, saying what to set', async () => {
    const { POSTERN_SESSION_KEY: _key, ...withoutKey } = env;
    await assert.rejects(startApp(withoutKey), /exited[\s\S]*POSTERN_SESSION_KEY[\s\S]*openssl rand -base64 32/);
  });
});
