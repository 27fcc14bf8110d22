import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { MailSession } from '../../../lib/mail/mail-session';
import { mailbox, startFakePop3, type FakePop3Server, type MailboxMessage, type VerbHandler } from '../../support/fake-pop3-server';

/**
 * The marks the session keeps are the server's: a DELE the server accepted is kept even when another
 * of its batch failed, one id asked for twice is sent once, and a marked message is not asked for.
 */

const USER = 'alice';
const PASSWORD = 'correct horse';
const servers: FakePop3Server[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

function messages(count: number): MailboxMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    uid: `uid-${i + 1}`,
    data: Buffer.from(`From: a@example.test\nSubject: message ${i + 1}\n\nbody ${i + 1}\n`),
  }));
}

/** QUIT removes what was marked from `kept`, as a real server does. */
async function serve(kept: MailboxMessage[], handlers: Record<string, VerbHandler> = {}): Promise<FakePop3Server> {
  const quit: VerbHandler = async (_args, session, state) => {
    const gone = new Set(state.messages.flatMap((m) => (m.deleted ? [m.uid] : [])));
    for (let i = kept.length - 1; i >= 0; i--) if (gone.has(kept[i]!.uid ?? '')) kept.splice(i, 1);
    await session.send('+OK Bye.\r\n');
    session.end();
  };
  const server = await startFakePop3(
    mailbox({ user: USER, password: PASSWORD, capabilities: ['USER', 'UIDL', 'TOP', 'PIPELINING', 'RESP-CODES'], messages: kept, handlers: { QUIT: quit, ...handlers } }),
  );
  servers.push(server);
  return server;
}

function open(server: FakePop3Server): Promise<MailSession> {
  return MailSession.open('test-token', { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' }, {
    kind: 'password',
    username: USER,
    password: PASSWORD,
    mechanism: 'user',
    allowInsecure: true,
  }, {});
}

/** The id of message `number` in this session. */
const idOf = (session: MailSession, number: number) => session.snapshot.find((entry) => entry.number === number)!.id;

const deles = (server: FakePop3Server) => server.sessions.flatMap((session) => session.lines.filter((line) => line.startsWith('DELE ')));

test('an id asked for twice in one request is sent once, and Apply deletes exactly the marked', async () => {
  const kept = messages(5);
  const server = await serve(kept);
  const session = await open(server);
  const [a, b] = [idOf(session, 5), idOf(session, 4)];
  assert.deepEqual(await session.mark([a, b, a]), [a, b]);
  assert.equal(deles(server).length, 2, `DELE sent: ${deles(server).join(', ')}`);
  assert.deepEqual([...session.pending].sort(), [a, b].sort());
  const result = await session.commit();
  assert.equal(result.deleted, 2);
  assert.deepEqual(kept.map((m) => m.uid), ['uid-1', 'uid-2', 'uid-3']);
  session.close();
});

test('a DELE the server refuses fails the request, and the ones it accepted stay marked, as on the server', async () => {
  const kept = messages(5);
  const refuseFour: VerbHandler = async (args, session) => {
    if (args[0] !== '4') return 'default';
    await session.send('-ERR [SYS/TEMP] Cannot mark that one now.\r\n');
  };
  const server = await serve(kept, { DELE: refuseFour });
  const session = await open(server);
  const [five, four, three] = [idOf(session, 5), idOf(session, 4), idOf(session, 3)];
  await assert.rejects(session.mark([five, four, three]));
  assert.deepEqual([...session.pending].sort(), [five, three].sort(), 'the two the server marked');
  const result = await session.commit();
  assert.equal(result.deleted, 2, 'Apply reports what it deleted');
  assert.deepEqual(kept.map((m) => m.uid), ['uid-1', 'uid-2', 'uid-4']);
  session.close();
});

test('a marked message is not asked for: the answer says it is marked, and no RETR or TOP is sent', async () => {
  const server = await serve(messages(3));
  const session = await open(server);
  const id = idOf(session, 3);
  await session.mark([id]);
  const asked = () => server.sessions.flatMap((s) => s.lines.filter((line) => /^(RETR|TOP) 3\b/.test(line))).length;
  const before = asked();
  await assert.rejects(
    session.withMessage(id, async (client, entry) => client.retr(entry.number)),
    (error: unknown) => error instanceof AppError && error.code === 'MESSAGE_NOT_FOUND' && /marked for deletion/.test(error.message),
  );
  assert.equal(asked(), before);
  await session.unmark([id]);
  const body = await session.withMessage(id, async (client, entry) => {
    const chunks: Buffer[] = [];
    for await (const chunk of await client.retr(entry.number)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('latin1');
  });
  assert.match(body, /Subject: message 3/);
  session.close();
});

test('the marks follow the store: a change it cannot save is not made, Apply waits for it, a logout does not need it', async () => {
  const kept = messages(5);
  const server = await serve(kept);
  let storeUp = true;
  const saved: string[][] = [];
  const session = await MailSession.open(
    'test-token',
    { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' },
    { kind: 'password', username: USER, password: PASSWORD, mechanism: 'user', allowInsecure: true },
    {
      persistence: {
        beforeLogin: async () => undefined,
        marksChanged: async (_token, ids) => {
          if (!storeUp) throw new AppError('STORE_UNAVAILABLE', 'down');
          saved.push([...ids]);
        },
        connectionClosed: () => undefined,
      },
    },
  );
  const [a, b] = [idOf(session, 5), idOf(session, 4)];
  await session.mark([a]);
  assert.deepEqual(saved.at(-1), [a]);

  // A mark the store refuses: not the session's, and not the server's (its connection closed without QUIT).
  storeUp = false;
  await assert.rejects(session.mark([b]), (error) => error instanceof AppError && error.code === 'STORE_UNAVAILABLE');
  assert.deepEqual([...session.pending], [a]);
  // Apply with the store down: refused before QUIT, nothing deleted.
  await assert.rejects(session.commit(), (error) => error instanceof AppError && error.code === 'STORE_UNAVAILABLE');
  assert.equal(kept.length, 5);

  // A logout (whose route removed the record from the store first) applies the marks without the store.
  assert.equal(await session.logout(), 1);
  assert.deepEqual(kept.map((m) => m.uid), ['uid-1', 'uid-2', 'uid-3', 'uid-4']);
});

test('a restore reads the marks once it holds the connection lease: a mark the previous holder saved while letting go is kept', async () => {
  const kept = messages(5);
  const server = await serve(kept);
  const stored: string[] = []; // the store's copy of the marks
  let leaseTaken = false;
  // The ids are the session's own (from UIDL): learn them from a first session, as the store would hold them.
  const first = await open(server);
  const [a, b] = [idOf(first, 5), idOf(first, 4)];
  first.close();
  stored.push(a);
  const session = await MailSession.open(
    'test-token',
    { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' },
    { kind: 'password', username: USER, password: PASSWORD, mechanism: 'user', allowInsecure: true },
    {
      persistence: {
        // The previous holder, asked to let go, saves the mark it was making: after the restore began.
        beforeLogin: async () => {
          stored.push(b);
          leaseTaken = true;
        },
        marksChanged: async (_token, ids) => {
          stored.splice(0, stored.length, ...ids);
        },
        connectionClosed: () => undefined,
      },
    },
    { loadMarks: async () => (leaseTaken ? [...stored] : assert.fail('the marks were read before the lease')) },
  );
  assert.deepEqual([...session.pending].sort(), [a, b].sort());
  assert.equal((await session.commit()).deleted, 2);
  assert.deepEqual(kept.map((m) => m.uid), ['uid-1', 'uid-2', 'uid-3']);
  session.close();
});
