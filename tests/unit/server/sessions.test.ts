import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { SessionPool } from '../../../lib/mail/session-pool';
import { MemorySessionStore } from '../../../lib/session-store/memory-session-store';
import { SecretBox } from '../../../lib/session-store/secret-box';
import { passwordSecret } from '../../../lib/session-store/stored-credentials';
import { Sessions } from '../../../lib/server/sessions';
import { mailbox, startFakePop3, type FakePop3Server } from '../../support/fake-pop3-server';

/**
 * The pool and the store together (lib/server/sessions.ts), against the fake
 * server: a session this process no longer holds is restored from the store
 * with a new login and its marks sent again by id; logout ends it everywhere.
 */

const servers: FakePop3Server[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

function message(n: number): { data: Buffer; uid: string } {
  return { data: Buffer.from(`From: a@example.test\nSubject: message ${n}\n\nbody ${n}\n`), uid: `uid-${n}` };
}

async function setup() {
  const server = await startFakePop3(mailbox({ user: 'alice', password: 'correct horse', messages: [1, 2, 3].map(message) }));
  servers.push(server);
  const pool = new SessionPool({ maxSessions: 10, idleMs: 60_000, keepAliveMs: 60_000 });
  const store = new MemorySessionStore();
  const sessions = new Sessions(pool, store, new SecretBox([randomBytes(32)]), { limits: { greetingTimeoutMs: 3_000, commandTimeoutMs: 3_000 } }, 60_000);
  const credentials = { kind: 'password', username: 'alice', password: 'correct horse', mechanism: 'auto', allowInsecure: true } as const;
  const target = { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' } as const;
  const session = await sessions.open('tok', target, credentials, passwordSecret(credentials), pool.reserve());
  return { server, pool, store, sessions, session };
}

describe('Sessions', () => {
  test('a session this process let go of is restored from the store: new login, marks sent again by id', async () => {
    const { server, pool, store, sessions, session } = await setup();
    assert.equal(await sessions.find('tok'), session);
    const id = session.snapshot[0]!.id;
    await session.mark([id]);
    assert.deepEqual(await store.getMarks('tok'), [id]);
    const record = await store.load('tok');
    assert.ok(record && !record.secret.includes('correct horse'), 'the password is sealed in the store');

    pool.remove('tok'); // as when another instance took the connection over: closed without QUIT
    const restored = await sessions.find('tok');
    assert.ok(restored && restored !== session);
    assert.deepEqual([...restored.pending], [id]);
    assert.match(server.sessions.at(-1)!.receivedText(), /DELE 1\r\n/, 'the mark is sent again on the new connection');
    assert.ok(!/QUIT/.test(server.sessions[0]!.receivedText()), 'the old connection was never told QUIT');

    await sessions.end('tok');
    assert.equal(await sessions.find('tok'), undefined);
    assert.equal(await store.load('tok'), undefined);
  });

  test('concurrent requests for a missing session share one restore (one login)', async () => {
    const { server, pool, sessions } = await setup();
    pool.remove('tok');
    const before = server.sessions.length;
    const [a, b] = await Promise.all([sessions.find('tok'), sessions.find('tok')]);
    assert.ok(a && a === b);
    assert.equal(server.sessions.length, before + 1);
    await sessions.end('tok');
  });

  test('an unknown token is no session, and nothing is asked of any server', async () => {
    const { server, sessions } = await setup();
    const before = server.sessions.length;
    assert.equal(await sessions.find('nope'), undefined);
    assert.equal(await sessions.find(undefined), undefined);
    assert.equal(server.sessions.length, before);
    await sessions.end('tok');
  });
});
