import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { RedisAccountData } from '../../lib/account-data/redis-account-data';
import { AppError } from '../../lib/errors';
import { EMPTY_SUMMARY } from '../../lib/mail/header-summary';
import { MemorySessionStore } from '../../lib/session-store/memory-session-store';
import { LEASE_WAIT_MS, RedisSessionStore, key as redisKey, sessionId } from '../../lib/session-store/redis-session-store';
import { SecretBox } from '../../lib/session-store/secret-box';
import { openSecret, sealSecret } from '../../lib/session-store/stored-credentials';
import { MAX_STORED_HEADERS, type SessionRecord, type SessionStore } from '../../lib/session-store/session-store';
import { startRedis, type RedisServer } from '../support/servers/redis';

/** The session store against a real redis-server (and the in-process store on the same cases). */

let redis: RedisServer;
const stores: RedisSessionStore[] = [];
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await redis?.stop();
});

function redisStore(db = 1): RedisSessionStore {
  const store = new RedisSessionStore(redis.url(db), { leaseTtlMs: 60_000 });
  stores.push(store);
  return store;
}

const record = (token: string): SessionRecord => ({
  token,
  account: { host: 'pop.example.test', port: 995, security: 'tls', address: '192.0.2.1', username: 'alice' },
  secret: 'v1.sealed',
  createdAt: 1,
});

for (const [name, make] of [['in-process', () => new MemorySessionStore()], ['Redis', () => redisStore()]] as const) {
  describe(`${name} session store`, () => {
    test('keeps the account, the marks by id and the headers; remove takes all of it', async () => {
      const store: SessionStore = make();
      await store.save(record('t1'), 60_000);
      assert.deepEqual(await store.load('t1'), record('t1'));
      await store.setMarks('t1', ['Ua', 'Ub']);
      assert.deepEqual((await store.getMarks('t1')).sort(), ['Ua', 'Ub']);
      await store.setMarks('t1', []);
      assert.deepEqual(await store.getMarks('t1'), []);
      await store.putHeaders('t1', new Map([['Ua', { ...EMPTY_SUMMARY, subject: 'hello' }]]));
      assert.equal((await store.getHeaders('t1')).get('Ua')?.subject, 'hello');
      await store.updateSecret('t1', 'v1.other');
      assert.equal((await store.load('t1'))?.secret, 'v1.other');
      await store.remove('t1');
      assert.equal(await store.load('t1'), undefined);
      assert.deepEqual(await store.getMarks('t1'), []);
      assert.equal((await store.getHeaders('t1')).size, 0);
    });

    test(`stored headers are capped at ${MAX_STORED_HEADERS} per session, in batches or at once`, async () => {
      const store: SessionStore = make();
      await store.save(record('cap'), 60_000);
      const batch = (from: number, count: number) =>
        new Map(Array.from({ length: count }, (_, i) => [`U${from + i}`, { ...EMPTY_SUMMARY, subject: `s${from + i}` }] as const));
      await store.putHeaders('cap', batch(0, 600));
      await store.putHeaders('cap', batch(600, MAX_STORED_HEADERS));
      const kept = await store.getHeaders('cap');
      assert.equal(kept.size, MAX_STORED_HEADERS);
      assert.equal(kept.get('U0')?.subject, 's0', 'the first learned are kept');
      await store.remove('cap');
    });

    test('marks of a session that is gone are not kept', async () => {
      const store: SessionStore = make();
      await store.setMarks('nobody', ['Ua']);
      assert.deepEqual(await store.getMarks('nobody'), []);
    });
  });
}

