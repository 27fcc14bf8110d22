import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { Pop3Client, isPop3Error, type Pop3ClientOptions, type TranscriptEntry } from '../../../lib/pop3';
import {
  ALL_CHUNKINGS,
  ReplayPeer,
  describeChunking,
  dotStuff,
  type Chunking,
  type ReplayStep,
} from '../../support/fake-pop3-server';

/**
 * The client against recorded server transcripts, replayed by an in-memory
 * peer: whole, one byte per read, in random-size chunks (and, for a short
 * session, split at every single offset). Each test checks what the client
 * returned and that it wrote exactly the client side of the transcript.
 */

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function replay<T>(
  steps: ReplayStep[],
  chunking: Chunking,
  session: (client: Pop3Client) => Promise<T>,
  options: Pop3ClientOptions = { secure: true },
): Promise<T> {
  const peer = new ReplayPeer(steps, chunking);
  const client = await Pop3Client.open(peer, options);
  const result = await session(client);
  assert.equal(peer.mismatch, undefined);
  assert.equal(peer.writtenText(), ReplayPeer.expectedClientText(steps), 'the client wrote exactly the transcript');
  assert.ok(peer.finished, 'the whole transcript was played');
  return result;
}

const lf = (text: string) => text.replace(/\r\n/g, '\n');
const lfBytes = (bytes: Buffer) => Buffer.from(lf(bytes.toString('latin1')), 'latin1');

/** Server steps with bare LF line ends, as some servers (and proxies) send them. */
function withLfServer(steps: ReplayStep[]): ReplayStep[] {
  return steps.map((step) => ('server' in step ? { server: lfBytes(Buffer.from(step.server)) } : step));
}

// ---- fixtures --------------------------------------------------------------------

const MESSAGE_1 = Buffer.from(
  'Return-Path: <bob@example.org>\r\nFrom: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: Lunch?\r\n\r\nAre you free at noon?\r\n',
  'latin1',
);
const MESSAGE_2 = Buffer.concat([
  Buffer.from(
    'From: =?iso-8859-1?q?J=F6rg?= <j@example.de>\r\nSubject: Dots\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
    'latin1',
  ),
  Buffer.from('.leading dot\r\n.\r\n..\r\nGr\xfc\xdfe \xe9\xff\x80\r\n\r\n.\r\nlast line\r\n', 'latin1'),
]);
const HEADERS_1 = MESSAGE_1.subarray(0, MESSAGE_1.indexOf('\r\n\r\n') + 4);

const GREETING = '+OK Dovecot (Debian) ready. <4f2.1.6561a0b2.Q1sdf@mail.test>\r\n';
const DOVECOT_CAPA = '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n';

/** A whole session against a Dovecot-like server: every command once. */
const DOVECOT_SESSION: ReplayStep[] = [
  { server: GREETING },
  { client: 'CAPA\r\n' },
  { server: DOVECOT_CAPA },
  // PIPELINING is advertised: USER and PASS go out together.
  { client: 'USER alice\r\n' },
  { client: 'PASS correct horse\r\n' },
  { server: '+OK\r\n' },
  { server: '+OK Logged in.\r\n' },
  { client: 'STAT\r\n' },
  { server: `+OK 2 ${MESSAGE_1.length + MESSAGE_2.length}\r\n` },
  { client: 'LIST\r\n' },
  { server: `+OK 2 messages:\r\n1 ${MESSAGE_1.length}\r\n2 ${MESSAGE_2.length}\r\n.\r\n` },
  { client: 'LIST 2\r\n' },
  { server: `+OK 2 ${MESSAGE_2.length}\r\n` },
  { client: 'UIDL\r\n' },
  { server: '+OK\r\n1 000000014f2b6ad1\r\n2 000000024f2b6ad1\r\n.\r\n' },
  { client: 'UIDL 1\r\n' },
  { server: '+OK 1 000000014f2b6ad1\r\n' },
  { client: 'TOP 1 0\r\n' },
  { server: Buffer.concat([Buffer.from('+OK\r\n'), dotStuff(HEADERS_1)]) },
  { client: 'RETR 2\r\n' },
  { server: Buffer.concat([Buffer.from(`+OK ${MESSAGE_2.length} octets\r\n`), dotStuff(MESSAGE_2)]) },
  { client: 'DELE 1\r\n' },
  { server: '+OK Marked to be deleted.\r\n' },
  { client: 'RSET\r\n' },
  { server: '+OK\r\n' },
  { client: 'NOOP\r\n' },
  { server: '+OK\r\n' },
  { client: 'QUIT\r\n' },
  { server: '+OK Logging out.\r\n' },
  { close: true },
];

