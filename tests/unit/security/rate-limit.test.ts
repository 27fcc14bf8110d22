import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientAndProcessLimit, isReservation, RateLimiter, type Reservation } from '../../../lib/security/rate-limit';

describe('RateLimiter.reserve', () => {
  test('attempts in flight count: 20 at once against a limit of 8 get 8 places', () => {
    const limiter = new RateLimiter(8, 60_000);
    const results = Array.from({ length: 20 }, () => limiter.reserve('acct', 1_000));
    assert.equal(results.filter(isReservation).length, 8);
    for (const refused of results.filter((r) => !isReservation(r))) assert.ok((refused as { retryAfter: number }).retryAfter > 0);
  });

  test('failures are recorded in the window, success forgives, release frees the place without counting', () => {
    const limiter = new RateLimiter(2, 60_000);
    const first = limiter.reserve('acct', 0) as Reservation;
    const second = limiter.reserve('acct', 0) as Reservation;
    assert.equal(isReservation(limiter.reserve('acct', 0)), false);
    second.release();
    first.fail(0);
    first.fail(0); // settles once only
    const third = limiter.reserve('acct', 0);
    assert.ok(isReservation(third));
    third.fail(0);
    const blocked = limiter.reserve('acct', 1_000);
    assert.equal(isReservation(blocked), false);
    assert.equal((blocked as { retryAfter: number }).retryAfter, 59, 'wait until the oldest failure leaves the window');
    assert.ok(isReservation(limiter.reserve('acct', 60_001)), 'failures expire with the window');
    const limiter2 = new RateLimiter(2, 60_000);
    (limiter2.reserve('a', 0) as Reservation).fail(0);
    (limiter2.reserve('a', 0) as Reservation).succeed();
    assert.equal(limiter2.retryAfter('a', 0), 0, 'a success clears the failures');
  });

  test('keys are independent', () => {
    const limiter = new RateLimiter(1, 60_000);
    assert.ok(isReservation(limiter.reserve('a')));
    assert.ok(isReservation(limiter.reserve('b')));
    assert.equal(isReservation(limiter.reserve('a')), false);
  });
});

test('a limit per client and one for everyone: a flood from ever new addresses meets the second', () => {
  const limit = new ClientAndProcessLimit(3, 5, 60_000);
  for (let i = 0; i < 3; i++) assert.equal(limit.take('10.0.0.1', 0), 0);
  assert.ok(limit.take('10.0.0.1', 0) > 0, 'a fourth from one address waits');
  assert.equal(limit.take('10.0.0.2', 0), 0);
  assert.equal(limit.take('10.0.0.3', 0), 0);
  // Five in all: a new address is refused too, until the window has passed.
  const wait = limit.take('10.0.0.4', 0);
  assert.ok(wait > 0 && wait <= 60, `waits ${wait} s`);
  assert.equal(limit.retryAfter('10.0.0.5', 60_000), 0);
  assert.equal(limit.take('10.0.0.4', 60_000), 0);
});
