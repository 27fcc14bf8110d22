import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { summaryCost } from '../../../lib/mail/header-cache';
import { summarizeHeaders } from '../../../lib/mail/header-summary';
import { MailSession } from '../../../lib/mail/mail-session';
import { listMessages } from '../../../lib/mail/message-service';
import { mailbox, startFakePop3, type FakePop3Server } from '../../support/fake-pop3-server';

/**
 * The header cache is bounded in bytes, so on a maildrop larger than it the first headers fetched are
 * dropped again before the last arrive. A filter must still find every match: it matches each round of
 * headers as it arrives, not the cache after fetching them all.
 */
const COUNT = 2_600; // more than one filter round (2,000)
const servers: FakePop3Server[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

const subject = (i: number) => `filter round ${String(i).padStart(5, '0')}`;
const headers = (i: number) => `From: s${String(i).padStart(5, '0')}@example.test\r\nSubject: ${subject(i)}\r\n`;

describe('a filter over a maildrop larger than the header cache', () => {
  test('finds the newest message, whose header the cache had to drop', async () => {
    const messages = Array.from({ length: COUNT }, (_, i) => ({ data: Buffer.from(`${headers(i)}\r\nbody ${i}\r\n`) }));
    const server = await startFakePop3(mailbox({ messages }));
    servers.push(server);
    // Room for about 2,200 summaries of this size: a round fits, the whole maildrop does not.
    const one = summaryCost('x'.repeat(40), summarizeHeaders(Buffer.from(headers(COUNT - 1))));
    const session = await MailSession.open(
      'filter-rounds',
      { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' },
      { kind: 'password', username: 'alice', password: 'correct horse', mechanism: 'auto', allowInsecure: true },
      { limits: { greetingTimeoutMs: 5_000, commandTimeoutMs: 5_000 }, headerCacheBytes: one * 2_200 },
    );
    try {
      const newest = await listMessages(session, { offset: 0, limit: 10, q: subject(COUNT - 1) });
      assert.deepEqual(newest.messages.map((row) => row.subject), [subject(COUNT - 1)]);
      assert.ok(session.summaries.size < COUNT, `the cache kept ${session.summaries.size} of ${COUNT}: it must have dropped some`);
      const all = await listMessages(session, { offset: 0, limit: 10, q: 'filter round' });
      assert.equal(all.total, COUNT, 'every message matches a filter all of them match');
    } finally {
      await session.close();
    }
  });
});
