/** The in-process per-account store: accounts kept apart, read state by id, bounded (LRU). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountKey, MemoryAccountData } from '../../../lib/account-data';

test('the account key: user as typed, host lower-cased, port', () => {
  assert.equal(accountKey({ host: 'Mail.Example.COM', port: 995 }, 'Alice'), 'Alice@mail.example.com:995');
});

test('read state and rules are per account', async () => {
  const store = new MemoryAccountData();
  await store.setSeen('a@h:1', ['u1', 'u2'], true);
  await store.setRules('a@h:1', [{ name: 'x', match: { from: 'example.com' }, action: 'delete' }]);
  assert.deepEqual([...(await store.getSeen('a@h:1', ['u1', 'u2', 'u3']))].sort(), ['u1', 'u2']);
  assert.deepEqual([...(await store.getSeen('b@h:1', ['u1', 'u2']))], []);
  assert.deepEqual(await store.getRules('b@h:1'), []);
  assert.equal((await store.getRules('a@h:1')).length, 1);
  await store.setSeen('a@h:1', ['u1'], false);
  assert.deepEqual([...(await store.getSeen('a@h:1', ['u1', 'u2']))], ['u2']);
});

test('a caller cannot change stored rules through the arrays it passed or got', async () => {
  const store = new MemoryAccountData();
  const rules = [{ name: 'x', match: { subject: 'a' }, action: 'delete' as const }];
  await store.setRules('a', rules);
  rules[0]!.name = 'changed';
  (await store.getRules('a'))[0]!.name = 'changed too';
  assert.equal((await store.getRules('a'))[0]!.name, 'x');
});

test('bounded: the least recently used account and the least recently marked ids go first', async () => {
  const store = new MemoryAccountData({ maxAccounts: 2, maxSeenPerAccount: 3 });
  await store.setSeen('a', ['1'], true);
  await store.setSeen('b', ['1'], true);
  await store.getSeen('a', ['1']); // a is now more recent than b
  await store.setSeen('c', ['1'], true);
  assert.equal((await store.getSeen('b', ['1'])).size, 0);
  assert.equal((await store.getSeen('a', ['1'])).size, 1);
  await store.setSeen('a', ['2', '3', '4'], true);
  assert.deepEqual([...(await store.getSeen('a', ['1', '2', '3', '4']))], ['2', '3', '4']);
});