describe('Redis session store', () => {
  test('every key carries the session TTL, and touch pushes it forward', async () => {
    const store = redisStore(2);
    await store.save(record('ttl'), 5_000);
    await store.setMarks('ttl', ['Ua']);
    await store.putHeaders('ttl', new Map([['Ua', EMPTY_SUMMARY]]));
    const probe = new Redis(redis.url(2));
    try {
      const keys = await probe.keys(`postern:s:${sessionId('ttl')}*`);
      assert.equal(keys.length, 3);
      for (const key of keys) {
        const ttl = await probe.pttl(key);
        assert.ok(ttl > 0 && ttl <= 5_000, `${key}: ${ttl}`);
      }
      await store.touch('ttl', 600_000);
      for (const key of keys) assert.ok((await probe.pttl(key)) > 5_000, key);
      // Nothing in clear: the record holds the sealed secret only.
      assert.ok(!JSON.stringify(await probe.hgetall(redisKey.session('ttl'))).includes('password'));
    } finally {
      probe.disconnect();
    }
  });

  test('hand-over: the holder is asked to drop its connection, lets go, and the asker gets the lease', async () => {
    const a = redisStore(3);
    const b = redisStore(3);
    const dropped: string[] = [];
    a.leases.onDropRequest((token) => {
      dropped.push(token);
      a.leases.release(token).catch(() => undefined);
    });
    await a.leases.acquire('s1');
    await a.leases.acquire('s1'); // ours already: at once
    await b.leases.acquire('s1');
    assert.deepEqual(dropped, ['s1']);
    const probe = new Redis(redis.url(3));
    assert.equal(await probe.get(redisKey.lease('s1')), b.leases.instanceId);
    probe.disconnect();
  });

  test('a secret update racing a logout does not bring the removed record back', async () => {
    const store = redisStore(10);
    await store.save(record('raced'), 60_000);
    // The logout's removal lands between the update's read of the record and its write.
    const load = store.load.bind(store);
    store.load = async (token: string) => {
      const found = await load(token);
      await store.remove(token);
      return found;
    };
    await store.updateSecret('raced', 'v1.sealed-anew');
    store.load = load;
    assert.equal(await store.load('raced'), undefined);
    const probe = new Redis(redis.url(10));
    try {
      assert.equal(await probe.exists(redisKey.session('raced')), 0);
    } finally {
      probe.disconnect();
    }
  });

  test('touch keeps the connection lease of a session in use here alive; another holder\'s is left alone', async () => {
    const a = redisStore(9);
    const b = redisStore(9);
    const probe = new Redis(redis.url(9));
    try {
      await a.leases.acquire('busy');
      // As if the person had been using the session for most of the lease's lifetime.
      await probe.pexpire(redisKey.lease('busy'), 2_000);
      await a.touch('busy', 60_000);
      assert.ok((await probe.pttl(redisKey.lease('busy'))) > 30_000, 'renewed by its holder');
      await probe.pexpire(redisKey.lease('busy'), 2_000);
      await b.touch('busy', 60_000);
      assert.ok((await probe.pttl(redisKey.lease('busy'))) <= 2_000, 'not renewed by another instance');
      assert.equal(await probe.get(redisKey.lease('busy')), a.leases.instanceId);
    } finally {
      probe.disconnect();
    }
  });

  test('a holder that does not let go: MAILBOX_IN_USE for the asker', { timeout: 30_000 }, async () => {
    const a = redisStore(4);
    const b = redisStore(4);
    a.leases.onDropRequest(() => undefined); // busy, or partitioned
    await a.leases.acquire('s2');
    await assert.rejects(b.leases.acquire('s2'), (error) => error instanceof AppError && error.code === 'MAILBOX_IN_USE');
  });

  test('a holder that died (no heartbeat): its lease is taken over without waiting for the lease TTL', async () => {
    const a = redisStore(5);
    const b = redisStore(5);
    await a.leases.acquire('s3');
    await a.leases.close(); // as after kill -9: no heartbeat, nobody answers the drop request
    const started = Date.now();
    await b.leases.acquire('s3');
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });

  test('a holder whose connections closed (kill -9) is dead at once, while its heartbeat would still say alive', async () => {
    const a = redisStore(6);
    const b = redisStore(6);
    await a.leases.acquire('s4');
    await a.leases.close(); // its subscriber gone, as the kernel closes a killed process's sockets…
    const probe = new Redis(redis.url(6));
    try {
      // …and a heartbeat lasting longer than anyone waits for a lease: only the closed connection can tell.
      const heartbeat = `postern:instance:${a.leases.instanceId}`;
      await probe.set(heartbeat, '1', 'PX', 10 * LEASE_WAIT_MS);
      await b.leases.acquire('s4');
      assert.equal(await probe.get(redisKey.lease('s4')), b.leases.instanceId);
      assert.equal(await probe.exists(heartbeat), 1, 'taken over before the heartbeat expired');
    } finally {
      probe.disconnect();
    }
  });
});

