/**
 * STAT-first login: on a large maildrop the login identifies the newest
 * messages (`UIDL n`, `LIST n`) and fetches their headers before the full
 * LIST/UIDL has arrived, so the first page does not wait for the listing.
 * Driven against the scriptable fake server, whose full LIST can be held back.
 * (Against Dovecot, the API tests' 120-message maildrop takes the same path.)
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { NEWEST_FIRST, type SessionDeps } from '../../lib/mail/mail-session';
import { fillState, startHeaderFill, whenFilled } from '../../lib/mail/header-fill';
import { listMessages, previewMessage, readMessage, whenPrefetched } from '../../lib/mail/message-service';
import { isPop3Error } from '../../lib/pop3';
import { FakeMaildrops } from '../support/fake-mail-session';
import { dotStuff, toCrlf, topOf, type FakePop3Server, type MailboxOptions, type VerbHandler } from '../support/fake-pop3-server';
import { smallMessages } from '../support/maildrop';
import { within } from '../support/within';

const COUNT = 250;
const messages = smallMessages(COUNT).map((m) => ({ data: m.raw }));
const maildrops = new FakeMaildrops();
const fake = (options: MailboxOptions) => maildrops.start({ messages, ...options });
const open = (server: FakePop3Server, deps?: SessionDeps) => maildrops.open(server, deps);

/** A full LIST (no argument) that waits until `release()`; `LIST n` answers at once. */
function heldListing(): { handler: VerbHandler; release: () => void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const handler: VerbHandler = async (args): Promise<'default'> => {
    if (args.length > 0) return 'default';
    await gate;
    return 'default';
  };
  return { handler, release };
}

