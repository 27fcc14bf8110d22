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
