import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { MailSession } from '../../../lib/mail/mail-session';
import { listMessages } from '../../../lib/mail/message-service';
import { mailbox, startFakePop3, type FakePop3Server, type VerbHandler } from '../../support/fake-pop3-server';

/**
 * Issue 10 item 5: a server without UIDL has its messages identified by their header sections, so those
 * are fetched at login. They must be fetched once: not again for the login's newest headers, nor for any
 * page or filter after.
 */
const COUNT = 150; // above the login's newest-first batch (100), so both paths are crossed
const servers: FakePop3Server[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

describe('a server without UIDL', () => {
  test('each header section is fetched once, from the login through every page and a filter', async () => {
    const tops = new Map<string, number>();
    const top: VerbHandler = (args) => {
      if (args[1] === '0') tops.set(args[0]!, (tops.get(args[0]!) ?? 0) + 1);
      return 'default';
    };
    const noUidl: VerbHandler = async (_args, session) => {
      await session.send('-ERR UIDL is not supported here.\r\n');
    };
    const messages = Array.from({ length: COUNT }, (_, i) => ({ data: Buffer.from(`From: s${i}@example.test\nSubject: no uidl ${i}\n\nbody ${i}\n`) }));
    const server = await startFakePop3(
      mailbox({ capabilities: ['TOP', 'RESP-CODES', 'PIPELINING', 'USER'], messages, handlers: { TOP: top, UIDL: noUidl } }),
    );
    servers.push(server);
    const session = await MailSession.open(
      'no-uidl',
      { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' },
      { kind: 'password', username: 'alice', password: 'correct horse', mechanism: 'auto', allowInsecure: true },
      { limits: { greetingTimeoutMs: 3_000, commandTimeoutMs: 3_000 } },
    );
    try {
      const seen = new Set<string>();
      for (let offset = 0; offset < COUNT; offset += 50) {
        const page = await listMessages(session, { offset, limit: 50 });
        for (const row of page.messages) seen.add(row.subject);
      }
      assert.equal(seen.size, COUNT, 'every message listed, with its subject');
      const filtered = await listMessages(session, { offset: 0, limit: 10, q: 'no uidl 149' });
      assert.deepEqual(filtered.messages.map((row) => row.subject), ['no uidl 149']);
      assert.equal(tops.size, COUNT, 'every message had its header section fetched');
      const twice = [...tops].filter(([, times]) => times > 1);
      assert.deepEqual(twice, [], 'no header section was fetched twice');
    } finally {
      await session.close();
    }
  });
});
