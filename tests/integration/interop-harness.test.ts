/**
 * Proves the harnesses for real POP3 servers other than Dovecot (GNU Mailutils
 * pop3d, popa3d, Courier, Cyrus): each starts, greets, advertises exactly the CAPA recorded
 * here, logs in, serves every message byte for byte as its `expectedRetr`
 * says, takes deliveries and deletions, and leaves nothing behind on stop()
 * (no processes, no system users, no spool files). Talks raw POP3 over
 * net/tls sockets, deliberately not our client. Needs root; fails, never
 * skips, when a server cannot run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';

import { sampleMaildrop, smallMessages } from '../support/maildrop';
import { Wire } from '../support/raw-pop3-wire';
import { PACKAGE_CACHE_DIR, testUserName } from '../support/servers/common';
import { startCourier } from '../support/servers/courier';
import { startCyrus } from '../support/servers/cyrus';
import { startMailutils } from '../support/servers/mailutils';
import { startPopa3d } from '../support/servers/popa3d';
import type { RunningServer, StartOptions } from '../support/servers/types';

async function login(server: RunningServer, user: string, password: string, options: { utf8?: boolean } = {}): Promise<Wire> {
  const wire = await Wire.connect(server.port);
  assert.match(await wire.line(), /^\+OK/);
  if (options.utf8 === true) assert.match(await wire.command('UTF8'), /^\+OK/);
  assert.match(await wire.command(`USER ${user}`), /^\+OK/);
  assert.match(await wire.command(`PASS ${password}`), /^\+OK/);
  return wire;
}

// ---------------------------------------------------------------------------
// What is left of a stopped server

interface ProcessInfo {
  pid: number;
  ppid: number;
  uid: number;
  cmdline: string;
}

function processes(): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'latin1');
      if (/^State:\s+Z/m.test(status)) continue;
      found.push({
        pid: Number(entry),
        ppid: Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]),
        uid: Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]),
        cmdline: readFileSync(`/proc/${entry}/cmdline`, 'latin1').replace(/\0/g, ' ').trim(),
      });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/**
 * Whether `process` was started (directly or not) by this test process. The package-path markers of
 * popa3d and Courier are the same for every copy of them on the machine, and other test runs on it
 * may have theirs running at this very moment: those are not ours to find.
 */
function startedByUs(candidate: ProcessInfo, all: ReadonlyMap<number, ProcessInfo>): boolean {
  for (let current: ProcessInfo | undefined = candidate, hops = 0; current && hops < 64; current = all.get(current.ppid), hops++) {
    if (current.ppid === process.pid) return true;
  }
  return false;
}

function uidOf(name: string): number | undefined {
  const result = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.split(':')[2]) : undefined;
}

function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

// ---------------------------------------------------------------------------
// Test mail

/** Traps for mbox servers: From_ quoting, dots, header whitespace, 8-bit, a bare CR. */
const trickyMessage = Buffer.concat([
  Buffer.from(
    'From: Tricky Sender <tricky@example.com>\n' +
      'To: tester@postern.test\n' +
      'Subject:  two spaces after the colon\n' +
      'X-Tab:\tvalue after a tab\n' +
      'X-Empty:\n' +
      'X-Space-Before-Colon : value\n' +
      'X-Folded: first part\n' +
      '\tsecond part\n' +
      '  third part\n' +
      'Message-ID: <tricky@postern.test>\n' +
      'Date: Mon, 04 Mar 2024 09:15:00 +0000\n' +
      '\n' +
      'From the start of a line\n' +
      '>From already quoted\n' +
      '>>From quoted twice\n' +
      '>Fromage is no separator\n' +
      '.\n' +
      '..\n' +
      '.leading dot\n' +
      'a CR before the LF here\r\n' +
      '8-bit: caf',
    'latin1',
  ),
  Buffer.from([0xc3, 0xa9, 0x20, 0xff, 0xfe, 0x0a]),
  Buffer.from('the body ends with an empty line\n\n', 'latin1'),
]);

const emptyBodyMessage = Buffer.from(
  'From: empty@example.com\nSubject: no body at all\nMessage-ID: <empty@postern.test>\nDate: Mon, 04 Mar 2024 10:00:00 +0000\n\n',
  'latin1',
);

const deliveredMessage = Buffer.from(
  'From: late@example.com\nSubject: delivered while running\nMessage-ID: <late@postern.test>\nDate: Tue, 05 Mar 2024 08:00:00 +0000\n\nFrom now on.\n',
  'latin1',
);

// ---------------------------------------------------------------------------
// The cases