async function dovecotSession(client: Pop3Client) {
  const capabilities = await client.capa();
  const mechanism = await client.login({ username: 'alice', password: 'correct horse', mechanism: 'user' });
  const stat = await client.stat();
  const list = await client.list();
  const list2 = await client.list(2);
  const uidl = await client.uidl();
  const uidl1 = await client.uidl(1);
  const top = await readAll(await client.top(1, 0));
  const progress: number[] = [];
  const retr = await readAll(await client.retr(2, { onProgress: (p) => progress.push(p.received) }));
  await client.dele(1);
  await client.rset();
  await client.noop();
  await client.quit();
  return { capabilities, mechanism, stat, list, list2, uidl, uidl1, top, retr, progress, state: client.state };
}

describe('replayed Dovecot session: every command', () => {
  for (const chunking of ALL_CHUNKINGS) {
    test(describeChunking(chunking), async () => {
      const r = await replay(DOVECOT_SESSION, chunking, dovecotSession);
      assert.equal(r.mechanism, 'user');
      assert.equal(r.capabilities.pipelining, true);
      assert.deepEqual(r.capabilities.sasl, ['PLAIN', 'LOGIN']);
      assert.deepEqual(r.stat, { count: 2, size: MESSAGE_1.length + MESSAGE_2.length });
      assert.deepEqual(r.list, [
        { number: 1, size: MESSAGE_1.length },
        { number: 2, size: MESSAGE_2.length },
      ]);
      assert.deepEqual(r.list2, { number: 2, size: MESSAGE_2.length });
      assert.deepEqual(r.uidl, [
        { number: 1, uid: '000000014f2b6ad1', valid: true },
        { number: 2, uid: '000000024f2b6ad1', valid: true },
      ]);
      assert.deepEqual(r.uidl1, { number: 1, uid: '000000014f2b6ad1', valid: true });
      assert.deepEqual(r.top, HEADERS_1);
      assert.deepEqual(r.retr, MESSAGE_2, 'unstuffed, 8-bit intact');
      assert.equal(r.progress.at(-1), MESSAGE_2.length);
      assert.equal(r.state, 'closed');
    });
  }

  test('the same session with bare-LF line ends from the server', async () => {
    for (const chunking of ALL_CHUNKINGS) {
      const r = await replay(withLfServer(DOVECOT_SESSION), chunking, dovecotSession);
      assert.deepEqual(r.stat, { count: 2, size: MESSAGE_1.length + MESSAGE_2.length });
      assert.equal(r.uidl.length, 2);
      // Line ends are passed through as received.
      assert.deepEqual(r.top, lfBytes(HEADERS_1), describeChunking(chunking));
      assert.deepEqual(r.retr, lfBytes(MESSAGE_2), describeChunking(chunking));
    }
  });
});

