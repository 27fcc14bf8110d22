import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { SessionPool } from '../../../lib/mail/session-pool';
import type { MailSession } from '../../../lib/mail/mail-session';

const busy = (error: unknown) => error instanceof AppError && error.code === 'SERVICE_BUSY';

function fakeSession(token: string): MailSession {
  let closed = false;
  return { token, busy: false, lastUsed: Date.now(), lastActivity: Date.now(), close: () => (closed = true), get ended() { return closed; } } as unknown as MailSession;
}

describe('SessionPool.reserve', () => {
  test('places are taken before connecting: reservations and sessions together never exceed the bound', () => {
    const pool = new SessionPool({ maxSessions: 2, idleMs: 60_000, keepAliveMs: 60_000 });
    const a = pool.reserve();
    const b = pool.reserve();
    assert.throws(() => pool.reserve(), busy);
    a.release();
    a.release(); // once only
    const c = pool.reserve();
    assert.throws(() => pool.reserve(), busy);
    pool.add(fakeSession('one'), b);
    pool.add(fakeSession('two'), c);
    assert.equal(pool.size, 2);
    assert.throws(() => pool.reserve(), busy);
    pool.remove('one');
    pool.reserve();
  });
});