interface HarnessCase {
  title: string;
  start(options: StartOptions): Promise<RunningServer>;
  version: RegExp;
  greeting: RegExp;
  /** Exact CAPA lines on the plain port before login; undefined: CAPA answers -ERR. */
  capa?: string[];
  /** Exact CAPA lines after STLS. */
  capaOverTls?: string[];
  /** Exact CAPA lines on the implicit-TLS port. */
  capaImplicitTls?: string[];
  /** A marker only a process of this server has in its command line. */
  processMarker: string;
  /** Test users are system accounts (their processes run under their uid). */
  systemUsers: boolean;
  /** Replaces build-specific parts of a CAPA line before comparing. */
  normaliseCapa?: (line: string) => string;
  /** The spool file of a user, when it lives outside the harness's own directory. */
  spoolFile?: (user: string) => string;
  /** What logText() records of a USER/PASS login by `user`. */
  loginLogged: (user: string) => RegExp;
  /** logText() records commands (with PASS masked). */
  logsCommands: boolean;
  /**
   * Serves a message whose header has 8-bit bytes as-is only after the RFC 6856
   * `UTF8` command; otherwise wraps it (Courier). The RETR test then says UTF8 first.
   */
  wrapsEightBitHeaders?: boolean;
}

/** Whether a message's header (up to the first empty line) has a byte >= 0x80. */
function hasEightBitHeader(message: Buffer): boolean {
  const end = message.indexOf('\n\n');
  return message.subarray(0, end < 0 ? message.length : end).some((byte) => byte >= 0x80);
}

const MAILUTILS_CAPA = ['TOP', 'UIDL', 'RESP-CODES', 'PIPELINING', 'AUTH-RESP-CODE', 'EXPIRENEVER', 'USER'];

const COURIER_CAPA = ['SASL PLAIN LOGIN', 'STLS', 'TOP', 'USER', 'LOGIN-DELAY 10', 'PIPELINING', 'UIDL', 'UTF8 USER', 'IMPLEMENTATION Courier Mail Server'];
const COURIER_CAPA_TLS = COURIER_CAPA.filter((capability) => capability !== 'STLS');

const CYRUS_CAPA_TLS = [
  'SASL PLAIN LOGIN CRAM-MD5',
  'EXPIRE NEVER',
  'LOGIN-DELAY 0',
  'TOP',
  'UIDL',
  'PIPELINING',
  'RESP-CODES',
  'AUTH-RESP-CODE',
  'USER',
  'IMPLEMENTATION Cyrus POP3 <version>',
];
const CYRUS_CAPA = [...CYRUS_CAPA_TLS.slice(0, 1), 'STLS', ...CYRUS_CAPA_TLS.slice(1)];

const cases: HarnessCase[] = [
  {
    title: 'GNU Mailutils pop3d',
    start: startMailutils,
    version: /^3\.\d+/,
    greeting: /^\+OK POP3 Ready <\d+\.\d+@[^>]+>$/,
    capa: [...MAILUTILS_CAPA, 'STLS'],
    capaOverTls: MAILUTILS_CAPA,
    capaImplicitTls: MAILUTILS_CAPA,
    processMarker: `--config-file=/tmp/postern-mailutils-${process.pid}-`,
    systemUsers: true,
    loginLogged: (user) => new RegExp(`C: USER ${user}\\b`),
    logsCommands: true,
  },
  {
    title: 'popa3d',
    start: startPopa3d,
    version: /^1\.\d+/,
    greeting: /^\+OK$/,
    processMarker: `${PACKAGE_CACHE_DIR}/popa3d/usr/sbin/popa3d`,
    systemUsers: true,
    spoolFile: (user) => `/var/mail/${user}`,
    loginLogged: (user) => new RegExp(`C: USER ${user}\\b`),
    logsCommands: true,
  },
  {
    title: 'Courier',
    start: startCourier,
    version: /^1\.\d+/,
    greeting: /^\+OK Hello there\.$/,
    capa: COURIER_CAPA,
    capaOverTls: COURIER_CAPA_TLS,
    // couriertls does not tell courierpop3login it is already encrypted: STLS stays advertised.
    capaImplicitTls: COURIER_CAPA,
    processMarker: `${PACKAGE_CACHE_DIR}/courier-pop/`,
    systemUsers: true,
    loginLogged: (user) => new RegExp(`INFO: LOGIN, user=${user}, ip=`),
    logsCommands: false,
    wrapsEightBitHeaders: true,
  },
  {
    title: 'Cyrus',
    start: startCyrus,
    version: /^3\.\d+/,
    greeting: /^\+OK localhost Cyrus POP3 3\.\S+ server ready <\d+\.\d+@localhost>$/,
    capa: CYRUS_CAPA,
    capaOverTls: CYRUS_CAPA_TLS,
    capaImplicitTls: CYRUS_CAPA_TLS,
    normaliseCapa: (line) => line.replace(/^IMPLEMENTATION Cyrus POP3 \S+$/, 'IMPLEMENTATION Cyrus POP3 <version>'),
    processMarker: `/tmp/postern-cyrus-${process.pid}-`,
    systemUsers: false,
    loginLogged: (user) => new RegExp(`^-{10} ${user} `, 'm'),
    logsCommands: false,
  },
];

