import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { SessionPool } from '../../../lib/mail/session-pool';
import { MemorySessionStore } from '../../../lib/session-store/memory-session-store';
import { SecretBox } from '../../../lib/session-store/secret-box';
import { openSecret, passwordSecret, sealSecret } from '../../../lib/session-store/stored-credentials';
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

  test('key rotation: an instance without the record\'s key answers no session and keeps the record; one with it serves it', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const server = await startFakePop3(mailbox({ user: 'alice', password: 'correct horse', messages: [1, 2, 3].map(message) }));
    servers.push(server);
    const store = new MemorySessionStore();
    const instance = (keys: Buffer[]) => {
      const pool = new SessionPool({ maxSessions: 10, idleMs: 60_000, keepAliveMs: 60_000 });
      return { pool, sessions: new Sessions(pool, store, new SecretBox(keys), { limits: { greetingTimeoutMs: 3_000, commandTimeoutMs: 3_000 } }, 60_000) };
    };
    const rotated = instance([newKey, oldKey]);
    const notYet = instance([oldKey]);
    const credentials = { kind: 'password', username: 'alice', password: 'correct horse', mechanism: 'auto', allowInsecure: true } as const;
    const target = { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' } as const;
    const session = await rotated.sessions.open('rot', target, credentials, passwordSecret(credentials), rotated.pool.reserve());
    const id = session.snapshot[0]!.id;
    await session.mark([id]);
    const sealed = (await store.load('rot'))!.secret;

    assert.equal(await notYet.sessions.find('rot'), undefined, 'not openable here: no session for this request');
    assert.equal((await store.load('rot'))?.secret, sealed, 'the record is kept for the instances that have the key');
    assert.deepEqual(await store.getMarks('rot'), [id], 'and its marks');

    rotated.pool.remove('rot');
    const restored = await rotated.sessions.find('rot');
    assert.deepEqual([...(restored?.pending ?? [])], [id], 'the instance with the key still serves it, marks intact');
    await rotated.sessions.end('rot');
  });

  test('key rotation: a record opened with an older key is sealed again under the first', async () => {
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    const { pool, store } = await setup();
    await store.updateSecret('tok', sealSecret(new SecretBox([oldKey]), 'tok', { kind: 'password', password: 'correct horse', mechanism: 'auto', allowInsecure: true }));
    const sessions = new Sessions(pool, store, new SecretBox([newKey, oldKey]), { limits: { greetingTimeoutMs: 3_000, commandTimeoutMs: 3_000 } }, 60_000);
    pool.remove('tok');
    assert.ok(await sessions.find('tok'));
    const resealed = (await store.load('tok'))!.secret;
    assert.ok(new SecretBox([newKey]).isCurrent(resealed), 'sealed under the new key');
    assert.equal(openSecret(new SecretBox([newKey]), 'tok', resealed).kind, 'password', 'the old key can now be dropped');
    await sessions.end('tok');
  });
});
