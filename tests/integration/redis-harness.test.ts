import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Redis from 'ioredis';
import { startRedis, type RedisServer } from '../support/servers/redis';

let redis: RedisServer;

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await redis?.stop();
});

test('the harness Redis answers on its loopback port and keeps data across a restart', async () => {
  const client = new Redis(redis.url(3), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  await client.set('harness:probe', 'kept');
  client.disconnect();
  await redis.restart();
  const again = new Redis(redis.url(3), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await again.connect();
  assert.equal(await again.get('harness:probe'), 'kept');
  assert.equal(redis.host, '127.0.0.1');
  assert.ok(redis.port > 1024);
  again.disconnect();
});
