import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PENDING_TTL_MS, PendingSignIns } from '../../../lib/oauth/pending-sign-ins';

const pending = (provider: string) => ({ provider, codeVerifier: 'v', state: 's', nonce: 'n', redirectUri: 'http://localhost/cb' });

describe('pending sign-ins', () => {
  test('taken once: a replayed callback finds nothing', () => {
    const store = new PendingSignIns();
    const id = store.add(pending('google'));
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(store.take(id, 'google')?.codeVerifier, 'v');
    assert.equal(store.take(id, 'google'), undefined);
  });

  test('bound to its provider, and to its lifetime', () => {
    const clock = { now: 0 };
    const store = new PendingSignIns(() => clock.now);
    const other = store.add(pending('google'));
    assert.equal(store.take(other, 'microsoft'), undefined);
    assert.equal(store.take(other, 'google'), undefined, 'a wrong-provider attempt uses the entry up');
    const late = store.add(pending('google'));
    clock.now += PENDING_TTL_MS + 1;
    assert.equal(store.take(late, 'google'), undefined);
    assert.equal(store.take(undefined, 'google'), undefined);
  });

  test('expired entries are swept when new ones arrive', () => {
    const clock = { now: 0 };
    const store = new PendingSignIns(() => clock.now);
    store.add(pending('a'));
    store.add(pending('a'));
    clock.now += PENDING_TTL_MS + 1;
    store.add(pending('a'));
    assert.equal(store.size, 1);
  });
});
