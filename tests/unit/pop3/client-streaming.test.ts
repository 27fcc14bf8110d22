import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { Pop3Client, type BodyProgress, type Pop3ClientOptions } from '../../../lib/pop3';
import { dotStuff, mailbox, startFakePop3, type FakePop3Server, type FakeSession } from '../../support/fake-pop3-server';
import { sleep } from '../../support/sleep';
import { gc } from '../../support/gc';

/**
 * RETR bodies are streams: memory must not grow with the message, a slow
 * consumer must slow the socket down (not fill the heap), and progress is
 * reported against the size LIST gave. The fake server generates the message
 * on the fly, honouring backpressure itself, so its own memory stays flat too.
 */

const MB = 1024 * 1024;

/** A block of body lines (some starting with a dot) as served (unstuffed) and as sent (stuffed). */
function makeBlock(): { plain: Buffer; wire: Buffer } {
  const lines: string[] = [];
  for (let i = 0; lines.join('').length < 60 * 1024; i++) {
    const text = `${i % 7 === 0 ? '.' : ''}line ${i} ${'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(2)}`.slice(0, 76);
    lines.push(`${text}\r\n`);
  }
  const plain = Buffer.from(lines.join(''), 'latin1');
  const stuffed = dotStuff(plain);
  return { plain, wire: stuffed.subarray(0, stuffed.length - 3) }; // without the final ".\r\n"
}

const HEADERS = Buffer.from('From: big@example.org\r\nSubject: a very large message\r\n\r\n');
const BLOCK = makeBlock();

interface Generated {
  size: number;
  blocks: number;
  sha256: string;
}

function generated(targetBytes: number): Generated {
  const blocks = Math.ceil(targetBytes / BLOCK.plain.length);
  const hash = createHash('sha256').update(HEADERS);
  for (let i = 0; i < blocks; i++) hash.update(BLOCK.plain);
  return { size: HEADERS.length + blocks * BLOCK.plain.length, blocks, sha256: hash.digest('hex') };
}

/** A server whose message 1 is `message`, generated block by block and written only as fast as the socket drains. */
async function bigMessageServer(message: Generated, onProgress?: (sent: number) => void): Promise<FakePop3Server> {
  return startFakePop3(
    mailbox({
      handlers: {
        LIST: (_args, session) => session.send(`+OK 1 ${message.size}\r\n`),
        RETR: async (_args: string[], session: FakeSession) => {
          await session.send(Buffer.concat([Buffer.from(`+OK ${message.size} octets\r\n`), HEADERS]));
          let sent = HEADERS.length;
          for (let i = 0; i < message.blocks && !session.isClosed; i++) {
            await session.send(BLOCK.wire);
            sent += BLOCK.plain.length;
            onProgress?.(sent);
          }
          await session.send('.\r\n');
        },
      },
    }),
  );
}

const LIMITS: Pop3ClientOptions['limits'] = { commandTimeoutMs: 5_000 };

async function login(server: FakePop3Server, options: Pop3ClientOptions = {}) {
  const socket = await server.connect();
  const client = await Pop3Client.open(socket, { limits: LIMITS, ...options });
  await client.capa();
  await client.login({ username: 'alice', password: 'correct horse', mechanism: 'user', allowInsecure: true });
  return { client, socket };
}

