/**
 * The round trips of the paths `npm run bench` times, counted on the wire
 * against the scriptable fake server: a feature that adds a round trip (a
 * second TOP for a peek, a RETR, a command waiting for another's answer)
 * fails here, not only as a slower benchmark. A flight is what the client
 * writes before it reads the next answer (the session's transcript, in order).
 *
 * The floors (docs/benchmarks.md): login + first page 3.5 RTT (greeting ½,
 * CAPA 1, login + CAPA + STAT 1, the newest messages' UIDL n + LIST n +
 * TOP n 0 1), a peek 1 RTT (TOP n lines), a new page 1 RTT (its TOP n 0
 * batch, fetched ahead while the person reads the page before).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { NEWEST_FIRST } from '../../lib/mail/mail-session';
import { listMessages, previewMessage, whenPrefetched } from '../../lib/mail/message-service';
import type { TranscriptEntry } from '../../lib/pop3';
import { FakeMaildrops } from '../support/fake-mail-session';
import { smallMessages } from '../support/maildrop';
import { within } from '../support/within';

const COUNT = 250;
const PAGE = 50;
const messages = smallMessages(COUNT).map((m) => ({ data: m.raw }));
const maildrops = new FakeMaildrops();

/** Records the transcript and cuts it into flights: the client's commands between two reads of the server. */
class Flights {
  private readonly entries: TranscriptEntry[] = [];
  private seen = 0;
  readonly record = (entry: TranscriptEntry) => void this.entries.push(entry);

  /** Where the transcript is now, for `answersSince`. */
  mark(): number {
    return this.entries.length;
  }

  /** Server lines read since `mark`: none means nothing waited for the server meanwhile. */
  answersSince(mark: number): number {
    return this.entries.slice(mark).filter((entry) => entry.direction === 'server').length;
  }

  /** The flights since the last call, each as its command verbs with their arguments. */
  take(): string[][] {
    const flights: string[][] = [];
    let current: string[] | undefined;
    for (const entry of this.entries.slice(this.seen)) {
      if (entry.direction === 'client') (current ??= flights[flights.push([]) - 1]!).push(entry.text);
      else current = undefined;
    }
    this.seen = this.entries.length;
    return flights;
  }
}

const verbs = (flight: string[]) => [...new Set(flight.map((line) => line.split(' ')[0]))];

describe('round trips of the benchmarked paths', () => {
  after(() => maildrops.closeAll());

  it('login + first page: CAPA, the login with CAPA and STAT, then one flight for the newest messages', async () => {
    // The fake server's greeting offers APOP, which the login prefers to sending the password.
    const flights = new Flights();
    const server = await maildrops.start({ messages });
    const session = await maildrops.open(server, { onTranscript: flights.record });
    const page = await listMessages(session, { offset: 0, limit: PAGE });
    assert.equal(page.messages.length, PAGE);
    const taken = flights.take();
    // The full LIST + UIDL follow the newest messages' headers (in the background); nothing else does.
    const beforeListing = taken.filter((flight) => !(flight.length === 2 && flight[0] === 'LIST' && flight[1] === 'UIDL'));
    assert.deepEqual(beforeListing.map(verbs), [['CAPA'], ['APOP', 'CAPA', 'STAT'], ['UIDL', 'LIST', 'TOP']]);
    assert.equal(beforeListing[2]!.length, 3 * NEWEST_FIRST, 'UIDL n, LIST n and TOP n 0 of the newest messages, in one flight');
    session.close();
  });

  it('a peek is one TOP, and a new page one flight of TOP n 0 fetched ahead', async () => {
    const flights = new Flights();
    const server = await maildrops.start({ messages });
    const session = await maildrops.open(server, { onTranscript: flights.record });
    const first = await listMessages(session, { offset: 0, limit: PAGE });
    await session.whenListed();
    await whenPrefetched(session); // whatever the first page asked for is in
    flights.take();

    const peek = await previewMessage(session, first.messages[10]!.id, 20);
    assert.equal(peek.id, first.messages[10]!.id);
    assert.deepEqual(flights.take(), [[`TOP ${first.messages[10]!.number} 20`]], 'a peek at a plain message: one TOP, no RETR, no second round');

    // Paging on as the bench does, page after page: each page's headers were fetched ahead by the one before
    // (or by the login), so a page costs at most the one flight of TOP n 0 that fetches the next.
    for (let offset = PAGE; offset <= 4 * PAGE; offset += PAGE) {
      const mark = flights.mark();
      const page = await listMessages(session, { offset, limit: PAGE });
      assert.equal(page.messages.length, PAGE);
      assert.equal(flights.answersSince(mark), 0, `page at ${offset} waited for the server: its headers were not fetched ahead`);
      await whenPrefetched(session); // the next page's prefetch
      const taken = flights.take();
      assert.ok(taken.length <= 1, `page at ${offset}: ${taken.length} flights`);
      for (const flight of taken) {
        assert.deepEqual(verbs(flight), ['TOP']);
        assert.equal(flight.length, PAGE, `page at ${offset}: the next page's headers in one flight`);
      }
    }
    session.close();
  });

  it('a page whose headers are in memory answers while a prefetch waits for the server with the connection', async () => {
    // Pages of 25: the login's batch holds the newest 100 (pages 0–3). TOP of any older message waits for the gate.
    const small = 25;
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let reachGate!: () => void;
    const gateReached = new Promise<void>((resolve) => (reachGate = resolve));
    const server = await maildrops.start({
      messages,
      handlers: {
        TOP: async (args): Promise<'default'> => {
          if (Number(args[0]) <= COUNT - NEWEST_FIRST) {
            reachGate();
            await gate;
          }
          return 'default';
        },
      },
    });
    const flights = new Flights();
    const session = await maildrops.open(server, { onTranscript: flights.record });
    const newest = (offset: number) => Array.from({ length: small }, (_, i) => COUNT - offset - i);

    // Page 3 asks for page 4 ahead, and that TOP batch waits at the gate, holding the connection.
    const page3 = await listMessages(session, { offset: 3 * small, limit: small });
    assert.deepEqual(page3.messages.map((message) => message.number), newest(3 * small));
    await gateReached;
    // Back to pages 0 and 1 (and 3 again) meanwhile: all in memory, so none waits for the prefetch to let go
    // (which it does only when the gate opens, below: a page that waited for it would never be answered here).
    try {
      for (const offset of [0, small, 3 * small]) {
        const mark = flights.mark();
        const page = await within(listMessages(session, { offset, limit: small }), 10_000);
        assert.ok(page !== 'pending', `the page at ${offset} waits for the prefetch holding the connection`);
        assert.equal(flights.answersSince(mark), 0);
        assert.deepEqual(page.messages.map((message) => message.number), newest(offset));
      }
    } finally {
      openGate(); // a failure above must not leave the session's connection held at the gate
    }
    await whenPrefetched(session);
    const before = flights.mark();
    const page4 = await listMessages(session, { offset: 4 * small, limit: small });
    assert.deepEqual(page4.messages.map((message) => message.number), newest(4 * small));
    assert.equal(flights.answersSince(before), 0, 'page 4 was fetched ahead');
    session.close();
  });
});
