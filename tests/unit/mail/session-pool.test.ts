import assert from 'node:assert/strict';
import { afterEach, describe, mock, test } from 'node:test';
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

describe('SessionPool: idle connections', () => {
  afterEach(() => mock.timers.reset());

  /** A connected session whose person last used it at `lastUsed`; counts what the pool asks of it. */
  function connectedSession(token: string, loginDelayMs = 0) {
    const asked = { released: 0, keptAlive: 0 };
    const session = {
      token,
      busy: false,
      connected: true,
      loginDelayMs,
      lastUsed: Date.now(),
      lastActivity: Date.now(),
      close: () => undefined,
      releaseConnection: async () => {
        asked.released++;
        session.connected = false;
      },
      keepAlive: async () => {
        asked.keptAlive++;
      },
    };
    return { session, asked, asSession: session as unknown as MailSession };
  }

  test('a session left alone lets go of its connection and stays; one in use keeps it', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const pool = new SessionPool({ maxSessions: 10, idleMs: 30 * 60_000, keepAliveMs: 120_000, closeIdleMs: 10 * 60_000 });
    const idle = connectedSession('idle');
    const used = connectedSession('used');
    pool.add(idle.asSession, pool.reserve());
    pool.add(used.asSession, pool.reserve());
    for (let minute = 1; minute <= 11; minute++) {
      mock.timers.tick(60_000);
      used.session.lastUsed = Date.now();
    }
    assert.equal(idle.asked.released, 1);
    assert.equal(used.asked.released, 0);
    assert.equal(pool.get('idle'), idle.asSession, 'the session itself lives on');
    mock.timers.tick(60_000);
    assert.equal(idle.asked.released, 1, 'asked once: it has no connection left');
  });

  test('not while work of its own goes on (the background header fill), however long ago its person used it', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const pool = new SessionPool({ maxSessions: 10, idleMs: 30 * 60_000, keepAliveMs: 120_000, closeIdleMs: 60_000 });
    const filling = connectedSession('filling');
    pool.add(filling.asSession, pool.reserve());
    for (let step = 0; step < 20; step++) {
      mock.timers.tick(15_000);
      filling.session.lastActivity = Date.now(); // a chunk of the fill took the lock
    }
    assert.equal(filling.asked.released, 0);
    mock.timers.tick(60_000); // the fill is over
    assert.equal(filling.asked.released, 1);
  });

  test('not before the delay the server asks for between logins has passed', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const pool = new SessionPool({ maxSessions: 10, idleMs: 30 * 60_000, keepAliveMs: 120_000, closeIdleMs: 60_000 });
    const delayed = connectedSession('delayed', 5 * 60_000);
    pool.add(delayed.asSession, pool.reserve());
    mock.timers.tick(4 * 60_000);
    assert.equal(delayed.asked.released, 0);
    mock.timers.tick(2 * 60_000);
    assert.equal(delayed.asked.released, 1);
  });

  test('closeIdleMs 0: the connection is kept alive (NOOP) until the session expires', () => {
    mock.timers.enable({ apis: ['setInterval', 'Date'] });
    const pool = new SessionPool({ maxSessions: 10, idleMs: 30 * 60_000, keepAliveMs: 120_000, closeIdleMs: 0 });
    const kept = connectedSession('kept');
    pool.add(kept.asSession, pool.reserve());
    mock.timers.tick(20 * 60_000);
    assert.equal(kept.asked.released, 0);
    assert.ok(kept.asked.keptAlive > 0);
  });
});