function memory() {
  const usage = process.memoryUsage();
  return { rss: usage.rss, arrayBuffers: usage.arrayBuffers, heapUsed: usage.heapUsed };
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

describe('streaming RETR', () => {
  test('a ~100 MB message passes through with memory that does not grow with its size', async () => {
    const message = generated(100 * MB);
    const server = await bigMessageServer(message);
    try {
      const { client } = await login(server);
      await client.list(1);
      gc();
      const before = memory();
      const peak = { ...before };
      const sample = () => {
        const now = memory();
        peak.rss = Math.max(peak.rss, now.rss);
        peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
        peak.heapUsed = Math.max(peak.heapUsed, now.heapUsed);
      };
      const sampler = setInterval(sample, 10);
      const started = Date.now();
      const hash = createHash('sha256');
      let received = 0;
      let chunks = 0;
      try {
        for await (const chunk of await client.retr(1)) {
          hash.update(chunk as Buffer);
          received += (chunk as Buffer).length;
          if (++chunks % 64 === 0) sample();
        }
      } finally {
        clearInterval(sampler);
      }
      sample();
      const seconds = (Date.now() - started) / 1000;
      assert.equal(received, message.size);
      assert.equal(hash.digest('hex'), message.sha256, 'byte-for-byte, unstuffed');
      const growth = { rss: peak.rss - before.rss, arrayBuffers: peak.arrayBuffers - before.arrayBuffers, heapUsed: peak.heapUsed - before.heapUsed };
      console.log(
        `[pop3 streaming] RETR ${mb(message.size)} in ${seconds.toFixed(2)} s: peak growth rss ${mb(growth.rss)}, ` +
          `arrayBuffers ${mb(growth.arrayBuffers)}, heapUsed ${mb(growth.heapUsed)} (rss before ${mb(before.rss)})`,
      );
      assert.ok(growth.rss < 64 * MB, `rss grew by ${mb(growth.rss)}`);
      assert.ok(growth.arrayBuffers < 64 * MB, `arrayBuffers grew by ${mb(growth.arrayBuffers)}`);
      await client.quit();
    } finally {
      await server.close();
    }
  });

  test('a slow consumer applies backpressure: the socket pauses, the server waits, and no deadline fires', async () => {
    const message = generated(32 * MB);
    let serverSent = 0;
    const server = await bigMessageServer(message, (sent) => (serverSent = sent));
    try {
      // A short command deadline: being slow ourselves must not count against the server.
      const { client, socket } = await login(server, { limits: { commandTimeoutMs: 300 } });
      const stream = await client.retr(1);
      await sleep(800);
      assert.equal(socket.isPaused(), true, 'the client stopped reading the socket');
      assert.ok(stream.received < 2 * MB, `client buffered ${mb(stream.received)} while nobody read`);
      assert.ok(serverSent < message.size / 2, `server managed to send ${mb(serverSent)} of ${mb(message.size)}`);
      const pausedAt = serverSent;
      await sleep(200);
      assert.ok(serverSent - pausedAt < MB, 'the server stays blocked while the consumer is idle');

      // Now read slowly, then at full speed.
      let received = 0;
      let reads = 0;
      for await (const chunk of stream) {
        received += (chunk as Buffer).length;
        if (++reads < 20) await sleep(5);
      }
      assert.equal(received, message.size);
      assert.equal(client.closed, false);
      await client.noop();
    } finally {
      await server.close();
    }
  });

  test('progress reports bytes received against the size from LIST', async () => {
    const message = generated(3 * MB);
    const server = await bigMessageServer(message);
    try {
      const { client } = await login(server);
      assert.deepEqual(await client.list(1), { number: 1, size: message.size });
      const reports: BodyProgress[] = [];
      const stream = await client.retr(1, { onProgress: (p) => reports.push({ ...p }) });
      assert.equal(stream.expected, message.size);
      let received = 0;
      for await (const chunk of stream) received += (chunk as Buffer).length;
      assert.equal(received, message.size);
      assert.ok(reports.length > 1);
      for (let i = 1; i < reports.length; i++) assert.ok(reports[i]!.received > reports[i - 1]!.received, 'monotonic');
      assert.ok(reports.every((p) => p.expected === message.size));
      assert.deepEqual(reports.at(-1), { received: message.size, expected: message.size });
    } finally {
      await server.close();
    }
  });

  test('an explicit expectedSize is used when LIST was not asked', async () => {
    const message = generated(MB);
    const server = await bigMessageServer(message);
    try {
      const { client } = await login(server);
      let last: BodyProgress | undefined;
      const stream = await client.retr(1, { expectedSize: message.size, onProgress: (p) => (last = p) });
      for await (const _chunk of stream) void _chunk;
      assert.deepEqual(last, { received: message.size, expected: message.size });
    } finally {
      await server.close();
    }
  });

  test('abandoning a body part-way: the client discards the rest and stays in step', async () => {
    const message = generated(8 * MB);
    const server = await bigMessageServer(message);
    try {
      const { client } = await login(server);
      const stream = await client.retr(1);
      let seen = 0;
      for await (const chunk of stream) {
        seen += (chunk as Buffer).length;
        if (seen > MB) break; // for-await's break destroys the stream
      }
      assert.equal(stream.destroyed, true);
      // The next reply is read correctly after the rest of the body was drained.
      await client.noop();
      assert.deepEqual(await client.list(1), { number: 1, size: message.size });
      assert.equal(client.closed, false);
    } finally {
      await server.close();
    }
  });
});
