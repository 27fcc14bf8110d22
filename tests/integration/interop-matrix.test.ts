/**
 * The protocol interoperability matrix: the same scenarios, run with our own
 * `lib/pop3` client, against every real POP3 server we can start (Dovecot,
 * GNU Mailutils, popa3d, Courier, Cyrus). Each server offers what it offers;
 * a scenario for an extension the server does not advertise checks that the
 * client does not use it and is reported as n/a. The outcome is printed as a
 * table and written to tests/artifacts/interop-matrix.md (see docs/interop.md).
 *
 * No wrong-password scenarios here: these servers delay failed logins by seconds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { connectPop3, type ConnectOptions, type Pop3Client } from '../../lib/pop3';
import { InteropReport } from '../support/interop-report';
import { smallMessages } from '../support/maildrop';
import { testUserName } from '../support/servers/common';
import { startCourier } from '../support/servers/courier';
import { startCyrus } from '../support/servers/cyrus';
import { startDovecot } from '../support/servers/dovecot';
import { startMailutils } from '../support/servers/mailutils';
import { startPopa3d } from '../support/servers/popa3d';
import type { RunningServer, StartOptions } from '../support/servers/types';

/** How long a server may take to apply QUIT's deletions after answering it (Courier answers first). */
const DELETE_SETTLE_MS = 30_000;

const report = new InteropReport('POP3 protocol scenarios (lib/pop3 client against real servers)');

interface ServerCase {
  title: string;
  start(options: StartOptions): Promise<RunningServer>;
  /** Dovecot has its own passwd-file users; the others use system accounts. */
  userName(base: string): string;
  /**
   * Mailutils 3.15 answers `TOP n k` (k > 0) with one extra empty line between the header
   * and the k body lines (`TOP n 0` is exact). Recorded here so a change shows up.
   */
  extraBlankLineInTop?: boolean;
}

const cases: ServerCase[] = [
  { title: 'Dovecot', start: startDovecot, userName: (base) => base },
  { title: 'GNU Mailutils', start: startMailutils, userName: testUserName, extraBlankLineInTop: true },
  { title: 'popa3d', start: startPopa3d, userName: testUserName },
  { title: 'Courier', start: startCourier, userName: testUserName },
  { title: 'Cyrus', start: startCyrus, userName: testUserName },
];

/** 7-bit headers only (Courier wraps 8-bit headers unless UTF8 was sent); dot lines to exercise unstuffing. */
const dotMessage = Buffer.from(
  'From: Dot Sender <dots@example.com>\n' +
    'To: tester@postern.test\n' +
    'Subject: dots at line starts\n' +
    'Message-ID: <dots@postern.test>\n' +
    'Date: Mon, 04 Mar 2024 09:15:00 +0000\n' +
    '\n' +
    'line one\n' +
    '.\n' +
    '..\n' +
    '.leading dot\n' +
    'the last line\n',
  'latin1',
);

const mailFor = (): Buffer[] => [...smallMessages(3).map((m) => m.raw), dotMessage];
const PASSWORD = 'interop-Secret.7';