describe('interop harnesses', { concurrency: true, timeout: 180_000 }, () => {
  for (const harness of cases) {
    describe(harness.title, { concurrency: 1 }, () => {
      const alice = testUserName('alice');
      const bob = testUserName('bob');
      const aliceMail = [...sampleMaildrop({ big: false }).map((m) => m.raw), trickyMessage, emptyBodyMessage];
      const bobMail = smallMessages(3).map((m) => m.raw);
      const users = [
        { name: alice, password: 'alice-Secret.1', messages: aliceMail },
        { name: bob, password: 'bob-Secret.2', messages: bobMail },
      ];
      const normalise = harness.normaliseCapa ?? ((line: string): string => line);
      let server: RunningServer;

      before(async () => {
        server = await harness.start({ users });
      });

      after(async () => {
        await server?.stop();
      });

      it('reports its version and greets', async (t) => {
        assert.match(server.version, harness.version);
        const wire = await Wire.connect(server.port);
        const greeting = await wire.line();
        t.diagnostic(`${server.name} ${server.version} greeting: ${greeting}`);
        assert.match(greeting, harness.greeting);
        assert.match(await wire.command('QUIT'), /^\+OK/);
        wire.close();
      });

      it('advertises exactly the recorded CAPA', async (t) => {
        const wire = await Wire.connect(server.port);
        await wire.line();
        const status = await wire.command('CAPA');
        if (harness.capa === undefined) {
          assert.equal(status, '-ERR');
          assert.equal(server.supports.capa, false);
        } else {
          assert.match(status, /^\+OK/);
          const capa = await wire.multilineText();
          t.diagnostic(`CAPA: ${capa.join(' | ')}`);
          assert.deepEqual(capa.map(normalise), harness.capa);
          assert.equal(server.supports.stls, capa.includes('STLS'));
        }
        wire.close();
      });

      it('USER/PASS, STAT and RETR serve every message as expectedRetr says', async (t) => {
        assert.equal(await server.storedCount(alice), aliceMail.length);
        const wire = await login(server, alice, 'alice-Secret.1', { utf8: harness.wrapsEightBitHeaders });
        const stat = /^\+OK (\d+) (\d+)/.exec(await wire.command('STAT'));
        assert.equal(Number(stat?.[1]), aliceMail.length);
        const sizes: string[] = [];
        for (let n = 1; n <= aliceMail.length; n++) {
          assert.match(await wire.command(`RETR ${n}`), /^\+OK/);
          const body = await wire.multiline();
          const expected = server.expectedRetr(alice, n);
          assert.ok(
            body.equals(expected),
            `message ${n}: got ${JSON.stringify(body.toString('latin1').slice(0, 400))}\nexpected ${JSON.stringify(expected.toString('latin1').slice(0, 400))}`,
          );
          const listed = /^\+OK \d+ (\d+)/.exec(await wire.command(`LIST ${n}`))?.[1];
          sizes.push(`${n}:${listed ?? '?'}/${expected.length}`);
        }
        t.diagnostic(`LIST size / RETR octets: ${sizes.join(' ')}`);
        assert.match(await wire.command('UIDL'), /^\+OK/);
        const uidls = (await wire.multilineText()).map((line) => line.split(' ')[1]);
        t.diagnostic(`UIDLs: ${uidls.join(' ')}`);
        assert.equal(uidls.length, aliceMail.length);
        assert.match(await wire.command('QUIT'), /^\+OK/);
        wire.close();
        // A session that only read leaves the served form unchanged.
        for (let n = 1; n <= aliceMail.length; n++) assert.ok(server.expectedRetr(alice, n).length > 0);
        assert.equal(await server.storedCount(alice), aliceMail.length);
      });

      it('without UTF8, messages with 8-bit header bytes are served as-is or wrapped as recorded', async (t) => {
        const wire = await login(server, alice, 'alice-Secret.1');
        const eightBit = aliceMail.flatMap((message, index) => (hasEightBitHeader(message) ? [index + 1] : []));
        assert.ok(eightBit.length > 0, 'the sample has messages with 8-bit headers');
        for (const n of eightBit) {
          const status = await wire.command(`RETR ${n}`);
          const body = await wire.multiline();
          const expected = server.expectedRetr(alice, n);
          if (harness.wrapsEightBitHeaders !== true) {
            assert.ok(body.equals(expected), `message ${n}`);
            continue;
          }
          // Courier: a "Cannot display Unicode content" multipart whose boundary holds pid and
          // time, the original as its message/global part; the octet count in +OK is not the size.
          t.diagnostic(`message ${n}: ${status}, ${body.length} octets served`);
          const text = body.toString('latin1');
          assert.match(text, /^From: Mail Delivery Subsystem <postmaster>\r\nSubject: Cannot display Unicode content\r\n/);
          const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
          assert.ok(boundary !== undefined);
          const part = `--${boundary}\r\nContent-Type: message/global\r\n\r\n`;
          const start = text.indexOf(part);
          assert.ok(start > 0);
          assert.equal(text.slice(start + part.length), `${expected.toString('latin1')}\r\n--${boundary}--\r\n`);
        }
        assert.match(await wire.command('QUIT'), /^\+OK/);
        wire.close();
      });

      it('refuses a wrong password with -ERR', async (t) => {
        const started = Date.now();
        const wire = await Wire.connect(server.port);
        await wire.line();
        assert.match(await wire.command(`USER ${bob}`), /^\+OK/);
        const reply = await wire.command('PASS wrong-password');
        t.diagnostic(`wrong password: ${reply} after ${Date.now() - started} ms`);
        assert.match(reply, /^-ERR/);
        wire.close();
      });

      it('APOP works exactly when supported', async () => {
        const wire = await Wire.connect(server.port);
        const timestamp = /<[^>]+>/.exec(await wire.line())?.[0];
        assert.equal(timestamp !== undefined, server.supports.apop);
        if (timestamp !== undefined) {
          const digest = createHash('md5').update(`${timestamp}bob-Secret.2`).digest('hex');
          assert.match(await wire.command(`APOP ${bob} ${digest}`), /^\+OK/);
          assert.match(await wire.command('STAT'), new RegExp(`^\\+OK ${bobMail.length} `));
        }
        wire.close();
      });

      it('STLS and implicit TLS use the generated certificate', async (t) => {
        if (!server.supports.stls) {
          assert.equal(server.certPem, undefined);
          return;
        }
        const ca = server.certPem;
        assert.ok(ca !== undefined && server.tlsPort !== undefined);
        const plain = await Wire.connect(server.port);
        await plain.line();
        assert.match(await plain.command('STLS'), /^\+OK/);
        const wire = await plain.startTls(ca);
        const socket = wire.socket as tls.TLSSocket;
        assert.equal(socket.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase(), server.certFingerprint256);
        assert.match(await wire.command('CAPA'), /^\+OK/);
        const capa = await wire.multilineText();
        t.diagnostic(`CAPA after STLS: ${capa.join(' | ')}`);
        assert.deepEqual(capa.map(normalise), harness.capaOverTls);
        assert.match(await wire.command(`USER ${bob}`), /^\+OK/);
        assert.match(await wire.command('PASS bob-Secret.2'), /^\+OK/);
        assert.match(await wire.command('STAT'), new RegExp(`^\\+OK ${bobMail.length} `));
        wire.close();

        const implicit = await Wire.connectTls(server.tlsPort, ca);
        assert.match(await implicit.line(), harness.greeting);
        assert.match(await implicit.command('CAPA'), /^\+OK/);
        const implicitCapa = await implicit.multilineText();
        t.diagnostic(`CAPA on the implicit-TLS port: ${implicitCapa.join(' | ')}`);
        assert.deepEqual(implicitCapa.map(normalise), harness.capaImplicitTls);
        implicit.close();
      });

      it('allows a second concurrent login without lockSession', async () => {
        const first = await login(server, bob, 'bob-Secret.2');
        const second = await login(server, bob, 'bob-Secret.2');
        assert.match(await second.command('QUIT'), /^\+OK/);
        assert.match(await first.command('QUIT'), /^\+OK/);
        first.close();
        second.close();
      });

      it('deliver() appears in the next session, byte for byte', async () => {
        await server.deliver(bob, deliveredMessage);
        assert.equal(await server.storedCount(bob), bobMail.length + 1);
        const wire = await login(server, bob, 'bob-Secret.2');
        assert.match(await wire.command('STAT'), new RegExp(`^\\+OK ${bobMail.length + 1} `));
        assert.match(await wire.command(`RETR ${bobMail.length + 1}`), /^\+OK/);
        assert.ok((await wire.multiline()).equals(server.expectedRetr(bob, bobMail.length + 1)));
        await wire.command('QUIT');
        wire.close();
      });

      it('DELE + QUIT removes from disk and expectedRetr follows the renumbering', async () => {
        let wire = await login(server, bob, 'bob-Secret.2');
        assert.match(await wire.command('DELE 1'), /^\+OK/);
        // Courier answers QUIT before it removes the files: wait for its close.
        assert.match(await wire.quit(), /^\+OK/);
        assert.equal(await server.storedCount(bob), bobMail.length);
        wire = await login(server, bob, 'bob-Secret.2');
        assert.match(await wire.command('STAT'), new RegExp(`^\\+OK ${bobMail.length} `));
        for (let n = 1; n <= bobMail.length; n++) {
          assert.match(await wire.command(`RETR ${n}`), /^\+OK/);
          assert.ok((await wire.multiline()).equals(server.expectedRetr(bob, n)), `message ${n} after DELE`);
        }
        await wire.command('QUIT');
        wire.close();
      });

      it('logText records logins, without passwords', async () => {
        const log = await server.logText();
        assert.match(log, harness.loginLogged(alice));
        if (harness.logsCommands) assert.match(log, /C: PASS \*\*\*/);
        assert.doesNotMatch(log, /alice-Secret/);
      });

      it('stop() leaves no process, user or spool file behind', async () => {
        const uids = harness.systemUsers ? [uidOf(alice), uidOf(bob)] : [];
        assert.ok(uids.every((uid) => uid !== undefined));
        // Ours: a process of this server that this test process started, or one running as our test users
        // (a session whose daemon is gone is re-parented, but keeps its user).
        const ownProcesses = (): ProcessInfo[] => {
          const all = processes();
          const byPid = new Map(all.map((p) => [p.pid, p]));
          return all.filter((p) => (p.cmdline.includes(harness.processMarker) && startedByUs(p, byPid)) || uids.includes(p.uid));
        };
        // A session still open at stop() must not survive it.
        const open = await login(server, alice, 'alice-Secret.1');
        assert.ok(ownProcesses().length > 0, 'the server runs before stop()');
        await server.stop();
        open.close();
        // Exits are asynchronous: wait for them, with a bound generous enough for a loaded machine.
        const deadline = Date.now() + 20_000;
        while (Date.now() < deadline && ownProcesses().length > 0) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(ownProcesses(), []);
        assert.equal(uidOf(alice), undefined);
        assert.equal(uidOf(bob), undefined);
        assert.ok(await portRefuses(server.port));
        if (server.tlsPort !== undefined) assert.ok(await portRefuses(server.tlsPort));
        if (harness.spoolFile !== undefined) {
          assert.equal(existsSync(harness.spoolFile(alice)), false);
          assert.equal(existsSync(harness.spoolFile(bob)), false);
        }
        await server.stop(); // idempotent
      });
    });
  }

  describe('GNU Mailutils pop3d with lockSession', { concurrency: 1 }, () => {
    const carol = testUserName('carol');
    let server: RunningServer;

    before(async () => {
      server = await startMailutils({
        users: [{ name: carol, password: 'carol-Secret.3', messages: smallMessages(1).map((m) => m.raw) }],
        lockSession: true,
      });
    });

    after(async () => {
      await server?.stop();
    });

    it('answers a second login with -ERR [IN-USE] while the first holds the lock', async () => {
      const first = await login(server, carol, 'carol-Secret.3');
      const second = await Wire.connect(server.port);
      await second.line();
      assert.match(await second.command(`USER ${carol}`), /^\+OK/);
      assert.equal(await second.command('PASS carol-Secret.3'), '-ERR [IN-USE] Mailbox in use');
      second.close();
      assert.match(await first.command('QUIT'), /^\+OK/);
      first.close();
      const third = await login(server, carol, 'carol-Secret.3');
      assert.match(await third.command('QUIT'), /^\+OK/);
      third.close();
    });
  });

  describe('servers without a session lock refuse lockSession', () => {
    for (const start of [startPopa3d, startCourier, startCyrus]) {
      it(`${start.name} throws`, async () => {
        await assert.rejects(
          start({ users: [{ name: testUserName('dave'), password: 'dave-Secret.4', messages: [] }], lockSession: true }),
          /no session lock/,
        );
      });
    }
  });
});
