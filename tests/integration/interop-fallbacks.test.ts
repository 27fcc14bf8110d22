/**
 * Graceful fallbacks for servers that lack an extension, against the
 * scriptable fake server (tests/support/fake-pop3-server.ts), driving the
 * mail layer (`MailSession`, `previewMessage`, `listMessages`) as the app does.
 * The real-server counterparts are in interop-matrix.test.ts (popa3d: no CAPA;
 * Mailutils: added headers, [IN-USE] in interop-api.test.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { toAppError } from '../../lib/errors';
import { STATUS_OF } from '../../lib/http/status';
import { listMessages, previewMessage } from '../../lib/mail/message-service';
import { isPop3Error } from '../../lib/pop3';
import { FakeMaildrops } from '../support/fake-mail-session';
import {
  type FakePop3Server,
  type FakeSession,
  type MailboxOptions,
  type VerbHandler,
} from '../support/fake-pop3-server';
import { InteropReport } from '../support/interop-report';
import { bigMessage, smallMessages } from '../support/maildrop';

const report = new InteropReport('Fallbacks (fake server)');
const maildrops = new FakeMaildrops();
const fake = (options: MailboxOptions) => maildrops.start(options);
const open = (server: FakePop3Server) => maildrops.open(server);

/**
 * Handlers that note, for every command, whether the client had already written
 * another one behind it (it pipelined), then answer as usual.
 */
function aheadRecorder(): { handlers: Record<string, VerbHandler>; wroteAhead: () => boolean } {
  let ahead = false;
  const note: VerbHandler = (_args, session: FakeSession) => {
    if (session.unreadLines > 0) ahead = true;
    return 'default';
  };
  const verbs = ['USER', 'PASS', 'APOP', 'AUTH', 'CAPA', 'STAT', 'LIST', 'UIDL', 'TOP', 'RETR', 'DELE', 'RSET', 'NOOP'];
  return { handlers: Object.fromEntries(verbs.map((verb) => [verb, note])), wroteAhead: () => ahead };
}

const small = smallMessages(3).map((m) => ({ data: m.raw }));

const scenario = (name: string, work: () => Promise<void>) => it(name, () => report.scenario('fake server', name, work));