describe('Redis session store: the token is never in Redis', () => {
  test('no key, value, command or published message carries it; keys are named by its SHA-256', async () => {
    const token = 'cookie-token-AbCdEf0123456789';
    // A Redis of its own, and MONITOR on before any other client speaks: on the file's shared server the other
    // tests' stores keep writing heartbeats, and a line monitored in the same read as MONITOR's +OK is a reply
    // ioredis does not expect ("Command queue state error").
    const own = await startRedis();
    const watcher = new Redis(own.url(8));
    watcher.on('error', () => undefined);
    const seen: string[] = [];
    const monitor = await watcher.monitor(); // a connection of its own
    monitor.on('error', () => undefined);
    monitor.on('monitor', (_time: string, args: string[]) => seen.push(args.join(' ')));
    const a = new RedisSessionStore(own.url(8), { leaseTtlMs: 60_000 });
    const b = new RedisSessionStore(own.url(8), { leaseTtlMs: 60_000 });
    const probe = new Redis(own.url(8));
    probe.on('error', () => undefined);
    try {
      await probe.ping(); // MONITOR is on before the first command below
      const box = new SecretBox([Buffer.alloc(32, 7)]);
      const secret = sealSecret(box, token, { kind: 'password', password: 'p', mechanism: 'auto', allowInsecure: false });
      await a.save({ ...record(token), secret }, 60_000);
      await a.setMarks(token, ['Ua']);
      await a.putHeaders(token, new Map([['Ua', EMPTY_SUMMARY]]));
      await a.touch(token, 60_000);
      await a.updateSecret(token, secret);
      assert.deepEqual(await b.load(token), { ...record(token), secret }, 'loaded with the token the caller has');
      const dropped: string[] = [];
      a.leases.onDropRequest((asked) => {
        dropped.push(asked);
        a.leases.release(asked).catch(() => undefined);
      });
      await a.leases.acquire(token);
      await b.leases.acquire(token); // a hand-over: a drop request and a release message
      assert.deepEqual(dropped, [token], 'the holder finds its session from the id in the drop request');
      assert.equal(await probe.get(`postern:lease:${sessionId(token)}`), b.leases.instanceId);
      assert.equal(await probe.exists(`postern:s:${sessionId(token)}`), 1);

      const keys = await probe.keys('*');
      assert.ok(keys.length > 0);
      for (const name of keys) {
        assert.ok(!name.includes(token), name);
        const type = await probe.type(name);
        const content = type === 'hash' ? await probe.hgetall(name) : type === 'set' ? await probe.smembers(name) : type === 'string' ? await probe.get(name) : '';
        assert.ok(!JSON.stringify(content).includes(token), `${name} holds the token`);
      }
      await probe.ping();
      assert.ok(seen.some((line) => line.startsWith('publish postern:drop')), 'MONITOR saw the commands');
      for (const line of seen) assert.ok(!line.includes(token), `sent to Redis: ${line}`);

      // The sealed secret stays bound to the token: moved under another session's name, it does not open.
      await probe.hset(redisKey.session('other'), 'record', (await probe.hget(redisKey.session(token), 'record'))!);
      const moved = await b.load('other');
      assert.ok(moved);
      assert.throws(() => openSecret(box, 'other', moved.secret));
      assert.equal(openSecret(box, token, (await b.load(token))!.secret).kind, 'password');
    } finally {
      monitor.disconnect();
      watcher.disconnect();
      probe.disconnect();
      await Promise.all([a.close(), b.close()]);
      await own.stop();
    }
  });
});

