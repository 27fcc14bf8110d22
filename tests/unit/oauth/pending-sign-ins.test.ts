import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { PENDING_TTL_MS, PendingSignIns } from '../../../lib/oauth/pending-sign-ins';
import { MemoryPendingSignIns } from '../../../lib/session-store/memory-pending-sign-ins';
import { SecretBox } from '../../../lib/session-store/secret-box';

const pending = (provider: string) => ({ provider, codeVerifier: 'v', state: 's', nonce: 'n', redirectUri: 'http://localhost/cb' });
const box = () => new SecretBox([randomBytes(32)]);

describe('pending sign-ins', () => {
  test('taken once: a replayed callback finds nothing', async () => {
    const signIns = new PendingSignIns(new MemoryPendingSignIns(), box());
    const id = await signIns.add(pending('google'));
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await signIns.take(id, 'google'))?.codeVerifier, 'v');
    assert.equal(await signIns.take(id, 'google'), undefined);
  });

  test('bound to its provider, and to its lifetime', async () => {
    const clock = { now: 0 };
    const signIns = new PendingSignIns(new MemoryPendingSignIns(() => clock.now), box());
    const other = await signIns.add(pending('google'));
    assert.equal(await signIns.take(other, 'microsoft'), undefined);
    assert.equal(await signIns.take(other, 'google'), undefined, 'a wrong-provider attempt uses the entry up');
    const late = await signIns.add(pending('google'));
    clock.now += PENDING_TTL_MS + 1;
    assert.equal(await signIns.take(late, 'google'), undefined);
    assert.equal(await signIns.take(undefined, 'google'), undefined);
    assert.equal(await signIns.take('not an id', 'google'), undefined);
  });

  test('kept sealed, bound to its id: the store never holds the verifier in clear, and a value moved to another id does not open', async () => {
    const store = new MemoryPendingSignIns();
    const signIns = new PendingSignIns(store, box());
    const id = await signIns.add({ ...pending('google'), codeVerifier: 'the-verifier' });
    const sealed = await store.take(id);
    assert.ok(sealed);
    assert.doesNotMatch(sealed, /the-verifier|google/);
    const moved = randomBytes(32).toString('base64url');
    await store.add(moved, sealed, PENDING_TTL_MS);
    assert.equal(await signIns.take(moved, 'google'), undefined);
    // Another instance with the same key opens what this one sealed; one with another key does not.
    const key = randomBytes(32);
    const shared = new MemoryPendingSignIns();
    const first = await new PendingSignIns(shared, new SecretBox([key])).add(pending('google'));
    assert.equal((await new PendingSignIns(shared, new SecretBox([key])).take(first, 'google'))?.state, 's');
    const second = await new PendingSignIns(shared, new SecretBox([key])).add(pending('google'));
    assert.equal(await new PendingSignIns(shared, box()).take(second, 'google'), undefined);
  });

  test('expired entries are swept when new ones arrive', async () => {
    const clock = { now: 0 };
    const store = new MemoryPendingSignIns(() => clock.now);
    await store.add('a', 'x', PENDING_TTL_MS);
    await store.add('b', 'x', PENDING_TTL_MS);
    clock.now += PENDING_TTL_MS + 1;
    await store.add('c', 'x', PENDING_TTL_MS);
    assert.equal(store.size, 1);
  });
});