async function bytesOf(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The header section (through the empty line) plus `lines` body lines of a CRLF message. */
function topOfExpected(message: Buffer, lines: number, extraBlankLine = false): Buffer {
  const split = message.indexOf('\r\n\r\n');
  if (split < 0) return message;
  let end = split + 4;
  for (let i = 0; i < lines && end < message.length; i++) {
    const lf = message.indexOf(0x0a, end);
    end = lf < 0 ? message.length : lf + 1;
  }
  if (!extraBlankLine || lines === 0) return message.subarray(0, end);
  return Buffer.concat([message.subarray(0, split + 4), Buffer.from('\r\n'), message.subarray(split + 4, end)]);
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = DELETE_SETTLE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('interop matrix: protocol', { concurrency: true, timeout: 170_000 }, () => {
  after(() => {
    report.write('interop-matrix');
  });

  for (const server of cases) {
    report.describe(server.title, {}); // rows in a fixed order
    describe(server.title, { concurrency: 1 }, () => {
      const alice = server.userName('alice');
      const bob = server.userName('bob');
      const aliceMail = mailFor();
      const bobMail = mailFor();
      let running: RunningServer;

      const plain = (): ConnectOptions => ({ host: '127.0.0.1', port: running.port, security: 'none' });
      const loggedIn = async (user: string, options: Partial<ConnectOptions> = {}): Promise<Pop3Client> => {
        const client = await connectPop3({ ...plain(), ...options });
        await client.login({ username: user, password: PASSWORD, mechanism: 'user', allowInsecure: true });
        return client;
      };
      const scenario = (name: string, work: () => Promise<'n/a' | void>) =>
        it(name, () => report.scenario(server.title, name, work));

      before(async () => {
        try {
          running = await server.start({
            users: [
              { name: alice, password: PASSWORD, messages: aliceMail },
              { name: bob, password: PASSWORD, messages: bobMail },
            ],
          });
          report.describe(server.title, { version: running.version });
        } catch (error) {
          report.record(server.title, 'start', 'fail');
          throw error;
        }
        report.record(server.title, 'start', 'pass');
      });

      after(async () => {
        await running?.stop();
      });

      scenario('CAPA', async () => {
        const client = await connectPop3(plain());
        assert.equal(client.capaKnown, running.supports.capa, 'CAPA answered exactly when the harness says so');
        const caps = client.capabilities;
        const shown = caps.names.map((name) =>
          name === 'SASL' ? `SASL ${caps.sasl.join(' ')}` : name === 'LOGIN-DELAY' ? `LOGIN-DELAY ${String(caps.loginDelaySeconds)}` : name,
        );
        report.describe(server.title, { capa: client.capaKnown ? shown.join(' ') : '(-ERR: RFC 1939 only)' });
        assert.equal(client.capabilities.stls, running.supports.stls);
        await client.quit();
      });

      scenario('USER/PASS', async () => {
        const client = await connectPop3(plain());
        assert.equal(await client.login({ username: alice, password: PASSWORD, mechanism: 'user', allowInsecure: true }), 'user');
        assert.equal((await client.stat()).count, aliceMail.length);
        report.mechanism(server.title, 'USER/PASS');
        await client.quit();
      });

      scenario('APOP', async () => {
        const client = await connectPop3(plain());
        assert.equal(client.apopTimestamp !== undefined, running.supports.apop, `greeting: ${client.greeting}`);
        if (client.apopTimestamp === undefined) {
          client.close();
          return 'n/a';
        }
        assert.equal(await client.login({ username: alice, password: PASSWORD, mechanism: 'apop', allowInsecure: true }), 'apop');
        assert.equal((await client.stat()).count, aliceMail.length);
        report.mechanism(server.title, 'APOP');
        await client.quit();
      });

      scenario('SASL PLAIN', async () => {
        // Offered on the plain port by some servers, only after STLS by others.
        let client = await connectPop3(plain());
        if (!client.capabilities.sasl.includes('PLAIN') && running.supports.stls) {
          client.close();
          client = await connectPop3({ ...plain(), security: 'starttls', trust: { ca: running.certPem } });
        }
        if (!client.capabilities.sasl.includes('PLAIN')) {
          assert.equal(running.supports.saslPlain, false);
          client.close();
          return 'n/a';
        }
        assert.equal(await client.login({ username: alice, password: PASSWORD, mechanism: 'sasl-plain', allowInsecure: true }), 'sasl-plain');
        assert.equal((await client.stat()).count, aliceMail.length);
        report.mechanism(server.title, 'SASL PLAIN');
        await client.quit();
      });

      scenario('STLS', async () => {
        if (!running.supports.stls) {
          await assert.rejects(connectPop3({ ...plain(), security: 'starttls', trust: { ca: 'x' } }), { code: 'TLS_FAILED' });
          return 'n/a';
        }
        const client = await connectPop3({ ...plain(), security: 'starttls', trust: { ca: running.certPem } });
        assert.equal(client.secure, true);
        assert.equal(client.capabilities.stls, false, 'STLS is not offered again after the upgrade');
        const mechanism = await client.login({ username: alice, password: PASSWORD });
        assert.equal((await client.stat()).count, aliceMail.length);
        report.mechanism(server.title, `STLS+${mechanism}`);
        await client.quit();
      });

      scenario('implicit TLS (pinned)', async () => {
        if (running.tlsPort === undefined) return 'n/a';
        assert.ok(running.certFingerprint256 !== undefined);
        const client = await connectPop3({
          host: '127.0.0.1',
          port: running.tlsPort,
          security: 'tls',
          trust: { fingerprint256: running.certFingerprint256 },
        });
        await client.login({ username: alice, password: PASSWORD });
        assert.equal((await client.stat()).count, aliceMail.length);
        await client.quit();
      });

      scenario('STAT/LIST/UIDL', async () => {
        const client = await loggedIn(alice);
        const stat = await client.stat();
        const list = await client.list();
        assert.equal(stat.count, aliceMail.length);
        assert.deepEqual(list.map((e) => e.number), aliceMail.map((_, i) => i + 1));
        assert.equal(list.reduce((sum, e) => sum + e.size, 0), stat.size);
        assert.deepEqual(await client.list(2), list[1]);
        if (client.capaKnown && !client.capabilities.uidl) {
          await client.quit();
          return;
        }
        const uidl = await client.uidl();
        assert.equal(uidl.length, aliceMail.length);
        assert.ok(uidl.every((e) => e.valid), 'every UID is usable');
        assert.equal(new Set(uidl.map((e) => e.uid)).size, uidl.length);
        assert.deepEqual(await client.uidl(1), uidl[0]);
        await client.quit();
      });

      scenario('TOP n 0 / TOP n 3', async () => {
        const client = await loggedIn(alice);
        if (client.capaKnown && !client.capabilities.top) {
          await client.quit();
          return 'n/a';
        }
        for (let n = 1; n <= aliceMail.length; n++) {
          const expected = running.expectedRetr(alice, n);
          assert.ok((await bytesOf(await client.top(n, 0))).equals(topOfExpected(expected, 0)), `TOP ${n} 0`);
          assert.ok((await bytesOf(await client.top(n, 3))).equals(topOfExpected(expected, 3, server.extraBlankLineInTop)), `TOP ${n} 3`);
        }
        await client.quit();
      });

      scenario('RETR byte-exact', async () => {
        const client = await loggedIn(alice);
        await client.list();
        for (let n = 1; n <= aliceMail.length; n++) {
          const body = await bytesOf(await client.retr(n));
          const expected = running.expectedRetr(alice, n);
          assert.ok(body.equals(expected), `message ${n}: ${JSON.stringify(body.toString('latin1').slice(0, 200))}`);
        }
        await client.quit();
      });

      scenario('PIPELINING', async () => {
        const client = await loggedIn(alice);
        assert.equal(client.pipelining, client.capabilities.pipelining, 'pipelines exactly when advertised');
        // The same batch either way: queued at once, written ahead only when advertised.
        const useTop = !(client.capaKnown && !client.capabilities.top);
        const numbers = aliceMail.map((_, i) => i + 1);
        if (useTop) {
          const results = await client.topMany(numbers, 0);
          results.forEach((result, i) =>
            assert.ok(result.data?.equals(topOfExpected(running.expectedRetr(alice, i + 1), 0)), `TOP ${i + 1} 0 in a batch`),
          );
        } else {
          const sizes = await Promise.all(numbers.map((n) => client.list(n)));
          assert.deepEqual(sizes.map((s) => s.number), numbers);
        }
        const pipelined = client.pipelining;
        await client.quit();
        return pipelined ? undefined : 'n/a';
      });

      scenario('DELE+RSET keeps', async () => {
        const client = await loggedIn(bob);
        await client.dele(1);
        await client.dele(2);
        assert.equal((await client.stat()).count, bobMail.length - 2);
        await client.rset();
        assert.equal((await client.stat()).count, bobMail.length);
        await client.quit();
        await client.whenClosed();
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(await running.storedCount(bob), bobMail.length);
      });

      scenario('DELE+close forgets', async () => {
        const client = await loggedIn(bob);
        await client.dele(1);
        client.close();
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(await running.storedCount(bob), bobMail.length);
      });

      scenario('DELE+QUIT removes', async () => {
        const secondBefore = running.expectedRetr(bob, 2);
        const client = await loggedIn(bob);
        await client.dele(1);
        await client.quit();
        await waitFor('the deletion on disk', async () => (await running.storedCount(bob)) === bobMail.length - 1);
        const again = await loggedIn(bob);
        assert.equal((await again.stat()).count, bobMail.length - 1);
        const first = await bytesOf(await again.retr(1));
        assert.ok(first.equals(running.expectedRetr(bob, 1)));
        // What was message 2 is message 1 now (same body; servers may rewrite bookkeeping headers).
        const bodyOf = (m: Buffer) => m.subarray(m.indexOf('\r\n\r\n'));
        assert.ok(bodyOf(first).equals(bodyOf(secondBefore)));
        await again.quit();
      });
    });
  }
});
