/** The in-process per-account store: the AccountData conformance suite, the account key, the LRU bounds. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountKey, MemoryAccountData } from '../../../lib/account-data';
import { accountDataConformance } from '../../support/account-data-conformance';

accountDataConformance('memory', () => new MemoryAccountData());

test('the account key: user as typed, host lower-cased, port', () => {
  assert.equal(accountKey({ host: 'Mail.Example.COM', port: 995 }, 'Alice'), 'Alice@mail.example.com:995');
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

test('bounded in bytes: the least recently used accounts go first, then an account alone loses its oldest ids', async () => {
  const id = (account: string, i: number) => `u${account}${String(i).padStart(4, '0')}${'x'.repeat(190)}`;
  const store = new MemoryAccountData({ maxBytes: 100_000 });
  // ~250 bytes an id: 100 ids an account is ~25 KB, so four accounts fill the budget.
  for (const account of ['a', 'b', 'c', 'd', 'e']) {
    await store.setSeen(account, Array.from({ length: 100 }, (_, i) => id(account, i)), true);
    assert.ok(store.bytes <= 100_000, `${store.bytes} bytes after ${account}`);
  }
  assert.equal((await store.getSeen('a', [id('a', 0)])).size, 0, 'the least recently used account is gone');
  assert.equal((await store.getSeen('e', [id('e', 99)])).size, 1);
  // One account marking far more than the budget keeps its newest ids and evicts every other account.
  const many = Array.from({ length: 2000 }, (_, i) => id('f', i));
  await store.setSeen('f', many, true);
  assert.ok(store.bytes <= 100_000, `${store.bytes} bytes`);
  assert.equal((await store.getSeen('f', [many[1999]!])).size, 1);
  assert.equal((await store.getSeen('f', [many[0]!])).size, 0);
  assert.equal((await store.getSeen('e', [id('e', 99)])).size, 0);
  // Unmarking gives the bytes back.
  const before = store.bytes;
  await store.setSeen('f', [many[1999]!], false);
  assert.ok(store.bytes < before);
});