function subjectNumber(subject: string): number {
  return Number(/\(#(\d+)\)/.exec(subject)?.[1]);
}

const totalSize = messages.reduce((sum, m) => sum + toCrlf(m.data).length, 0);

describe('STAT-first login on a large maildrop', () => {
  after(async () => {
    await maildrops.closeAll();
  });

  it('logs in and serves the first page while the full listing is still held back', async () => {
    const listing = heldListing();
    const server = await fake({ handlers: { LIST: listing.handler } });
    const session = await within(open(server), 5_000);
    assert.notEqual(session, 'pending', 'the login waited for the full LIST');
    if (session === 'pending') return;
    assert.equal(session.count, COUNT, 'the count comes from STAT');
    assert.equal(session.size, totalSize, 'the size comes from STAT');

    const first = await within(listMessages(session, { offset: 0, limit: NEWEST_FIRST }), 5_000);
    assert.notEqual(first, 'pending', 'the first page waited for the full LIST');
    if (first === 'pending') return;
    assert.equal(first.total, COUNT);
    assert.deepEqual(
      first.messages.map((m) => m.number),
      Array.from({ length: NEWEST_FIRST }, (_, i) => COUNT - i),
    );
    assert.deepEqual(first.messages.map((m) => subjectNumber(m.subject)), first.messages.map((m) => m.number), 'each row has its own headers');
    const wire = server.sessions[0]!.lines;
    const tops = wire.filter((line) => line.startsWith('TOP ')).length;
    assert.equal(tops, NEWEST_FIRST, 'the first page used the login’s own TOP batch, nothing more');
    assert.ok(wire.indexOf('STAT') < wire.indexOf(`UIDL ${COUNT}`), 'STAT first, then the newest messages');

    // The next page needs the full listing: it waits for it, and then it is right.
    const second = listMessages(session, { offset: NEWEST_FIRST, limit: NEWEST_FIRST });
    assert.equal(await within(second, 300), 'pending', 'the second page cannot be known before the listing');
    listing.release();
    const page = await second;
    assert.deepEqual(page.messages.map((m) => subjectNumber(m.subject)), Array.from({ length: NEWEST_FIRST }, (_, i) => COUNT - NEWEST_FIRST - i));
    assert.equal(page.total, COUNT);
    assert.equal(session.snapshot.length, COUNT);
    const listAt = wire.indexOf('LIST');
    assert.ok(listAt > 0, 'the full LIST was sent');
    assert.equal(wire.slice(0, listAt).filter((line) => line.startsWith('TOP ')).length, NEWEST_FIRST, 'behind the newest messages’ headers');

    // Ids from the newest-first view and the full listing agree.
    const again = await listMessages(session, { offset: 0, limit: 5 });
    assert.deepEqual(again.messages.map((m) => m.id), first.messages.slice(0, 5).map((m) => m.id));
    session.close();
  });

  it('the first page does not wait for the listing when every newest-message answer arrives in one read', async () => {
    // The newest messages' UIDL n, LIST n and TOP n 0 answers, all in one write: the TOP batch then completes
    // in the same read as the ids it needs (a race the paced fake server never shows).
    const listing = heldListing();
    const answered = new Set<string>();
    const together: VerbHandler = async (args, session, state) => {
      if (args.length === 0) return 'default';
      const key = `${session.lines[session.lines.length - session.unreadLines - 1]}`;
      if (answered.delete(key)) return;
      await session.waitForLines(session.lines.length + 3 * NEWEST_FIRST - session.unreadLines - 1);
      const ahead = session.lines.slice(session.lines.length - session.unreadLines - 1);
      const replies: Buffer[] = [];
      for (const command of ahead) {
        const [verb = '', n = '', lines] = command.split(' ');
        const message = state.messages[Number(n) - 1];
        if (!message || !['UIDL', 'LIST', 'TOP'].includes(verb)) break;
        if (verb === 'UIDL') replies.push(Buffer.from(`+OK ${n} ${message.uid}\r\n`));
        else if (verb === 'LIST') replies.push(Buffer.from(`+OK ${n} ${message.served.length}\r\n`));
        else replies.push(Buffer.from('+OK\r\n'), dotStuff(topOf(message.served, Number(lines))));
        answered.add(command);
      }
      answered.delete(key);
      await session.send(Buffer.concat(replies));
    };
    const server = await fake({ handlers: { LIST: (args, session, state) => (args.length === 0 ? listing.handler(args, session, state) : together(args, session, state)), UIDL: together, TOP: together } });
    const session = await open(server);
    const first = await within(listMessages(session, { offset: 0, limit: 50 }), 3_000);
    listing.release();
    assert.notEqual(first, 'pending', 'the first page waited for the full LIST');
    if (first !== 'pending') assert.deepEqual(first.messages.map((m) => subjectNumber(m.subject)).slice(0, 3), [COUNT, COUNT - 1, COUNT - 2]);
    session.close();
  });

  it('an old message read right after login waits for the listing, then opens', async () => {
    const listing = heldListing();
    const server = await fake({ handlers: { LIST: listing.handler } });
    const session = await open(server);
    const oldId = `u${Buffer.from('uid-3', 'latin1').toString('base64url')}`;
    const reading = readMessage(session, oldId, { remoteImages: false, maxParseBytes: 10 * 1024 * 1024 });
    assert.equal(await within(reading, 300), 'pending');
    listing.release();
    const message = await reading;
    assert.equal(subjectNumber(message.subject), 3);
    session.close();
  });

  it('pages and previews of the newest messages do not queue behind a prefetch waiting for the listing', async () => {
    // The bench's single-user loop and the UI both ask for the next page (or a peek) right after the first one:
    // its prefetch must not hold the session's lock while the full LIST/UIDL is still arriving.
    const listing = heldListing();
    const server = await fake({ handlers: { LIST: listing.handler } });
    const session = await open(server);
    const first = await listMessages(session, { offset: 0, limit: 50 });
    // Among the newest messages the login identified: known without the listing (its prefetch too).
    const second = await within(listMessages(session, { offset: 50, limit: 50 }), 5_000);
    assert.notEqual(second, 'pending', 'the second page of the newest messages waited for the full LIST');
    if (second === 'pending') return;
    assert.deepEqual(second.messages.map((m) => subjectNumber(m.subject)), Array.from({ length: 50 }, (_, i) => COUNT - 50 - i));
    // That page's prefetch (offset 100) needs the listing; a peek at a newest message must not queue behind it. Its
    // answer comes after the listing's (a server answers in order), but its command leaves now, not after the
    // listing and the prefetch's own round trip.
    const wire = server.sessions[0]!.lines;
    const peekCommand = `TOP ${COUNT - 3} 5`;
    const peeking = previewMessage(session, first.messages[3]!.id, 5);
    // The background LIST and UIDL may reach the server in a read of their own first: read on until the peek is there.
    const mark = wire.length;
    const sent = await within(
      (async () => {
        const peer = server.sessions[0]!;
        while (!wire.slice(mark).includes(peekCommand) && !peer.isClosed) await peer.waitForLines(wire.length + 1);
      })(),
      5_000,
    );
    assert.notEqual(sent, 'pending', 'the peek queued behind a prefetch waiting for the full LIST');
    assert.ok(wire.slice(mark).includes(peekCommand), `the peek never left: ${wire.slice(mark).join(' | ')}`);
    assert.ok(wire.slice(mark).every((line) => line === peekCommand || line === 'LIST' || line === 'UIDL'), wire.slice(mark).join(' | '));
    assert.equal(wire.filter((line) => line.startsWith('TOP ') && line.endsWith(' 0')).length, NEWEST_FIRST, 'nothing fetched beyond the login’s batch yet');

    // Once the listing is in, the peek is answered; the prefetch then fetches the next page's headers, and that page costs no TOP.
    listing.release();
    const peek = await peeking;
    assert.equal(subjectNumber(peek.headers.subject ?? ''), COUNT - 3);
    await session.whenListed();
    await whenPrefetched(session); // the prefetch waited for the listing, then fetched
    assert.ok(wire.indexOf(peekCommand) < wire.indexOf(`TOP ${COUNT - 100} 0`), 'the peek went before the prefetch');
    const topsBefore = wire.filter((line) => line.startsWith('TOP ')).length;
    const third = await listMessages(session, { offset: 100, limit: 50 });
    assert.deepEqual(third.messages.map((m) => subjectNumber(m.subject)), Array.from({ length: 50 }, (_, i) => COUNT - 100 - i));
    assert.equal(wire.filter((line) => line.startsWith('TOP ')).length, topsBefore, 'the third page was prefetched');
    session.close();
  });

  it('a doubtful UID among the newest makes the login wait for the full listing', async () => {
    const listing = heldListing();
    const badUid: VerbHandler = async (args, session) => {
      if (args[0] !== String(COUNT - 1)) return 'default';
      await session.send(`+OK ${COUNT - 1} uid-${COUNT}\r\n`); // the same UID as the newest message
    };
    const server = await fake({ handlers: { LIST: listing.handler, UIDL: badUid } });
    const opening = open(server);
    assert.equal(await within(opening, 300), 'pending', 'a repeated UID is not trusted without the listing');
    listing.release();
    const session = await opening;
    const page = await listMessages(session, { offset: 0, limit: 3 });
    assert.deepEqual(page.messages.map((m) => subjectNumber(m.subject)), [COUNT, COUNT - 1, COUNT - 2]);
    session.close();
  });

  it('a connection lost while the listing arrives is reconnected on the next use', async () => {
    const dropFirstListing: VerbHandler = (args, session) => {
      if (args.length === 0 && session === server.sessions[0]) {
        session.destroy();
        return;
      }
      return 'default';
    };
    const server: FakePop3Server = await fake({ handlers: { LIST: dropFirstListing } });
    const session = await open(server);
    const page = await listMessages(session, { offset: NEWEST_FIRST, limit: 10 });
    assert.deepEqual(page.messages.map((m) => subjectNumber(m.subject)), Array.from({ length: 10 }, (_, i) => COUNT - NEWEST_FIRST - i));
    assert.equal(server.sessions.length, 2, 'one reconnect');
    session.close();
  });

  it('a UID the server repeats outside the newest messages does not break ids already shown', async () => {
    const shared = COUNT - 50; // among the newest 100; message 10 has the same UID
    const repeat: VerbHandler = async (args, session, state) => {
      if (args.length > 0) {
        if (args[0] !== String(shared) && args[0] !== '10') return 'default';
        await session.send(`+OK ${args[0]} same-uid\r\n`);
        return;
      }
      const lines = state.messages.map((m, i) => `${i + 1} ${i + 1 === shared || i + 1 === 10 ? 'same-uid' : m.uid}\r\n`);
      await session.send(`+OK\r\n${lines.join('')}.\r\n`);
    };
    const server = await fake({ handlers: { UIDL: repeat } });
    const session = await open(server);
    const first = await listMessages(session, { offset: 0, limit: NEWEST_FIRST });
    const shown = first.messages.find((m) => m.number === shared)!;
    assert.equal(subjectNumber(shown.subject), shared);
    await listMessages(session, { offset: NEWEST_FIRST, limit: 10 }); // the full listing is in now
    const opened = await readMessage(session, shown.id, { remoteImages: false, maxParseBytes: 10 * 1024 * 1024 });
    assert.equal(subjectNumber(opened.subject), shared, 'the id shown on the first page still opens its message');
    const ids = session.snapshot.map((entry) => entry.id);
    assert.equal(new Set(ids).size, ids.length, 'ids stay unique');
    assert.notEqual(session.snapshot[9]!.id, shown.id);
    session.close();
  });

  it('a listing too large for its bound fails every later request at once, without logging in again each time', async () => {
    const server = await fake({});
    const session = await open(server, { limits: { maxListingBytes: 2000 } });
    const first = await listMessages(session, { offset: 0, limit: 10 });
    assert.equal(first.messages.length, 10, 'the newest messages need no full listing');
    const tooLarge = (error: unknown) => isPop3Error(error) && error.code === 'LIMIT_EXCEEDED';
    for (let i = 0; i < 3; i++) await assert.rejects(listMessages(session, { offset: NEWEST_FIRST, limit: 10 }), tooLarge);
    await assert.rejects(session.mark([first.messages[0]!.id]), tooLarge);
    const again = await listMessages(session, { offset: 0, limit: 10 });
    assert.deepEqual(again.messages.map((m) => m.id), first.messages.map((m) => m.id), 'the newest messages still list');
    assert.ok(server.sessions.length <= 2, `one reconnect at most, not one per request (${server.sessions.length})`);
    const lists = server.sessions.flatMap((s) => s.lines).filter((line) => line === 'LIST').length;
    assert.equal(lists, 1, 'the full LIST was asked once');
    session.close();
  });

  it('a session closed while a command is in flight never logs in again', async () => {
    const slowTop: VerbHandler = async (args): Promise<'default'> => {
      if (args[1] === '0') return 'default';
      await new Promise((resolve) => setTimeout(resolve, 200));
      return 'default';
    };
    const server = await fake({ handlers: { TOP: slowTop } });
    const session = await open(server);
    const newest = (await listMessages(session, { offset: 0, limit: 1 })).messages[0]!;
    const peeking = previewMessage(session, newest.id, 5);
    await new Promise((resolve) => setTimeout(resolve, 50));
    session.close();
    await assert.rejects(peeking);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(server.sessions.length, 1, 'no second connection');
    assert.equal(session.connected, false);
  });

  it('a small maildrop is listed in full by the login itself', async () => {
    const listing = heldListing();
    const server = await fake({ messages: messages.slice(0, NEWEST_FIRST), handlers: { LIST: listing.handler } });
    const opening = open(server);
    assert.equal(await within(opening, 300), 'pending');
    listing.release();
    const session = await opening;
    assert.equal(session.snapshot.length, NEWEST_FIRST);
    const page = await listMessages(session, { offset: 0, limit: 10 });
    assert.equal(subjectNumber(page.messages[0]!.subject), NEWEST_FIRST);
    const tops = server.sessions[0]!.lines.filter((line) => line.startsWith('TOP ')).length;
    assert.equal(tops, NEWEST_FIRST, 'the headers came with the login, fetched once');
    session.close();
  });
});

describe('background header fill (asked for when the filter box is focused)', () => {
  after(async () => {
    await maildrops.closeAll();
  });

  it('loads every header once, in chunks, letting the person’s requests go first, without keeping the session alive', async () => {
    const many = smallMessages(1000, { seed: 3 }).map((m) => ({ data: m.raw }));
    const server = await fake({ messages: many });
    const session = await open(server);
    await listMessages(session, { offset: 0, limit: NEWEST_FIRST });

    const order: string[] = [];
    startHeaderFill(session);
    startHeaderFill(session); // joins the running fill
    assert.equal(fillState(session).filling, true);
    const filled = whenFilled(session).then(() => order.push('fill'));
    let usedAfterPage = 0;
    const page = listMessages(session, { offset: 500, limit: 10 }).then((p) => {
      order.push('page');
      usedAfterPage = session.lastUsed;
      return p;
    });
    await Promise.all([filled, page]);
    assert.deepEqual(order, ['page', 'fill'], 'the person’s page did not wait for the whole fill');
    assert.deepEqual((await page).messages.map((m) => subjectNumber(m.subject)), Array.from({ length: 10 }, (_, i) => 500 - i));

    const state = fillState(session);
    assert.deepEqual(state, { total: 1000, cached: 1000, filling: false });
    const tops = server.sessions[0]!.lines.filter((line) => line.startsWith('TOP '));
    assert.equal(tops.length, 1000, 'every header fetched exactly once');
    assert.equal(new Set(tops).size, 1000);
    assert.equal(session.lastUsed, usedAfterPage, 'background work does not count as the person using the session');

    const filtered = await listMessages(session, { offset: 0, limit: 5, q: '(#42)' });
    assert.equal(filtered.total, 1);
    assert.equal(server.sessions[0]!.lines.filter((line) => line.startsWith('TOP ')).length, 1000, 'the filter needed no more TOPs');
    session.close();
  });

  it('a connection lost in the middle of a chunk: the chunk is fetched again after the reconnect', async () => {
    const many = smallMessages(600, { seed: 4 }).map((m) => ({ data: m.raw }));
    let tops = 0;
    const dropOnce: VerbHandler = (_args, session) => {
      if (++tops === 250) {
        session.destroy();
        return;
      }
      return 'default';
    };
    const server = await fake({ messages: many, handlers: { TOP: dropOnce } });
    const session = await open(server);
    await listMessages(session, { offset: 0, limit: 10 });
    startHeaderFill(session);
    await whenFilled(session);
    assert.equal(server.sessions.length, 2, 'one reconnect');
    assert.deepEqual(fillState(session), { total: 600, cached: 600, filling: false });
    session.close();
  });

  it('without TOP no fill starts (each header would be a whole RETR)', async () => {
    const server = await fake({ capabilities: ['UIDL', 'USER', 'PIPELINING'], messages: smallMessages(120, { seed: 5 }).map((m) => ({ data: m.raw })) });
    const session = await open(server);
    startHeaderFill(session);
    assert.equal(fillState(session).filling, false);
    session.close();
  });

  it('a filtered page’s prefetch uses the numbers of the moment, after a commit renumbered the messages', async () => {
    const many = smallMessages(300, { seed: 6 }).map((m) => ({ data: m.raw }));
    const server = await fake({ messages: many });
    const session = await open(server);
    const newest = await listMessages(session, { offset: 0, limit: 50 });
    await session.mark(newest.messages.map((m) => m.id));
    const page = listMessages(session, { offset: 0, limit: 50, minSize: 1 });
    const committed = session.commit();
    await Promise.all([page, committed]);
    await listMessages(session, { offset: 0, limit: 1 }); // queued behind the prefetch
    for (const [id, summary] of session.summaries) {
      const uid = Buffer.from(id.slice(1), 'base64url').toString('latin1');
      assert.equal(`uid-${subjectNumber(summary.subject)}`, uid, `the headers cached for ${uid} are its own`);
    }
    session.close();
  });
});