describe('Redis session store started while Redis is down', () => {
  test('subscribes once Redis is back: a drop request reaches it and it lets go', { timeout: 60_000 }, async () => {
    const a = redisStore(7);
    await a.leases.acquire('warm-up'); // a is subscribed before the outage
    await redis.pause();
    const b = redisStore(7); // started (and ready, as far as it can tell) while Redis is down
    const dropped: string[] = [];
    b.leases.onDropRequest((token) => {
      dropped.push(token);
      b.leases.release(token).catch(() => undefined);
    });
    // Its first SUBSCRIBE has failed by the time a lease is refused (acquire waits for it).
    await assert.rejects(b.leases.acquire('during-outage'));
    await redis.resume();
    // b takes a lease once Redis answers again (a try made before its reconnect fails with STORE_UNAVAILABLE's cause).
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await b.leases.acquire('h1');
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
    }
    const probe = new Redis(redis.url(7));
    probe.on('error', () => undefined);
    try {
      // A holder that did not hear it would make this fail with MAILBOX_IN_USE after LEASE_WAIT_MS (a state, not a time).
      await a.leases.acquire('h1');
      assert.deepEqual(dropped, ['h1'], 'b heard the drop request (it was not taken for dead)');
      assert.equal(await probe.get(redisKey.lease('h1')), a.leases.instanceId);
      const subscriber = (await probe.client('LIST', 'TYPE', 'PUBSUB')) as string;
      assert.match(subscriber, new RegExp(`name=postern:sub:${b.leases.instanceId} .*sub=2 `), 'b is subscribed to both channels');
    } finally {
      probe.disconnect();
    }
  });
});

describe('Redis account data (read state and rules per account)', () => {
  test('read state per account, bounded to the most recently marked; rules per account; shared by two clients', async () => {
    const first = new Redis(redis.url(6));
    const second = new Redis(redis.url(6));
    try {
      const a = new RedisAccountData(first, { maxSeenPerAccount: 3 });
      const b = new RedisAccountData(second, { maxSeenPerAccount: 3 });
      await a.setSeen('alice@pop.example.test:995', ['U1', 'U2'], true);
      assert.deepEqual([...(await b.getSeen('alice@pop.example.test:995', ['U1', 'U2', 'U3']))].sort(), ['U1', 'U2']);
      assert.equal((await b.getSeen('bob@pop.example.test:995', ['U1'])).size, 0, 'another account sees none');
      await b.setSeen('alice@pop.example.test:995', ['U1'], false);
      assert.deepEqual([...(await a.getSeen('alice@pop.example.test:995', ['U1', 'U2']))], ['U2']);
      await a.setSeen('alice@pop.example.test:995', ['U3', 'U4', 'U5'], true);
      const kept = await a.getSeen('alice@pop.example.test:995', ['U2', 'U3', 'U4', 'U5']);
      assert.equal(kept.size, 3);
      assert.ok(!kept.has('U2'), 'the oldest read id went first');
      assert.deepEqual(await a.getRules('alice@pop.example.test:995'), []);
      const rules = [{ name: 'big', match: { minSize: 1_000_000 }, action: 'delete' as const }];
      await a.setRules('alice@pop.example.test:995', rules);
      assert.deepEqual(await b.getRules('alice@pop.example.test:995'), rules);
      assert.deepEqual(await b.getRules('bob@pop.example.test:995'), []);
      assert.ok((await first.pttl('postern:a:alice@pop.example.test:995:rules')) > 0, 'an account expires some time after its last write');
    } finally {
      first.disconnect();
      second.disconnect();
    }
  });
});
