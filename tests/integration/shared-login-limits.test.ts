/**
 * Login limits and login delays hold across instances and workers (issue 10 with issue 12's throttles):
 * with a shared store they are counted in Redis, so a second instance is not a second set of tries, and
 * an instance taking over a session knows when another one last logged in; without one, each worker
 * process counts its share of the limit.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { RedisLoginDelays } from '../../lib/mail/login-delays';
import { isReservation } from '../../lib/security/rate-limit';
import { RedisAttemptLimiter } from '../../lib/security/redis-attempt-limiter';
import { startApp, type RunningApp } from '../support/app-server';
import { mailbox, startFakePop3, type FakePop3Server } from '../support/fake-pop3-server';
import { HttpClient } from '../support/http-client';
import { startRedis, type RedisServer } from '../support/servers/redis';

const PASSWORD = 'right-Pa55';
let redis: RedisServer;
let pop3: FakePop3Server;
const clients: Redis[] = [];
const apps: RunningApp[] = [];

before(async () => {
  redis = await startRedis();
  pop3 = await startFakePop3(mailbox({ user: 'alice', password: PASSWORD, messages: [{ data: Buffer.from('Subject: one\n\nbody\n') }] }));
});
after(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  for (const client of clients) client.disconnect();
  await pop3?.close();
  await redis?.stop();
});

/** A Redis connection as one instance has its own. */
function connection(db: number): Redis {
  const client = new Redis(redis.url(db));
  clients.push(client);
  return client;
}

/** A wrong password, from a browser of its own (its own connection: the primary routes each anew). */
async function wrongLogin(app: RunningApp): Promise<number> {
  const response = await new HttpClient(app.url, { ownConnections: true }).post('/api/session', {
    host: '127.0.0.1', port: pop3.port, security: 'none', allowInsecure: true, username: 'alice', password: 'wrong',
  });
  return response.status;
}

describe('limits in Redis', () => {
  test('parallel attempts from two instances get exactly the limit between them; failures count for both', { timeout: 30_000 }, async () => {
    const [oneRedis, twoRedis] = [connection(3), connection(3)];
    const [one, two] = [new RedisAttemptLimiter(oneRedis, 'account', 3, 60_000), new RedisAttemptLimiter(twoRedis, 'account', 3, 60_000)];
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? one : two).reserve('mail.example|110|alice')));
    const places = answers.filter(isReservation);
    assert.equal(places.length, 3, 'three places, whichever instance asked');
    for (const refused of answers.filter((a) => !isReservation(a))) assert.ok((refused as { retryAfter: number }).retryAfter >= 1);
    for (const place of places) place.fail();
    // Each failure is settled in the background on its instance's connection, which answers in order:
    // a PING on both after them answers once all three are recorded.
    await Promise.all([oneRedis.ping(), twoRedis.ping()]);
    const after = await two.reserve('mail.example|110|alice');
    assert.ok(!isReservation(after), 'three failures recorded: no place left');
    assert.ok(after.retryAfter > 1 && after.retryAfter <= 60, `waits for the window: ${after.retryAfter} s`);
    assert.ok(isReservation(await one.reserve('mail.example|110|bob')), 'another account is not affected');
    // No address or user name in Redis's keys.
    const keys = await connection(3).keys('postern:attempts:*');
    assert.ok(keys.length > 0 && keys.every((key) => !/alice|example/.test(key)), keys.join(' '));
  });

  test('a login delay recorded by one instance is read by another, and expires after it', async () => {
    const [one, two] = [new RedisLoginDelays(connection(4)), new RedisLoginDelays(connection(4))];
    await one.set('mail.example:110:alice', { at: 1_000, delaySeconds: 300, enforced: true });
    assert.deepEqual(await two.get('mail.example:110:alice'), { at: 1_000, delaySeconds: 300, enforced: true });
    const [key] = await connection(4).keys('postern:login-delay:*');
    assert.ok(key && !key.includes('alice'));
    const ttl = await connection(4).pttl(key);
    assert.ok(ttl > 300_000 && ttl <= 300_000 + 30 * 60_000, `kept for the delay and a while after: ${ttl} ms`);
    await one.set('mail.example:110:alice', { at: 2_000, delaySeconds: 0, enforced: false });
    assert.equal(await two.get('mail.example:110:alice'), undefined, 'nothing to honour: no record');
  });

  test('two app instances on one Redis: eight wrong passwords in all, then both refuse the account', async () => {
    const env = {
      POP3_ALLOWED_HOSTS: '127.0.0.1',
      POP3_ALLOWED_PORTS: '1024-65535',
      POSTERN_LOGINS_PER_CLIENT: '1000',
      POSTERN_SESSION_STORE: redis.url(5),
      POSTERN_SESSION_KEY: randomBytes(32).toString('base64'),
    };
    const [a, b] = await Promise.all([startApp(env), startApp(env)]);
    apps.push(a, b);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push(await wrongLogin(i % 2 ? a : b));
    assert.deepEqual(statuses, Array(8).fill(401), 'eight tries, alternating instances');
    assert.equal(await wrongLogin(a), 429, 'the ninth is refused on one instance');
    assert.equal(await wrongLogin(b), 429, 'and on the other');
  });
});

describe('workers without a shared store', () => {
  test('each worker counts its share: together they allow the per-client limit, not twice it', async () => {
    const app = await startApp({ POP3_ALLOWED_HOSTS: '127.0.0.1', POP3_ALLOWED_PORTS: '1024-65535', POSTERN_LOGINS_PER_CLIENT: '4', POSTERN_WORKERS: '2' });
    apps.push(app);
    const statuses: number[] = [];
    // Each over a new connection: the primary spreads them over both workers.
    for (let i = 0; i < 10; i++) statuses.push(await wrongLogin(app));
    const tried = statuses.filter((status) => status === 401).length;
    assert.ok(tried <= 4 && tried >= 2, `tries that reached the mail server: ${tried} of 10 (${statuses})`);
    assert.equal(statuses.filter((status) => status === 429).length, 10 - tried, 'the others were refused before any connection');
  });
});
