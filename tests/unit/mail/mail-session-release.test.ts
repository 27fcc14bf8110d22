import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { NEWEST_FIRST } from '../../../lib/mail/mail-session';
import { listMessages, whenPrefetched } from '../../../lib/mail/message-service';
import { isPop3Error } from '../../../lib/pop3';
import { FakeMaildrops } from '../../support/fake-mail-session';
import type { VerbHandler } from '../../support/fake-pop3-server';
import { smallMessages } from '../../support/maildrop';

/**
 * An idle session lets go of its POP3 connection (`releaseConnection`) once its full listing is in, and
 * also when that listing is known to fail: it is never asked for again, so it can never come in.
 */
const maildrops = new FakeMaildrops();
after(() => maildrops.closeAll());

/** The full LIST (no argument) answers a line that is not numbers; `LIST n` is answered as usual. */
const malformedFullList: VerbHandler = async (args, session) => {
  if (args[0] !== undefined) return 'default';
  await session.send('+OK\r\n1 lots\r\n.\r\n');
};

test('a session whose full listing is known to fail still lets go of its idle connection', async () => {
  const count = NEWEST_FIRST + 50; // identified newest first: the full listing comes behind the login
  const server = await maildrops.start({ messages: smallMessages(count).map((m) => ({ data: m.raw })), handlers: { LIST: malformedFullList } });
  const session = await maildrops.open(server);
  try {
    await assert.rejects(session.whenListed(), (error: unknown) => isPop3Error(error) && error.code === 'PROTOCOL_ERROR');
    const first = await listMessages(session, { offset: 0, limit: 10 }); // logs in again, without asking the listing
    await whenPrefetched(session);
    assert.equal(first.messages[0]!.number, count);
    assert.equal(server.sessions.length, 2);
    assert.equal(session.connected, true);
    assert.equal(session.listed, false, 'the failed listing is not asked again: never listed on this connection');
    assert.deepEqual(server.sessions.map((s) => s.lines.filter((line) => line === 'LIST').length), [1, 0]);

    await session.releaseConnection();
    assert.equal(session.connected, false);
    const released = server.sessions[1]!;
    await released.closed;
    assert.ok(!released.lines.includes('QUIT'), 'closed without QUIT: the server forgets nothing it should apply');

    const again = await listMessages(session, { offset: 0, limit: 10 });
    assert.equal(server.sessions.length, 3, 'the next page logged in again');
    assert.deepEqual(
      again.messages.map((m) => m.id),
      first.messages.map((m) => m.id),
      'the newest messages, as before',
    );
    assert.equal(session.connected, true);
  } finally {
    session.close();
  }
});