describe('a short session split at every offset of the server bytes', () => {
  const steps: ReplayStep[] = [
    { server: '+OK hello <1.2@x>\r\n' },
    { client: 'STAT\r\n' },
    { server: '+OK 1 9\r\n' },
    { client: 'RETR 1\r\n' },
    { server: '+OK\r\n..a\r\n..\r\nb\r\n.\r\n' },
    { client: 'NOOP\r\n' },
    { server: '-ERR [SYS/TEMP] busy\r\n' },
    { client: 'LIST\r\n' },
    { server: '+OK\r\n1 9\r\n.\r\n' },
  ];
  for (const variant of ['CRLF', 'LF'] as const) {
    test(variant, async () => {
      const played = variant === 'CRLF' ? steps : withLfServer(steps);
      const total = ReplayPeer.serverBytes(played).length;
      for (let at = 0; at <= total; at++) {
        await replay(played, { kind: 'split', at }, async (client) => {
          assert.equal(client.apopTimestamp, '<1.2@x>');
          assert.deepEqual(await client.stat(), { count: 1, size: 9 });
          const body = await readAll(await client.retr(1));
          assert.equal(body.toString('latin1'), variant === 'CRLF' ? '.a\r\n.\r\nb\r\n' : '.a\n.\nb\n', `split at ${at}`);
          await assert.rejects(client.noop(), (e: unknown) => isPop3Error(e) && e.code === 'SYS_TEMP' && !e.fatal);
          assert.deepEqual(await client.list(), [{ number: 1, size: 9 }]);
        });
      }
    });
  }
});

describe('authentication transcripts', () => {
  const greeting = '+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n';

  test('APOP: the RFC 1939 example', async () => {
    for (const chunking of ALL_CHUNKINGS) {
      const mechanism = await replay(
        [{ server: greeting }, { client: 'APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n' }, { server: '+OK mrose\'s maildrop has 2 messages (320 octets)\r\n' }],
        chunking,
        (client) => client.login({ username: 'mrose', password: 'tanstaaf', mechanism: 'apop' }),
      );
      assert.equal(mechanism, 'apop');
    }
  });

  test('AUTH PLAIN with an initial response', async () => {
    const blob = Buffer.from('\0tim\0tanstaaftanstaaf').toString('base64');
    for (const chunking of ALL_CHUNKINGS) {
      await replay(
        [
          { server: greeting },
          { client: 'CAPA\r\n' },
          { server: '+OK\r\nSASL PLAIN\r\n.\r\n' },
          { client: `AUTH PLAIN ${blob}\r\n` },
          { server: '+OK Maildrop locked and ready\r\n' },
        ],
        chunking,
        async (client) => {
          await client.capa();
          assert.equal(await client.login({ username: 'tim', password: 'tanstaaftanstaaf' }), 'sasl-plain');
        },
      );
    }
  });

  test('AUTH PLAIN waiting for the + continuation', async () => {
    const blob = Buffer.from('\0tim\0tanstaaftanstaaf').toString('base64');
    for (const chunking of ALL_CHUNKINGS) {
      await replay(
        [
          { server: greeting },
          { client: 'CAPA\r\n' },
          { server: '+OK\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n' },
          { client: 'AUTH PLAIN\r\n' },
          { server: '+ \r\n' },
          { client: `${blob}\r\n` },
          { server: '+OK Maildrop locked and ready\r\n' },
          { client: 'STAT\r\n' },
          { server: '+OK 0 0\r\n' },
        ],
        chunking,
        async (client) => {
          await client.capa();
          // STAT is queued at once but must wait behind AUTH, even with PIPELINING.
          const [mechanism, stat] = await Promise.all([
            client.login({ username: 'tim', password: 'tanstaaftanstaaf', mechanism: 'sasl-plain', saslInitialResponse: false }),
            client.stat(),
          ]);
          assert.equal(mechanism, 'sasl-plain');
          assert.deepEqual(stat, { count: 0, size: 0 });
        },
      );
    }
  });

  test('AUTH PLAIN: a second challenge is answered with * (cancel)', async () => {
    const blob = Buffer.from('\0tim\0pw').toString('base64');
    await replay(
      [
        { server: greeting },
        { client: 'CAPA\r\n' },
        { server: '+OK\r\nSASL PLAIN\r\n.\r\n' },
        { client: `AUTH PLAIN ${blob}\r\n` },
        { server: '+ more?\r\n' },
        { client: '*\r\n' },
        { server: '-ERR [AUTH] Authentication cancelled\r\n' },
      ],
      { kind: 'byte' },
      async (client) => {
        await client.capa();
        await assert.rejects(client.login({ username: 'tim', password: 'pw', mechanism: 'sasl-plain' }), (e: unknown) => isPop3Error(e) && e.code === 'AUTH_FAILED');
        assert.equal(client.state, 'authorization');
      },
    );
  });

  test('popa3d: no CAPA, bare +OK, USER/PASS one at a time', async () => {
    for (const chunking of ALL_CHUNKINGS) {
      await replay(
        [
          { server: '+OK\r\n' },
          { client: 'CAPA\r\n' },
          { server: '-ERR\r\n' },
          { client: 'USER bob\r\n' },
          { server: '+OK\r\n' },
          { client: 'PASS pw\r\n' },
          { server: '+OK\r\n' },
          { client: 'STAT\r\n' },
          { server: '+OK 0 0\r\n' },
        ],
        chunking,
        async (client) => {
          const caps = await client.capa();
          assert.equal(client.capaKnown, false);
          assert.deepEqual(caps.names, []);
          assert.equal(client.apopTimestamp, undefined);
          assert.equal(client.pipelining, false);
          assert.equal(await client.login({ username: 'bob', password: 'pw' }), 'user');
          assert.deepEqual(await client.stat(), { count: 0, size: 0 });
        },
      );
    }
  });

  test('-ERR [IN-USE] at PASS is typed, non-fatal, and the client stays usable', async () => {
    for (const chunking of ALL_CHUNKINGS) {
      await replay(
        [
          { server: '+OK Mailutils POP3 server ready <77.1700000000@mail>\r\n' },
          { client: 'USER bob\r\n' },
          { server: '+OK\r\n' },
          { client: 'PASS pw\r\n' },
          { server: '-ERR [IN-USE] Mailbox in use\r\n' },
          { client: 'QUIT\r\n' },
          { server: '+OK\r\n' },
        ],
        chunking,
        async (client) => {
          await assert.rejects(
            client.login({ username: 'bob', password: 'pw', mechanism: 'user' }),
            (e: unknown) => isPop3Error(e) && e.code === 'IN_USE' && e.respCode === 'IN-USE' && !e.fatal && e.command === 'PASS ********',
          );
          assert.equal(client.closed, false);
          assert.equal(client.state, 'authorization');
          await client.quit();
        },
      );
    }
  });
});

