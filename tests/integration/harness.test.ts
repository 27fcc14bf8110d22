/**
 * Proves the test harness itself: a private Dovecot starts, serves the sample
 * maildrop byte-exactly in order, speaks STLS and implicit TLS with the
 * generated certificate, and goes away on stop(). Talks raw POP3 over
 * net/tls sockets (deliberately not our client). Fails, never skips, when
 * Dovecot is missing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { sampleMaildrop, smallMessages } from '../support/maildrop';
import { startProxy } from '../support/pop3-proxy';
import { Wire } from '../support/raw-pop3-wire';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';

async function login(server: DovecotServer, user: string, password: string): Promise<Wire> {
  const wire = await Wire.connect(server.port);
  assert.match(await wire.line(), /^\+OK /);
  assert.match(await wire.command(`USER ${user}`), /^\+OK/);
  assert.match(await wire.command(`PASS ${password}`), /^\+OK/);
  return wire;
}

function tlsFingerprint(socket: tls.TLSSocket): string {
  return socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase();
}

// The two suites run side by side (the [IN-USE] check waits 10 s); tests inside each run in order.
describe('Dovecot test harness', { concurrency: true, timeout: 180_000 }, () => {
  describe('a running Dovecot', { concurrency: 1 }, () => {
    const sample = sampleMaildrop({ big: false });
    const bobMail = smallMessages(5);
    let server: DovecotServer;

    before(async () => {
      server = await startDovecot({
        users: [
          { name: 'alice', password: 'alice-secret', messages: sample.map((m) => m.raw) },
          { name: 'bob', password: 'bob-secret', messages: bobMail.map((m) => m.raw) },
        ],
      });
    });

    after(async () => {
      await server?.stop();
    });

    it('greets with +OK and an APOP timestamp, and answers CAPA', async () => {
      const wire = await Wire.connect(server.port);
      assert.match(await wire.line(), /^\+OK .*<[^>]+@[^>]+>$/);
      assert.equal(await wire.command('CAPA'), '+OK');
      const capa = await wire.multilineText();
      for (const capability of ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'STLS', 'USER']) assert.ok(capa.includes(capability), `CAPA lacks ${capability}: ${capa.join(', ')}`);
      assert.ok(capa.some((c) => /^SASL .*\bPLAIN\b/.test(c)), 'SASL PLAIN advertised');
      wire.close();
      assert.match(server.version, /^2\.\d+\.\d+/);
      assert.equal(await server.storedCount('alice'), sample.length);
    });

    it('USER/PASS login; STAT matches the maildrop in count and CRLF octets', async () => {
      const wire = await login(server, 'alice', 'alice-secret');
      const octets = sample.reduce((sum, _m, i) => sum + server.expectedRetr('alice', i + 1).length, 0);
      assert.equal(await wire.command('STAT'), `+OK ${sample.length} ${octets}`);
      assert.equal(await wire.command('QUIT'), '+OK Logging out.');
      wire.close();
    });

    it('RETR returns every message byte for byte, in delivery order', async () => {
      const wire = await login(server, 'alice', 'alice-secret');
      for (let n = 1; n <= sample.length; n++) {
        assert.match(await wire.command(`RETR ${n}`), /^\+OK/);
        const body = await wire.multiline();
        const expected = server.expectedRetr('alice', n);
        assert.ok(body.equals(expected), `message ${n} (${sample[n - 1]?.name}) differs: got ${body.length} bytes, expected ${expected.length}`);
      }
      // UIDLs are the stable Maildir base names, in order.
      assert.equal(await wire.command('UIDL'), '+OK');
      const uidls = await wire.multilineText();
      assert.deepEqual(uidls, sample.map((_m, i) => `${i + 1} ${1_700_000_001 + i}.M${i + 1}P1Q${i + 1}.postern`));
      await wire.command('QUIT');
      wire.close();
    });

    it('APOP logs in with the greeting timestamp', async () => {
      const wire = await Wire.connect(server.port);
      const greeting = await wire.line();
      const timestamp = /<[^>]+>/.exec(greeting)?.[0];
      assert.ok(timestamp, greeting);
      const digest = createHash('md5').update(`${timestamp}bob-secret`).digest('hex');
      assert.match(await wire.command(`APOP bob ${digest}`), /^\+OK/);
      assert.equal(await wire.command('STAT').then((s) => s.split(' ')[1]), String(bobMail.length));
      wire.close();
    });

    it('a wrong password fails fast with [AUTH] (no 2 s delay, no growing penalty)', async () => {
      // Dovecot's failure delay holds every refusal at least 2 s: a load spike can make one attempt
      // slow, never one fast. So the quickest of three, not each one, must beat the delay.
      const took: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const started = Date.now();
        const wire = await Wire.connect(server.port);
        await wire.line();
        await wire.command('USER alice');
        assert.match(await wire.command('PASS wrong'), /^-ERR \[AUTH\]/);
        took.push(Date.now() - started);
        wire.close();
      }
      assert.ok(Math.min(...took) < 2_000, `attempts took ${took.join(', ')} ms`);
    });

    it('STLS upgrades to TLS verified by the generated certificate', async () => {
      const wire = await Wire.connect(server.port);
      await wire.line();
      assert.match(await wire.command('STLS'), /^\+OK/);
      const inner = await wire.startTls(server.certPem!);
      const secure = inner.socket as tls.TLSSocket;
      assert.equal(secure.authorized, true);
      assert.equal(tlsFingerprint(secure), server.certFingerprint256);
      assert.equal(await inner.command('CAPA'), '+OK');
      assert.ok(!(await inner.multilineText()).includes('STLS'), 'no STLS after STLS');
      const plain = Buffer.from('\0alice\0alice-secret').toString('base64');
      assert.match(await inner.command(`AUTH PLAIN ${plain}`), /^\+OK/);
      assert.match(await inner.command('RETR 1'), /^\+OK/);
      assert.ok((await inner.multiline()).equals(server.expectedRetr('alice', 1)));
      inner.close();
    });

    it('the implicit TLS port answers +OK (certificate valid for IP 127.0.0.1)', async () => {
      assert.ok(server.tlsPort);
      const secure = tls.connect({ host: '127.0.0.1', port: server.tlsPort, ca: server.certPem });
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', resolve);
        secure.once('error', reject);
      });
      assert.equal(tlsFingerprint(secure), server.certFingerprint256);
      const wire = new Wire(secure);
      assert.match(await wire.line(), /^\+OK /);
      wire.close();
    });

    it('deliver() adds a message that the next session sees', async () => {
      const extra = smallMessages(1, { seed: 99 })[0];
      assert.ok(extra);
      await server.deliver('bob', extra.raw);
      assert.equal(await server.storedCount('bob'), bobMail.length + 1);
      const wire = await login(server, 'bob', 'bob-secret');
      const count = bobMail.length + 1;
      assert.match(await wire.command('STAT'), new RegExp(`^\\+OK ${count} `));
      assert.match(await wire.command(`RETR ${count}`), /^\+OK/);
      assert.ok((await wire.multiline()).equals(server.expectedRetr('bob', count)));
      await wire.command('QUIT');
      wire.close();
    });

    it('logText() has the logins and the commands sent after login', async () => {
      let log = '';
      // Dovecot writes its log asynchronously: wait for the line (a generous bound, not a pause).
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !/pop3\(bob\)<\d+> C: RETR 6/.test(log)) {
        log = await server.logText();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(log, /Login: user=<alice>, method=PLAIN/);
      assert.match(log, /pop3\(alice\)<\d+> C: RETR 1/);
      assert.match(log, /pop3\(bob\)<\d+> C: RETR 6/);
      assert.doesNotMatch(log, /alice-secret/);
    });

    it('the proxy forwards with a delay and records what the client sent', async () => {
      const proxy = await startProxy({ targetPort: server.port, delayMs: 30 });
      try {
        const started = Date.now();
        const wire = await Wire.connect(proxy.port);
        assert.match(await wire.line(), /^\+OK/);
        assert.ok(Date.now() - started >= 25, 'greeting was delayed');
        await wire.command('USER alice');
        await wire.command('PASS alice-secret');
        // Pipelined commands arrive in order.
        wire.socket.write('LIST 1\r\nTOP 1 0\r\n');
        assert.match(await wire.line(), /^\+OK 1 \d+$/);
        assert.match(await wire.line(), /^\+OK/);
        await wire.multiline();
        assert.equal(await wire.command('QUIT'), '+OK Logging out.');
        wire.close();
        assert.equal(proxy.transcript(), 'USER alice\nPASS alice-secret\nLIST 1\nTOP 1 0\nQUIT');
        assert.deepEqual(proxy.connections().length, 1);
        assert.doesNotMatch(proxy.transcript(), /RETR/);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('options and lifecycle', { concurrency: 1 }, () => {
    it('lockSession: a second concurrent login gets -ERR [IN-USE]; stop() removes everything', async () => {
      const server = await startDovecot({ users: [{ name: 'carol', password: 'pw', messages: smallMessages(2).map((m) => m.raw) }], lockSession: true });
      try {
        const first = await login(server, 'carol', 'pw');
        const second = await Wire.connect(server.port);
        await second.line();
        await second.command('USER carol');
        // Dovecot waits for the session lock (a fixed 10 s dotlock timeout) before refusing.
        assert.match(await second.command('PASS pw', 40_000), /^-ERR \[IN-USE\]/);
        second.close();
        await first.command('QUIT');
        first.close();
      } finally {
        await server.stop();
      }
      assert.equal(existsSync(server.dir), false, 'temporary directory removed');
      assert.throws(() => process.kill(server.pid, 0), /ESRCH/, 'dovecot master is gone');
    });

    it('explains how to install Dovecot when the binary is missing', async () => {
      await assert.rejects(
        startDovecot({ users: [], dovecotBinary: '/nonexistent/sbin/dovecot' }),
        /apt-get install dovecot-pop3d/,
      );
    });
  });
});
