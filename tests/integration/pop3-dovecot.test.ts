/**
 * lib/pop3 against a real Dovecot (Debian's dovecot-pop3d), started privately
 * on loopback by the harness: implicit TLS and STLS with a pinned self-signed
 * certificate, every login mechanism, every command, deletion semantics, and
 * RETR output byte-for-byte equal to what Dovecot stores, including a ~20 MB
 * message whose memory cost is measured and printed.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { connectPop3, isPop3Error, type ConnectOptions, type Pop3Client, type Pop3ErrorCode, type TranscriptEntry } from '../../lib/pop3';
import { topOf } from '../support/fake-pop3-server';
import { sampleMaildrop, smallMessages } from '../support/maildrop';
import { startProxy } from '../support/pop3-proxy';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { gc } from '../support/gc';

const MB = 1024 * 1024;
const SAMPLE = sampleMaildrop({ big: true });
const ALICE = { name: 'alice', password: 'alice-Secret-1' };
const BOB = { name: 'bob', password: 'bob pass with spaces' };
const CAROL = { name: 'carol', password: 'carol-pw' };

let dovecot: DovecotServer;

before(async () => {
  dovecot = await startDovecot({
    users: [
      { ...ALICE, messages: SAMPLE.map((m) => m.raw) },
      { ...BOB, messages: smallMessages(6).map((m) => m.raw) },
      { ...CAROL, messages: smallMessages(3, { seed: 7 }).map((m) => m.raw) },
    ],
  });
});

after(async () => {
  await dovecot?.stop();
});

function tlsOptions(): ConnectOptions {
  assert.ok(dovecot.tlsPort !== undefined && dovecot.certFingerprint256 !== undefined);
  return { host: '127.0.0.1', port: dovecot.tlsPort, security: 'tls', trust: { fingerprint256: dovecot.certFingerprint256 } };
}

function stlsOptions(): ConnectOptions {
  return { host: '127.0.0.1', port: dovecot.port, security: 'starttls', trust: { fingerprint256: dovecot.certFingerprint256 } };
}

async function session(user: { name: string; password: string }, options: ConnectOptions = tlsOptions()): Promise<Pop3Client> {
  const client = await connectPop3(options);
  await client.login({ username: user.name, password: user.password });
  return client;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function hasCode(code: Pop3ErrorCode) {
  return (error: unknown): boolean => {
    assert.ok(isPop3Error(error), `expected a Pop3Error, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    return true;
  };
}

describe('transport and TLS', () => {
  test('implicit TLS, certificate pinned by SHA-256 fingerprint', async () => {
    const client = await connectPop3(tlsOptions());
    assert.equal(client.secure, true);
    assert.match(client.greeting, /Dovecot/);
    console.log(`[dovecot ${dovecot.version}] CAPA over implicit TLS: ${client.capabilities.names.join(' ')} (SASL ${client.capabilities.sasl.join(' ')})`);
    assert.equal(client.capabilities.stls, false, 'no STLS on an already encrypted connection');
    await client.quit();
  });

  test('an unpinned self-signed certificate is refused: TLS_FAILED', async () => {
    const { trust: _trust, ...unpinned } = tlsOptions();
    await assert.rejects(connectPop3(unpinned), hasCode('TLS_FAILED'));
  });

  test('a wrong pin is refused: TLS_FAILED', async () => {
    await assert.rejects(connectPop3({ ...tlsOptions(), trust: { fingerprint256: 'ab'.repeat(32) } }), hasCode('TLS_FAILED'));
  });

  test('the certificate can also be trusted as a CA', async () => {
    const client = await connectPop3({ ...tlsOptions(), host: 'localhost', address: '127.0.0.1', trust: { ca: dovecot.certPem } });
    assert.equal(client.secure, true);
    await client.quit();
  });

  test('STLS upgrades the plain port; CAPA is asked again afterwards', async () => {
    const proxy = await startProxy({ targetPort: dovecot.port });
    try {
      const before = await connectPop3({ host: '127.0.0.1', port: proxy.port, security: 'none' });
      console.log(`[dovecot ${dovecot.version}] CAPA on the plain port: ${before.capabilities.names.join(' ')} (SASL ${before.capabilities.sasl.join(' ')})`);
      assert.equal(before.capabilities.stls, true);
      assert.ok(before.apopTimestamp, 'APOP timestamp in the greeting');
      await before.quit();

      const client = await connectPop3({ ...stlsOptions(), port: proxy.port });
      assert.equal(client.secure, true);
      assert.equal(client.capabilities.stls, false);
      assert.equal(client.capabilities.pipelining, true);
      console.log(`[dovecot ${dovecot.version}] CAPA after STLS: ${client.capabilities.names.join(' ')} (SASL ${client.capabilities.sasl.join(' ')})`);
      await client.login({ username: ALICE.name, password: ALICE.password });
      assert.equal((await client.stat()).count, SAMPLE.length);
      await client.quit();
      // Nothing but CAPA and STLS went over the wire in the clear.
      assert.deepEqual(proxy.connections()[1], ['CAPA', 'STLS', '[tls]']);
    } finally {
      await proxy.close();
    }
  });

  test('login over the plain port is refused without allowInsecure, and no credentials are sent', async () => {
    const proxy = await startProxy({ targetPort: dovecot.port });
    try {
      const client = await connectPop3({ host: '127.0.0.1', port: proxy.port, security: 'none' });
      for (const mechanism of ['auto', 'user', 'apop', 'sasl-plain'] as const) {
        await assert.rejects(client.login({ username: ALICE.name, password: ALICE.password, mechanism }), hasCode('INSECURE_AUTH'));
      }
      await client.quit();
      assert.deepEqual(proxy.connections()[0], ['CAPA', 'QUIT']);
      assert.ok(!proxy.transcript().includes(ALICE.password));
    } finally {
      await proxy.close();
    }
  });

  test('with allowInsecure, auto in the clear picks APOP: the password itself never crosses the wire', async () => {
    const proxy = await startProxy({ targetPort: dovecot.port });
    try {
      const client = await connectPop3({ host: '127.0.0.1', port: proxy.port, security: 'none' });
      assert.equal(await client.login({ username: ALICE.name, password: ALICE.password, allowInsecure: true }), 'apop');
      await client.quit();
      assert.match(proxy.transcript(), /^CAPA\nAPOP alice [0-9a-f]{32}\nQUIT$/);
    } finally {
      await proxy.close();
    }
  });
});

describe('authentication', () => {
  for (const [label, transport] of [
    ['implicit TLS', tlsOptions],
    ['STLS', stlsOptions],
  ] as const) {
    for (const [mechanism, saslInitialResponse] of [
      ['user', true],
      ['apop', true],
      ['sasl-plain', true],
      ['sasl-plain', false],
    ] as const) {
      const name = mechanism === 'sasl-plain' ? `AUTH PLAIN ${saslInitialResponse ? 'with' : 'without'} initial response` : mechanism === 'user' ? 'USER/PASS' : 'APOP';
      test(`${name} over ${label}`, async () => {
        const transcript: TranscriptEntry[] = [];
        const client = await connectPop3({ ...transport(), onTranscript: (entry) => transcript.push(entry) });
        assert.equal(await client.login({ username: BOB.name, password: BOB.password, mechanism, saslInitialResponse }), mechanism);
        assert.equal(client.state, 'transaction');
        assert.equal((await client.stat()).count, 6);
        await client.quit();
        const text = JSON.stringify(transcript);
        assert.ok(!text.includes(BOB.password));
        assert.ok(!text.includes(Buffer.from(`\0${BOB.name}\0${BOB.password}`).toString('base64')));
        if (mechanism === 'sasl-plain') {
          assert.ok(transcript.some((e) => e.text === (saslInitialResponse ? 'AUTH PLAIN ********' : 'AUTH PLAIN')));
        }
      });
    }
  }

  test('auto over TLS picks SASL PLAIN', async () => {
    const client = await connectPop3(tlsOptions());
    assert.equal(await client.login({ username: BOB.name, password: BOB.password }), 'sasl-plain');
    await client.quit();
  });

  test('a wrong password is AUTH_FAILED for every mechanism, the session stays usable, the password is nowhere', async () => {
    const client = await connectPop3(tlsOptions());
    const wrong = 'not-the-Password-9';
    for (const mechanism of ['user', 'apop', 'sasl-plain'] as const) {
      const error = await client.login({ username: ALICE.name, password: wrong, mechanism }).catch((e: unknown) => e);
      hasCode('AUTH_FAILED')(error);
      assert.equal((error as { respCode?: string }).respCode, 'AUTH');
      assert.ok(!JSON.stringify({ message: (error as Error).message, error }).includes(wrong));
      assert.equal(client.closed, false);
    }
    assert.equal(await client.login({ username: ALICE.name, password: ALICE.password, mechanism: 'user' }), 'user');
    await client.quit();
  });

  test('pop3_lock_session: a second concurrent login is IN_USE', async () => {
    // Dovecot waits about 10 s for the lock before it answers [IN-USE]: this test is slow by design.
    const locking = await startDovecot({ lockSession: true, users: [{ ...CAROL, messages: smallMessages(2).map((m) => m.raw) }] });
    try {
      const options: ConnectOptions = {
        host: '127.0.0.1',
        port: locking.tlsPort ?? 0,
        security: 'tls',
        trust: { fingerprint256: locking.certFingerprint256 },
      };
      const first = await session(CAROL, options);
      const second = await connectPop3(options);
      const error = await second.login({ username: CAROL.name, password: CAROL.password }).catch((e: unknown) => e);
      hasCode('IN_USE')(error);
      console.log(`[dovecot ${locking.version}] second login with pop3_lock_session: ${(error as Error).message} (client ${second.closed ? 'closed by server' : 'still open'})`);
      second.close();
      // The first session is unaffected.
      assert.equal((await first.stat()).count, 2);
      await first.quit();
    } finally {
      await locking.stop();
    }
  });
});

describe('every command, byte for byte', () => {
  let client: Pop3Client;

  before(async () => {
    client = await session(ALICE);
  });

  after(async () => {
    await client?.quit();
  });

  test('STAT and LIST agree with the stored messages', async () => {
    const expected = SAMPLE.map((_, i) => dovecot.expectedRetr(ALICE.name, i + 1).length);
    assert.deepEqual(await client.stat(), { count: SAMPLE.length, size: expected.reduce((a, b) => a + b, 0) });
    assert.deepEqual(
      await client.list(),
      expected.map((size, i) => ({ number: i + 1, size })),
    );
    assert.deepEqual(await client.list(3), { number: 3, size: expected[2] });
    await assert.rejects(client.list(SAMPLE.length + 1), hasCode('COMMAND_FAILED'));
  });

  test('UIDL: unique, valid, and the same through UIDL n', async () => {
    const entries = await client.uidl();
    assert.equal(entries.length, SAMPLE.length);
    assert.ok(entries.every((e) => e.valid));
    assert.equal(new Set(entries.map((e) => e.uid)).size, SAMPLE.length);
    assert.deepEqual(await client.uidl(2), entries[1]);
  });

  test('TOP n 0 and TOP n 5 for every message', async () => {
    for (let n = 1; n <= SAMPLE.length; n++) {
      const stored = dovecot.expectedRetr(ALICE.name, n);
      assert.deepEqual(await readAll(await client.top(n, 0)), topOf(stored, 0), `TOP ${n} 0`);
      assert.deepEqual(await readAll(await client.top(n, 5)), topOf(stored, 5), `TOP ${n} 5`);
    }
  });

  test('topMany pipelines TOP n 0 for every message', async () => {
    const numbers = SAMPLE.map((_, i) => i + 1);
    const results = await client.topMany(numbers);
    assert.deepEqual(
      results.map((r) => r.data),
      numbers.map((n) => topOf(dovecot.expectedRetr(ALICE.name, n), 0)),
    );
  });

  test('RETR of every sample message equals the stored message (CRLF, unstuffed)', async () => {
    for (let n = 1; n < SAMPLE.length; n++) {
      const body = await readAll(await client.retr(n));
      assert.ok(body.equals(dovecot.expectedRetr(ALICE.name, n)), `RETR ${n} (${SAMPLE[n - 1]!.name})`);
    }
    // The dot-lines message really exercises unstuffing.
    const dots = SAMPLE.findIndex((m) => m.name === 'dot-lines') + 1;
    assert.ok(dovecot.expectedRetr(ALICE.name, dots).toString('latin1').includes('\r\n.'));
  });

  test('RETR of the ~20 MB message: byte for byte, with measured memory', async () => {
    const n = SAMPLE.length;
    assert.equal(SAMPLE[n - 1]!.name, 'big');
    const expected = dovecot.expectedRetr(ALICE.name, n);
    const expectedLength = expected.length;
    const expectedHash = createHash('sha256').update(expected).digest('hex');
    gc();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakArrayBuffers = baseline.arrayBuffers;
    const sample = () => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakArrayBuffers = Math.max(peakArrayBuffers, now.arrayBuffers);
    };
    const sampler = setInterval(sample, 5);
    const hash = createHash('sha256');
    let received = 0;
    let lastProgress = 0;
    const started = Date.now();
    try {
      const stream = await client.retr(n, { onProgress: (p) => (lastProgress = p.received) });
      assert.equal(stream.expected, expectedLength, 'expected size from LIST');
      for await (const chunk of stream) {
        hash.update(chunk as Buffer);
        received += (chunk as Buffer).length;
        sample();
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (Date.now() - started) / 1000;
    assert.equal(received, expectedLength);
    assert.equal(lastProgress, expectedLength);
    assert.equal(hash.digest('hex'), expectedHash);
    const rssGrowth = peakRss - baseline.rss;
    const abGrowth = peakArrayBuffers - baseline.arrayBuffers;
    console.log(
      `[dovecot ${dovecot.version}] RETR ${n} (${(expectedLength / MB).toFixed(1)} MB) over TLS in ${seconds.toFixed(2)} s: ` +
        `peak RSS growth ${(rssGrowth / MB).toFixed(1)} MB (baseline ${(baseline.rss / MB).toFixed(1)} MB), ` +
        `peak arrayBuffers growth ${(abGrowth / MB).toFixed(1)} MB`,
    );
    assert.ok(rssGrowth < 64 * MB, `RSS grew by ${(rssGrowth / MB).toFixed(1)} MB`);
  });

  test('NOOP, and a -ERR leaves the session usable', async () => {
    await client.noop();
    await assert.rejects(client.retr(999), hasCode('COMMAND_FAILED'));
    await assert.rejects(client.top(999, 0), hasCode('COMMAND_FAILED'));
    await assert.rejects(client.dele(999), hasCode('COMMAND_FAILED'));
    assert.equal(client.closed, false);
    await client.noop();
  });

  test('concurrent callers on one session each get their own reply', async () => {
    const numbers = SAMPLE.slice(0, -1).map((_, i) => i + 1);
    await Promise.all(
      numbers.flatMap((n) => [
        client.list(n).then((entry) => assert.equal(entry.size, dovecot.expectedRetr(ALICE.name, n).length)),
        client.retr(n).then(readAll).then((body) => assert.ok(body.equals(dovecot.expectedRetr(ALICE.name, n)), `RETR ${n}`)),
        client.uidl(n).then((entry) => assert.equal(entry.number, n)),
      ]),
    );
  });
});

describe('deletion', () => {
  test('DELE + RSET keeps the message', async () => {
    const client = await session(BOB);
    const before = await client.uidl();
    await client.dele(1);
    assert.equal((await client.stat()).count, before.length - 1);
    await assert.rejects(client.retr(1), hasCode('COMMAND_FAILED'));
    await client.rset();
    assert.equal((await client.stat()).count, before.length);
    await client.quit();
    assert.equal(await dovecot.storedCount(BOB.name), before.length);

    const again = await session(BOB);
    assert.deepEqual(await again.uidl(), before);
    await again.quit();
  });

  test('DELE + QUIT removes it: gone after reconnect', async () => {
    const client = await session(BOB);
    const before = await client.uidl();
    const victim = before[1]!;
    const survivor = dovecot.expectedRetr(BOB.name, 3);
    await client.dele(victim.number);
    await client.quit();

    assert.equal(await dovecot.storedCount(BOB.name), before.length - 1);
    const again = await session(BOB);
    const after = await again.uidl();
    assert.equal(after.length, before.length - 1);
    assert.ok(!after.some((e) => e.uid === victim.uid));
    // Numbers close up; the message that was third is now second.
    assert.deepEqual(await readAll(await again.retr(2)), survivor);
    await again.quit();
  });

  test('DELE then a dropped connection (no QUIT) deletes nothing', async () => {
    const client = await session(BOB);
    const count = (await client.stat()).count;
    await client.dele(1);
    client.close();
    await client.whenClosed();
    const again = await session(BOB);
    assert.equal((await again.stat()).count, count);
    await again.quit();
  });
});