describe('pipelined batches', () => {
  test('topMany writes every TOP at once and matches replies in order, one -ERR kept in its result', async () => {
    const headers = (n: number) => Buffer.from(`Subject: message ${n}\r\nX-Long: ${'h'.repeat(n * 50)}\r\n\r\n`);
    const steps: ReplayStep[] = [
      { server: GREETING },
      { client: 'CAPA\r\n' },
      { server: DOVECOT_CAPA },
      { client: 'TOP 1 0\r\n' },
      { client: 'TOP 2 0\r\n' },
      { client: 'TOP 3 0\r\n' },
      { client: 'TOP 4 0\r\n' },
      { server: Buffer.concat([Buffer.from('+OK\r\n'), dotStuff(headers(1))]) },
      { server: '-ERR No such message\r\n' },
      { server: Buffer.concat([Buffer.from('+OK\r\n'), dotStuff(headers(3))]) },
      { server: Buffer.concat([Buffer.from('+OK\r\n'), dotStuff(headers(4))]) },
    ];
    for (const chunking of ALL_CHUNKINGS) {
      const results = await replay(steps, chunking, async (client) => {
        await client.capa();
        return client.topMany([1, 2, 3, 4], 0, 100);
      });
      assert.deepEqual(
        results.map((r) => [r.number, r.data?.toString('latin1'), r.truncated, r.error?.code]),
        [
          [1, headers(1).toString('latin1'), false, undefined],
          [2, undefined, undefined, 'COMMAND_FAILED'],
          [3, headers(3).subarray(0, 100).toString('latin1'), true, undefined],
          [4, headers(4).subarray(0, 100).toString('latin1'), true, undefined],
        ],
        describeChunking(chunking),
      );
    }
  });

  test('concurrent callers each get their own reply', async () => {
    const steps: ReplayStep[] = [
      { server: GREETING },
      { client: 'CAPA\r\n' },
      { server: DOVECOT_CAPA },
      { client: 'LIST 1\r\n' },
      { client: 'UIDL 2\r\n' },
      { client: 'LIST 3\r\n' },
      { client: 'STAT\r\n' },
      { client: 'NOOP\r\n' },
      { server: '+OK 1 100\r\n+OK 2 uid-two\r\n-ERR There is no message 3\r\n+OK 2 300\r\n+OK\r\n' },
    ];
    for (const chunking of ALL_CHUNKINGS) {
      await replay(steps, chunking, async (client) => {
        await client.capa();
        const results = await Promise.allSettled([client.list(1), client.uidl(2), client.list(3), client.stat(), client.noop()]);
        assert.deepEqual(results[0], { status: 'fulfilled', value: { number: 1, size: 100 } });
        assert.deepEqual(results[1], { status: 'fulfilled', value: { number: 2, uid: 'uid-two', valid: true } });
        assert.equal(results[2]!.status, 'rejected');
        assert.deepEqual(results[3], { status: 'fulfilled', value: { count: 2, size: 300 } });
        assert.deepEqual(results[4], { status: 'fulfilled', value: undefined });
      });
    }
  });
});

