/**
 * What every AccountData implementation must do (lib/account-data), as tests
 * any store can run: the in-process one here, the Redis one (issue 10) with
 * its own factory. Each test gets a fresh store and unique account names.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { AccountData } from '../../lib/account-data';
import type { Rule } from '../../lib/contract/rules';

export function accountDataConformance(name: string, makeStore: () => Promise<AccountData> | AccountData): void {
  const account = (label: string) => `${label}-${randomUUID()}@mail.example:995`;

  test(`${name}: read state is per account and by id`, async () => {
    const store = await makeStore();
    const [a, b] = [account('a'), account('b')];
    assert.deepEqual([...(await store.getSeen(a, ['u1']))], []);
    await store.setSeen(a, ['u1', 'u2'], true);
    assert.deepEqual([...(await store.getSeen(a, ['u1', 'u2', 'u3']))].sort(), ['u1', 'u2']);
    assert.deepEqual([...(await store.getSeen(b, ['u1', 'u2']))], []);
    await store.setSeen(a, ['u1'], false);
    assert.deepEqual([...(await store.getSeen(a, ['u1', 'u2']))], ['u2']);
    await store.setSeen(a, ['u2'], true); // marking twice is harmless
    assert.deepEqual([...(await store.getSeen(a, ['u2']))], ['u2']);
    assert.deepEqual([...(await store.getSeen(a, []))], []);
  });

  test(`${name}: rules are per account, replaced whole, returned as stored`, async () => {
    const store = await makeStore();
    const [a, b] = [account('a'), account('b')];
    const rules: Rule[] = [
      { name: 'shop', match: { from: 'shop.example.com', minSize: 1024 }, action: 'delete' },
      { name: 'lists', match: { header: { name: 'List-Id', contains: 'promo' }, olderThanDays: 30 }, action: 'delete' },
    ];
    assert.deepEqual(await store.getRules(a), []);
    await store.setRules(a, rules);
    assert.deepEqual(await store.getRules(a), rules);
    assert.deepEqual(await store.getRules(b), []);
    await store.setRules(a, [rules[1]!]);
    assert.deepEqual(await store.getRules(a), [rules[1]]);
    await store.setRules(a, []);
    assert.deepEqual(await store.getRules(a), []);
  });

  test(`${name}: a caller cannot change stored rules through the arrays it passed or got`, async () => {
    const store = await makeStore();
    const a = account('a');
    const rules: Rule[] = [{ name: 'x', match: { subject: 'a' }, action: 'delete' }];
    await store.setRules(a, rules);
    rules[0]!.name = 'changed';
    (await store.getRules(a))[0]!.name = 'changed too';
    assert.equal((await store.getRules(a))[0]!.name, 'x');
  });
}