describe('interop fallbacks', () => {
  after(async () => {
    report.write('interop-fallbacks');
    await maildrops.closeAll();
  });

  scenario('no CAPA (RFC 1939 only): USER/PASS, one command at a time', async () => {
    const recorder = aheadRecorder();
    const server = await fake({ greeting: '+OK', capabilities: null, messages: small, handlers: recorder.handlers });
    const session = await open(server);
    assert.equal(session.mechanism, 'user');
    assert.deepEqual(session.capabilities, []);
    const page = await listMessages(session, { offset: 0, limit: 10 });
    assert.equal(page.messages.length, small.length);
    assert.equal(recorder.wroteAhead(), false, 'nothing written ahead of a reply');
    session.close();
  });

  scenario('no PIPELINING: one command at a time (and pipelined when advertised)', async () => {
    const without = aheadRecorder();
    const plain = await fake({ capabilities: ['TOP', 'UIDL', 'USER'], messages: small, handlers: without.handlers });
    const session = await open(plain);
    await listMessages(session, { offset: 0, limit: 10 });
    assert.equal(without.wroteAhead(), false);
    session.close();

    const withIt = aheadRecorder();
    const pipelining = await fake({ capabilities: ['TOP', 'UIDL', 'USER', 'PIPELINING'], messages: small, handlers: withIt.handlers });
    const other = await open(pipelining);
    await listMessages(other, { offset: 0, limit: 10 });
    assert.equal(withIt.wroteAhead(), true, 'the control: commands are written ahead when PIPELINING is advertised');
    other.close();
  });

  scenario('no TOP: preview reads a bounded part of RETR, then closes the connection', async () => {
    const big = bigMessage(24 * 1024 * 1024).raw;
    let sent = 0;
    let retrSession: FakeSession | undefined;
    const retr: VerbHandler = async (args, session, state) => {
      const message = state.messages[Number(args[0]) - 1];
      if (message === undefined || message.served.length < 1024 * 1024) return 'default';
      retrSession = session;
      // Written in slices, waiting for each to be taken, so what the client leaves unread stays unsent.
      await session.send(`+OK ${message.served.length} octets\r\n`);
      const step = 64 * 1024;
      for (let at = 0; at < message.served.length && !session.isClosed; at += step) {
        await session.send(message.served.subarray(at, at + step));
        sent = at + step;
      }
      if (!session.isClosed) await session.send('.\r\n');
    };
    const server = await fake({ capabilities: ['UIDL', 'USER'], messages: [...small, { data: big }], handlers: { RETR: retr } });
    const session = await open(server);
    const target = session.snapshot[session.snapshot.length - 1];
    assert.ok(target !== undefined);
    const preview = await previewMessage(session, target.id, 3);
    assert.equal(preview.truncated, true);
    assert.ok(preview.headers.subject !== undefined);
    assert.ok(retrSession !== undefined, 'RETR stood in for TOP');
    await retrSession.closed;
    assert.equal(session.connected, false, 'the connection was abandoned');
    assert.ok(sent < big.length / 2, `only part of the message was sent (${sent} of ${big.length} bytes)`);
    assert.ok(!retrSession.lines.some((line) => line.startsWith('TOP')));
    session.close();
  });

  scenario('no UIDL: ids from content, unique for exact duplicates, stable across sessions', async () => {
    const duplicate = smallMessages(1, { seed: 9 })[0]!.raw;
    const noUidl: VerbHandler = async (_args, session) => {
      await session.send('-ERR Unknown command.\r\n');
    };
    const server = await fake({
      capabilities: ['TOP', 'USER'],
      messages: [...small, { data: duplicate }, { data: duplicate }],
      handlers: { UIDL: noUidl },
    });
    const first = await open(server);
    const ids = first.snapshot.map((entry) => entry.id);
    assert.equal(ids.length, small.length + 2);
    assert.equal(new Set(ids).size, ids.length, 'exact duplicates get different ids');
    first.close();
    const second = await open(server);
    assert.deepEqual(second.snapshot.map((entry) => entry.id), ids, 'the same ids in a new session');
    second.close();
  });

  scenario('[IN-USE] at login maps to MAILBOX_IN_USE (423), after a few retries', async () => {
    const inUse: VerbHandler = async (_args, session) => {
      await session.send('-ERR [IN-USE] Mailbox in use\r\n');
    };
    const server = await fake({ capabilities: ['RESP-CODES', 'USER', 'UIDL', 'TOP'], messages: small, handlers: { PASS: inUse, APOP: inUse } });
    const error = await open(server).then(
      () => assert.fail('the login succeeded'),
      (caught: unknown) => caught,
    );
    assert.ok(isPop3Error(error) && error.code === 'IN_USE');
    const appError = toAppError(error);
    assert.equal(appError.code, 'MAILBOX_IN_USE');
    assert.equal(STATUS_OF[appError.code], 423);
    assert.ok(server.sessions.length > 1, 'retried: our own previous connection may still hold the lock');
  });

  scenario('LOGIN-DELAY: refused login is 429 with Retry-After; an advertised delay defers refresh', async () => {
    const delayed: VerbHandler = async (_args, session) => {
      await session.send('-ERR [LOGIN-DELAY] Wait a bit\r\n');
    };
    const refusing = await fake({ capabilities: ['RESP-CODES', 'USER', 'UIDL', 'TOP'], messages: small, handlers: { PASS: delayed, APOP: delayed } });
    const error = toAppError(await open(refusing).then(() => assert.fail('the login succeeded'), (caught: unknown) => caught));
    assert.equal(error.code, 'LOGIN_DELAY');
    assert.equal(STATUS_OF[error.code], 429);
    assert.ok((error.retryAfter ?? 0) > 0);

    const advertising = await fake({ capabilities: ['TOP', 'UIDL', 'USER', 'LOGIN-DELAY 900'], messages: small });
    const session = await open(advertising);
    const refreshed = await session.refresh();
    assert.ok(refreshed.deferredSeconds > 0 && refreshed.deferredSeconds <= 900);
    assert.equal(advertising.sessions.length, 1, 'no second login within the delay');
    session.close();
  });
});