describe('a large body, one byte per read', () => {
  test('RETR of a 64 KB message with dots, long lines and every byte value', async () => {
    const lines: Buffer[] = [];
    for (let i = 0; lines.reduce((n, l) => n + l.length, 0) < 64 * 1024; i++) {
      const bytes = Buffer.alloc(40 + (i % 300), 0);
      for (let j = 0; j < bytes.length; j++) {
        const v = (i * 31 + j * 7) % 256;
        bytes[j] = v === 0x0a || v === 0x0d ? 0x20 : v;
      }
      if (i % 5 === 0) bytes[0] = 0x2e;
      lines.push(Buffer.concat([bytes, Buffer.from('\r\n')]));
    }
    lines.push(Buffer.from('.\r\n'));
    const message = Buffer.concat(lines);
    const steps: ReplayStep[] = [
      { server: '+OK\r\n' },
      { client: 'RETR 1\r\n' },
      { server: Buffer.concat([Buffer.from('+OK\r\n'), dotStuff(message)]) },
    ];
    for (const chunking of [{ kind: 'byte' }, { kind: 'random', seed: 9, max: 3 }] as const) {
      const body = await replay(steps, chunking, async (client) => readAll(await client.retr(1)));
      assert.ok(body.equals(message), describeChunking(chunking));
    }
  });
});

describe('transcript', () => {
  test('credentials are redacted and bodies summarised', async () => {
    const entries: TranscriptEntry[] = [];
    await replay(
      [
        { server: '+OK ready <1.2@x>\r\n' },
        { client: 'USER alice\r\n' },
        { server: '+OK\r\n' },
        { client: 'PASS sw0rdfish\r\n' },
        { server: '+OK\r\n' },
        { client: 'RETR 1\r\n' },
        { server: '+OK\r\nSecret body\r\n.\r\n' },
      ],
      { kind: 'byte' },
      async (client) => {
        await client.login({ username: 'alice', password: 'sw0rdfish', mechanism: 'user' });
        await readAll(await client.retr(1));
      },
      { secure: true, onTranscript: (entry) => entries.push(entry) },
    );
    assert.deepEqual(entries, [
      { direction: 'server', text: '+OK ready <1.2@x>' },
      { direction: 'client', text: 'USER alice' },
      { direction: 'server', text: '+OK' },
      { direction: 'client', text: 'PASS ********' },
      { direction: 'server', text: '+OK' },
      { direction: 'client', text: 'RETR 1' },
      { direction: 'server', text: '+OK' },
      { direction: 'server', text: '[13 bytes]' },
    ]);
  });
});
