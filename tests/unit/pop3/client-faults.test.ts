import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import {
  Pop3Client,
  connectPop3,
  isPop3Error,
  type Pop3ClientOptions,
  type Pop3Error,
  type Pop3ErrorCode,
  type TranscriptEntry,
} from '../../../lib/pop3';
import {
  DEFAULT_CAPABILITIES,
  mailbox,
  startFakePop3,
  toCrlf,
  type FakePop3Server,
  type FakeSession,
  type MailboxOptions,
  type SessionScript,
} from '../../support/fake-pop3-server';
import { sleep } from '../../support/sleep';

/**
 * Every fault class the issue names, staged by a scriptable fake POP3 server
 * on a loopback port. Each test asserts the typed error, whether the client
 * is still usable or closed, and — where it matters — exactly which bytes the
 * server received (and which it never did).
 */

const FAST: Pop3ClientOptions['limits'] = { greetingTimeoutMs: 300, commandTimeoutMs: 300 };
/**
 * How long a 300 ms deadline may take to show on a busy machine: the default deadlines these tests
 * tell apart are 15–30 s, and a loaded 2-core machine can stall a process for a second or more.
 */
const BOUND_MS = 8_000;

async function withServer(script: SessionScript, body: (server: FakePop3Server) => Promise<void>): Promise<void> {
  const server = await startFakePop3(script);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

async function openClient(server: FakePop3Server, options: Pop3ClientOptions = {}): Promise<Pop3Client> {
  return Pop3Client.open(await server.connect(), { limits: FAST, ...options });
}

/**
 * A logged-in client on a plain connection (the fake has no TLS; the tests allow the clear text
 * explicitly). USER/PASS is forced: in the clear `auto` would pick APOP from the greeting's timestamp.
 */
async function loggedIn(server: FakePop3Server, options: Pop3ClientOptions = {}): Promise<Pop3Client> {
  const client = await openClient(server, options);
  await client.capa();
  await client.login({ username: 'alice', password: 'correct horse', mechanism: 'user', allowInsecure: true });
  return client;
}

function hasCode(code: Pop3ErrorCode, fatal?: boolean) {
  return (error: unknown): boolean => {
    assert.ok(isPop3Error(error), `expected a Pop3Error, got ${String(error)}`);
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    if (fatal !== undefined) assert.equal(error.fatal, fatal);
    return true;
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function elapsed<T>(work: () => Promise<T>): Promise<number> {
  const started = Date.now();
  await work().catch(() => undefined);
  return Date.now() - started;
}

const msg = (subject: string, body = 'Hello.\n') => ({ data: Buffer.from(`Subject: ${subject}\n\n${body}`) });
const FIVE = [msg('one'), msg('two'), msg('three'), msg('four'), msg('five')];

describe('silence, drips and deadlines', () => {
  test('silence after connect: the greeting deadline fires (TIMEOUT) and the socket is closed', async () => {
    await withServer(() => undefined, async (server) => {
      const took = await elapsed(() =>
        assert.rejects(openClient(server), hasCode('TIMEOUT', true)),
      );
      assert.ok(took >= 250 && took < BOUND_MS, `took ${took} ms`);
      const session = await server.nextSession();
      await session.closed;
    });
  });

  test('the server closes without a greeting: CLOSED_DURING_LOGIN (it was reached; see login-budget.test.ts)', async () => {
    await withServer((session) => session.end(), async (server) => {
      await assert.rejects(openClient(server), hasCode('CLOSED_DURING_LOGIN', true));
    });
  });

  test('a greeting that is not POP3: PROTOCOL_ERROR', async () => {
    await withServer((session) => session.send('* OK [CAPABILITY IMAP4rev1] ready\r\n'), async (server) => {
      await assert.rejects(openClient(server), hasCode('PROTOCOL_ERROR', true));
    });
  });

  test('a -ERR greeting: typed, and no client is returned', async () => {
    await withServer((session) => session.send('-ERR [SYS/TEMP] Too many connections\r\n'), async (server) => {
      await assert.rejects(openClient(server), hasCode('SYS_TEMP'));
      await (await server.nextSession()).closed;
    });
  });

  test('a greeting dripped one byte per second: TIMEOUT within the greeting deadline', async () => {
    await withServer((session) => session.drip('+OK slow server ready\r\n', 1000), async (server) => {
      const took = await elapsed(() => assert.rejects(openClient(server), hasCode('TIMEOUT', true)));
      assert.ok(took < BOUND_MS, `took ${took} ms`);
    });
  });

  test('a status line dripped faster than the deadline still times out: the deadline is overall, not idle', async () => {
    const script = mailbox({ handlers: { STAT: (_args, session) => session.drip('+OK 5 500 and then a very long explanation\r\n', 40) } });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      const took = await elapsed(() => assert.rejects(client.stat(), hasCode('TIMEOUT', true)));
      assert.ok(took >= 250 && took < BOUND_MS, `took ${took} ms`);
      assert.equal(client.closed, true);
    });
  });

  test('a RETR body dripped one byte at a time: the stream errors with TIMEOUT', async () => {
    const script = mailbox({
      messages: FIVE,
      handlers: {
        RETR: async (_args, session) => {
          await session.send('+OK\r\n');
          await session.drip('Subject: drip\r\n\r\nbody that never ends\r\n', 20);
        },
      },
    });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      const stream = await client.retr(1);
      const took = await elapsed(() => assert.rejects(readAll(stream), hasCode('TIMEOUT', true)));
      assert.ok(took < BOUND_MS, `took ${took} ms`);
      assert.equal(client.closed, true);
    });
  });

  test('a multi-line reply with no terminator, then silence: TIMEOUT', async () => {
    const script = mailbox({ messages: FIVE, handlers: { LIST: (_args, session) => session.send('+OK 5 messages\r\n1 100\r\n2 200\r\n') } });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      await assert.rejects(client.list(), hasCode('TIMEOUT', true));
      assert.equal(client.closed, true);
    });
  });

  test('an absurd size from LIST does not stretch the RETR deadline', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const script = mailbox({
      messages: FIVE,
      handlers: {
        LIST: (_args, session) => session.send('+OK 1 999999999999999\r\n'),
        RETR: () => undefined,
      },
    });
    try {
      await withServer(script, async (server) => {
        const client = await loggedIn(server);
        assert.deepEqual(await client.list(1), { number: 1, size: 999999999999999 });
        const took = await elapsed(() => assert.rejects(client.retr(1), hasCode('TIMEOUT', true)));
        assert.ok(took < BOUND_MS, `took ${took} ms`);
      });
      assert.deepEqual(warnings.filter((w) => w.name === 'TimeoutOverflowWarning'), []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('a large message announced by LIST, then dripped: still TIMEOUT', async () => {
    const script = mailbox({
      messages: FIVE,
      handlers: {
        LIST: (_args, session) => session.send(`+OK 1 ${50 * 1024 * 1024}\r\n`),
        RETR: async (_args, session) => {
          await session.send('+OK\r\n');
          await session.drip('Subject: x\r\n\r\n'.repeat(100), 20);
        },
      },
    });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      await client.list(1);
      const stream = await client.retr(1);
      const took = await elapsed(() => assert.rejects(readAll(stream), hasCode('TIMEOUT', true)));
      assert.ok(took < BOUND_MS, `took ${took} ms`);
    });
  });
});

describe('size bounds', () => {
  test('an endless status line: LIMIT_EXCEEDED, and the client hangs up', async () => {
    const script = mailbox({
      handlers: {
        STAT: async (_args, session) => {
          await session.send('+OK ');
          const junk = Buffer.alloc(64 * 1024, 0x41);
          while (!session.isClosed) await session.send(junk);
        },
      },
    });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      await assert.rejects(client.stat(), hasCode('LIMIT_EXCEEDED', true));
      assert.equal(client.closed, true);
      await server.sessions[0]!.closed;
    });
  });

  test('an endless line inside a listing is held to the status-line bound', async () => {
    const script = mailbox({
      handlers: {
        UIDL: async (_args, session) => {
          await session.send(`+OK\r\n1 ${'u'.repeat(64 * 1024)}`);
        },
      },
    });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      await assert.rejects(client.uidl(), hasCode('LIMIT_EXCEEDED', true));
    });
  });

  test('a listing larger than maxListingBytes: LIMIT_EXCEEDED', async () => {
    const lines = Array.from({ length: 500 }, (_, i) => `${i + 1} 1000\r\n`).join('');
    const script = mailbox({ handlers: { LIST: (_args, session) => session.send(`+OK\r\n${lines}.\r\n`) } });
    await withServer(script, async (server) => {
      const client = await loggedIn(server, { limits: { ...FAST, maxListingBytes: 2000 } });
      await assert.rejects(client.list(), hasCode('LIMIT_EXCEEDED', true));
    });
  });

  test('a message larger than maxMessageBytes: the stream errors with LIMIT_EXCEEDED', async () => {
    const big = { data: Buffer.from(`Subject: big\n\n${'x'.repeat(70)}\n`.repeat(400)) };
    await withServer(mailbox({ messages: [big] }), async (server) => {
      const client = await loggedIn(server, { limits: { ...FAST, maxMessageBytes: 10_000 } });
      await assert.rejects(readAll(await client.retr(1)), hasCode('LIMIT_EXCEEDED', true));
      assert.equal(client.closed, true);
    });
  });

  test('far more body than LIST announced: PROTOCOL_ERROR', async () => {
    const big = { data: Buffer.from(`${'y'.repeat(1000)}\n`.repeat(3000)) };
    const script = mailbox({ messages: [big], handlers: { LIST: (_args, session) => session.send('+OK 1 10\r\n') } });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      await client.list(1);
      await assert.rejects(readAll(await client.retr(1)), hasCode('PROTOCOL_ERROR', true));
    });
  });
});

describe('dropped connections', () => {
  test('drop mid-body: the RETR stream errors with CLOSED, and so does every later command', async () => {
    const script = mailbox({
      messages: FIVE,
      handlers: {
        RETR: async (_args, session) => {
          await session.send('+OK 5000 octets\r\nSubject: cut\r\n\r\nfirst half of the bo');
          await sleep(30);
          session.destroy();
        },
      },
    });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      const stream = await client.retr(1);
      await assert.rejects(readAll(stream), hasCode('CLOSED', true));
      assert.equal(client.closed, true);
      await assert.rejects(client.noop(), hasCode('CLOSED', true));
    });
  });

  test('unsolicited bytes when nothing was asked: PROTOCOL_ERROR, client closed', async () => {
    const script = mailbox({ handlers: { NOOP: (_args, session) => session.send('+OK\r\n+OK surprise\r\n') } });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      await client.noop().catch(() => undefined);
      await client.whenClosed();
      await assert.rejects(client.stat(), hasCode('PROTOCOL_ERROR', true));
    });
  });
});

describe('malformed and absurd replies', () => {
  for (const [name, reply, limits] of [
    ['malformed STAT', '+OK lots of mail\r\n', {}],
    ['STAT with a negative size', '+OK 3 -1\r\n', {}],
    ['STAT with a 20-digit count', '+OK 99999999999999999999 1\r\n', {}],
    ['STAT above maxReasonableCount', '+OK 5000000 10\r\n', { maxReasonableCount: 1_000_000 }],
  ] as const) {
    test(`${name}: PROTOCOL_ERROR, and the client closes (it must not resync)`, async () => {
      await withServer(mailbox({ handlers: { STAT: (_args, session) => session.send(reply) } }), async (server) => {
        const client = await loggedIn(server, { limits: { ...FAST, ...limits } });
        await assert.rejects(client.stat(), hasCode('PROTOCOL_ERROR', true));
        assert.equal(client.closed, true);
        // Whatever is asked next learns why the session ended.
        await assert.rejects(client.noop(), hasCode('PROTOCOL_ERROR', true));
      });
    });
  }

  for (const [name, lines] of [
    ['a LIST line that is not numbers', '1 100\r\n2 lots\r\n'],
    ['a LIST that names message 2 twice', '1 100\r\n2 100\r\n2 200\r\n'],
    ['message number 0', '0 100\r\n'],
  ] as const) {
    test(`${name}: PROTOCOL_ERROR, client closed`, async () => {
      await withServer(mailbox({ handlers: { LIST: (_args, session) => session.send(`+OK\r\n${lines}.\r\n`) } }), async (server) => {
        const client = await loggedIn(server);
        await assert.rejects(client.list(), hasCode('PROTOCOL_ERROR', true));
        assert.equal(client.closed, true);
      });
    });
  }

  test('duplicate and malformed UIDs are kept but flagged valid: false', async () => {
    const uids = ['AAA', 'BBB', 'AAA', 'has space', 'x'.repeat(71), 'caf\u00e9', 'ok-1'];
    const listing = uids.map((uid, i) => `${i + 1} ${uid}\r\n`).join('');
    await withServer(mailbox({ handlers: { UIDL: (_args, session) => session.send(`+OK\r\n${listing}.\r\n`) } }), async (server) => {
      const client = await loggedIn(server);
      const entries = await client.uidl();
      assert.deepEqual(
        entries.map((e) => [e.number, e.valid]),
        [
          [1, false],
          [2, true],
          [3, false],
          [4, false],
          [5, false],
          [6, false],
          [7, true],
        ],
      );
      assert.equal(client.closed, false);
    });
  });

  test('a malformed UIDL line (no UID): PROTOCOL_ERROR', async () => {
    await withServer(mailbox({ handlers: { UIDL: (_args, session) => session.send('+OK\r\n1 abc\r\n2\r\n.\r\n') } }), async (server) => {
      const client = await loggedIn(server);
      await assert.rejects(client.uidl(), hasCode('PROTOCOL_ERROR', true));
    });
  });
});

describe('-ERR replies and response codes', () => {
  test('-ERR on one command leaves the client usable', async () => {
    await withServer(mailbox({ messages: FIVE }), async (server) => {
      const client = await loggedIn(server);
      await assert.rejects(client.dele(99), (e: unknown) => hasCode('COMMAND_FAILED', false)(e) && (e as Pop3Error).command === 'DELE 99');
      await assert.rejects(client.retr(42), hasCode('COMMAND_FAILED', false));
      await assert.rejects(client.top(42, 0), hasCode('COMMAND_FAILED', false));
      assert.equal(client.closed, false);
      assert.deepEqual(await client.stat(), { count: 5, size: FIVE.reduce((n, m) => n + toCrlf(m.data).length, 0) });
      await client.quit();
    });
  });

  test('-ERR [IN-USE] at PASS: IN_USE, not fatal, and the client can log in once the lock is gone', async () => {
    let attempts = 0;
    const script = mailbox({
      handlers: {
        PASS: async (_args, session) => {
          if (++attempts > 1) return 'default';
          await session.send('-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n');
        },
      },
    });
    await withServer(script, async (server) => {
      const client = await openClient(server);
      await client.capa();
      await assert.rejects(
        client.login({ username: 'alice', password: 'correct horse', mechanism: 'user', allowInsecure: true }),
        (e: unknown) => hasCode('IN_USE', false)(e) && (e as Pop3Error).respCode === 'IN-USE',
      );
      assert.equal(client.closed, false);
      assert.equal(client.state, 'authorization');
      await client.login({ username: 'alice', password: 'correct horse', mechanism: 'user', allowInsecure: true });
      assert.equal(client.state, 'transaction');
    });
  });

  test('LOGIN-DELAY: advertised seconds exposed, [LOGIN-DELAY] typed', async () => {
    const script = mailbox({
      capabilities: [...DEFAULT_CAPABILITIES, 'LOGIN-DELAY 900', 'EXPIRE 30'],
      handlers: { PASS: (_args, session) => session.send('-ERR [LOGIN-DELAY] Minimum time between logins is 900 seconds\r\n') },
    });
    await withServer(script, async (server) => {
      const client = await openClient(server);
      const caps = await client.capa();
      assert.equal(caps.loginDelaySeconds, 900);
      assert.equal(caps.expire, 30);
      await assert.rejects(client.login({ username: 'alice', password: 'correct horse', mechanism: 'user', allowInsecure: true }), hasCode('LOGIN_DELAY', false));
    });
  });

  for (const [verb, line, code] of [
    ['PASS', '-ERR [AUTH] Authentication failed.', 'AUTH_FAILED'],
    ['PASS', '-ERR [SYS/PERM] Account disabled', 'SYS_PERM'],
    ['PASS', '-ERR [SYS/TEMP] Storage unavailable', 'SYS_TEMP'],
    ['PASS', '-ERR Bad login', 'AUTH_FAILED'],
    ['RETR', '-ERR [SYS/TEMP] Message temporarily unavailable', 'SYS_TEMP'],
    ['TOP', '-ERR [SYS/PERM] Corrupted message', 'SYS_PERM'],
  ] as const) {
    test(`${verb} answered "${line}" is ${code}`, async () => {
      const script = mailbox({ messages: FIVE, handlers: { [verb]: (_args, session) => session.send(`${line}\r\n`) } });
      await withServer(script, async (server) => {
        if (verb === 'PASS') {
          const client = await openClient(server);
          await client.capa();
          await assert.rejects(client.login({ username: 'alice', password: 'correct horse', mechanism: 'user', allowInsecure: true }), hasCode(code, false));
          assert.equal(client.closed, false);
        } else {
          const client = await loggedIn(server);
          await assert.rejects(verb === 'RETR' ? client.retr(1) : client.top(1, 0), hasCode(code, false));
          await client.noop();
        }
      });
    });
  }

  test('wrong password: AUTH_FAILED for USER/PASS, APOP and AUTH PLAIN alike', async () => {
    await withServer(mailbox(), async (server) => {
      for (const mechanism of ['user', 'apop', 'sasl-plain'] as const) {
        const client = await openClient(server);
        await client.capa();
        await assert.rejects(client.login({ username: 'alice', password: 'wrong', mechanism, allowInsecure: true }), hasCode('AUTH_FAILED', false));
        assert.equal(await client.login({ username: 'alice', password: 'correct horse', mechanism, allowInsecure: true }), mechanism);
        await client.quit();
      }
    });
  });
});

describe('fail closed on security', () => {
  async function receivedAfterClose(server: FakePop3Server): Promise<string> {
    const session = await server.nextSession();
    await session.closed;
    return session.receivedText();
  }

  test('STLS not advertised: TLS_FAILED, and nothing but CAPA was sent', async () => {
    await withServer(mailbox(), async (server) => {
      await assert.rejects(connectPop3({ host: '127.0.0.1', port: server.port, security: 'starttls', limits: FAST }), hasCode('TLS_FAILED', true));
      assert.equal(await receivedAfterClose(server), 'CAPA\r\n');
    });
  });

  test('implicit TLS to a plain POP3 port: TLS_FAILED that says the port does not speak TLS', async () => {
    await withServer(mailbox(), async (server) => {
      await assert.rejects(connectPop3({ host: '127.0.0.1', port: server.port, security: 'tls', limits: FAST }), (error: unknown) => {
        hasCode('TLS_FAILED', true)(error);
        assert.match((error as Error).message, /did not answer in TLS on this port/);
        return true;
      });
    });
  });

  test('STLS refused: TLS_FAILED, and no USER, PASS or AUTH ever sent', async () => {
    const script = mailbox({
      capabilities: [...DEFAULT_CAPABILITIES, 'STLS'],
      handlers: { STLS: (_args, session) => session.send('-ERR TLS not available right now\r\n') },
    });
    await withServer(script, async (server) => {
      await assert.rejects(connectPop3({ host: '127.0.0.1', port: server.port, security: 'starttls', limits: FAST }), hasCode('TLS_FAILED', true));
      assert.equal(await receivedAfterClose(server), 'CAPA\r\nSTLS\r\n');
    });
  });

  test('no CAPA at all and STLS refused: still TLS_FAILED with nothing else sent', async () => {
    const script = mailbox({ capabilities: null, handlers: { STLS: (_args, session) => session.send('-ERR Unknown command\r\n') } });
    await withServer(script, async (server) => {
      await assert.rejects(connectPop3({ host: '127.0.0.1', port: server.port, security: 'starttls', limits: FAST }), hasCode('TLS_FAILED', true));
      assert.equal(await receivedAfterClose(server), 'CAPA\r\nSTLS\r\n');
    });
  });

  test('bytes injected right after the STLS +OK, in the same packet: PROTOCOL_ERROR and nothing more written', async () => {
    const script = mailbox({
      capabilities: [...DEFAULT_CAPABILITIES, 'STLS'],
      handlers: { STLS: (_args, session) => session.send('+OK Begin TLS negotiation\r\n+OK injected in the clear\r\n') },
    });
    await withServer(script, async (server) => {
      await assert.rejects(connectPop3({ host: '127.0.0.1', port: server.port, security: 'starttls', limits: FAST }), hasCode('PROTOCOL_ERROR', true));
      // Not even a TLS ClientHello.
      assert.equal(await receivedAfterClose(server), 'CAPA\r\nSTLS\r\n');
    });
  });

  test('stls() on a client that has no upgrade path is refused before anything is sent', async () => {
    await withServer(mailbox({ capabilities: [...DEFAULT_CAPABILITIES, 'STLS'] }), async (server) => {
      const client = await openClient(server);
      await assert.rejects(client.stls(), hasCode('UNSUPPORTED', false));
      client.close();
      assert.equal(await receivedAfterClose(server), '');
    });
  });

  test('login over a plain connection without allowInsecure: INSECURE_AUTH and no credentials sent', async () => {
    await withServer(mailbox(), async (server) => {
      const client = await connectPop3({ host: '127.0.0.1', port: server.port, security: 'none', limits: FAST });
      for (const mechanism of ['auto', 'user', 'apop', 'sasl-plain'] as const) {
        await assert.rejects(client.login({ username: 'alice', password: 'correct horse', mechanism }), hasCode('INSECURE_AUTH', false));
      }
      assert.equal(client.closed, false);
      await client.quit();
      assert.equal(await receivedAfterClose(server), 'CAPA\r\nQUIT\r\n');
    });
  });

  test('CR, LF or NUL in a user name or password: INVALID_ARGUMENT before anything is sent', async () => {
    await withServer(mailbox(), async (server) => {
      const client = await openClient(server);
      await client.capa();
      for (const mechanism of ['user', 'apop', 'sasl-plain'] as const) {
        for (const [username, password] of [
          ['alice\r\nDELE 1', 'pw'],
          ['alice', 'pw\r\nDELE 1'],
          ['alice', 'pw\nQUIT'],
          ['alice\0', 'pw'],
          ['alice', 'p\0w'],
        ] as const) {
          await assert.rejects(client.login({ username, password, mechanism, allowInsecure: true }), (e: unknown) => {
            hasCode('INVALID_ARGUMENT', false)(e);
            assert.ok(!(e as Error).message.includes(password));
            return true;
          });
        }
      }
      client.close();
      assert.equal(await receivedAfterClose(server), 'CAPA\r\n');
    });
  });

  test('connecting to a port nobody listens on: CONNECT_FAILED', async () => {
    const server = await startFakePop3(() => undefined);
    const port = server.port;
    await server.close();
    await assert.rejects(connectPop3({ host: '127.0.0.1', port, security: 'none', limits: FAST }), hasCode('CONNECT_FAILED', true));
  });
});

describe('passwords never leak', () => {
  const PASSWORD = 'Xyzzy-s3cret-Pa55';
  const B64 = Buffer.from(`\0alice\0${PASSWORD}`).toString('base64');

  /** A careless server that echoes what it was sent, in every reply it can. */
  const echoing = mailbox({
    password: PASSWORD,
    capabilities: [...DEFAULT_CAPABILITIES],
    handlers: {
      PASS: (args, session) => session.send(`-ERR [AUTH] wrong password ${args.join(' ')}\r\n`),
      APOP: (args, session) => session.send(`-ERR [AUTH] bad digest ${args.join(' ')} for ${PASSWORD}\r\n`),
      AUTH: async (args, session) => {
        if (args[1] === undefined) {
          await session.send(`+ ${PASSWORD}\r\n`);
          const line = await session.nextLine();
          await session.send(`-ERR [AUTH] you sent ${line ?? ''} which decodes to ${PASSWORD}\r\n`);
        } else {
          await session.send(`-ERR [AUTH] you sent ${args[1]}\r\n`);
        }
      },
    },
  });

  test('not in error messages, err.command, err.response or the transcript, whatever the server echoes', async () => {
    await withServer(echoing, async (server) => {
      const transcript: TranscriptEntry[] = [];
      const errors: unknown[] = [];
      for (const [mechanism, saslInitialResponse] of [
        ['user', true],
        ['apop', true],
        ['sasl-plain', true],
        ['sasl-plain', false],
      ] as const) {
        const client = await openClient(server, { onTranscript: (entry) => transcript.push(entry) });
        await client.capa();
        await client
          .login({ username: 'alice', password: PASSWORD, mechanism, saslInitialResponse, allowInsecure: true })
          .then(() => assert.fail('login should fail'), (error: unknown) => errors.push(error));
        client.close();
      }
      // The server really did receive the password (so the test proves redaction, not absence).
      assert.ok(server.sessions[0]!.receivedText().includes(PASSWORD));
      assert.ok(server.sessions[3]!.receivedText().includes(B64));

      assert.equal(errors.length, 4);
      for (const error of errors) {
        assert.ok(isPop3Error(error));
        assert.equal(error.code, 'AUTH_FAILED');
        const visible = [error.message, error.command ?? '', error.response ?? '', String(error), error.stack ?? '', JSON.stringify(error)].join('\n');
        assert.ok(!visible.includes(PASSWORD), visible);
        assert.ok(!visible.includes(B64), visible);
      }
      const text = JSON.stringify(transcript);
      assert.ok(!text.includes(PASSWORD), text);
      assert.ok(!text.includes(B64), text);
      assert.ok(transcript.some((e) => e.text === 'PASS ********'));
      assert.ok(transcript.some((e) => e.text === 'AUTH PLAIN ********'));
    });
  });

  test('not in a timeout during login either', async () => {
    const script = mailbox({ password: PASSWORD, handlers: { PASS: () => undefined } });
    await withServer(script, async (server) => {
      const client = await openClient(server);
      await client.capa();
      const error = await client.login({ username: 'alice', password: PASSWORD, mechanism: 'user', allowInsecure: true }).catch((e: unknown) => e);
      hasCode('TIMEOUT', true)(error);
      assert.equal((error as Pop3Error).command, 'PASS ********');
      assert.ok(!JSON.stringify({ m: (error as Error).message, c: (error as Pop3Error).command }).includes(PASSWORD));
    });
  });
});

describe('queue, pipelining and concurrency', () => {
  /** Records, for every command the server reads, how many more commands were already waiting behind it. */
  function observing(options: MailboxOptions): { script: SessionScript; ahead: Array<[string, number]> } {
    const ahead: Array<[string, number]> = [];
    const observe = (verb: string) => async (_args: string[], session: FakeSession) => {
      // Give a pipelining client time to write what it would write.
      await sleep(25);
      ahead.push([verb, session.unreadLines]);
      return 'default' as const;
    };
    const handlers = Object.fromEntries(['USER', 'PASS', 'TOP', 'LIST', 'UIDL', 'STAT', 'NOOP'].map((verb) => [verb, observe(verb)]));
    return { script: mailbox({ ...options, handlers }), ahead };
  }

  test('with PIPELINING the server receives several commands before it has answered the first', async () => {
    const { script, ahead } = observing({ messages: FIVE });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      assert.equal(client.pipelining, true);
      const results = await client.topMany([1, 2, 3, 4, 5]);
      assert.deepEqual(
        results.map((r) => r.data?.toString()),
        ['one', 'two', 'three', 'four', 'five'].map((s) => `Subject: ${s}\r\n\r\n`),
      );
      // USER and PASS shared a round trip; all five TOPs were on the wire before the first reply.
      assert.deepEqual(ahead.slice(0, 2), [
        ['USER', 1],
        ['PASS', 0],
      ]);
      assert.deepEqual(ahead.slice(2, 3), [['TOP', 4]]);
    });
  });

  test('topMany: a connection lost mid-batch rejects the batch once (CLOSED), after some replies; an empty batch is empty', async () => {
    let tops = 0;
    const dropOnThird = async (_args: string[], session: FakeSession) => {
      if (++tops < 3) return 'default' as const;
      await session.send('+OK\r\nSubject: half');
      session.destroy();
    };
    await withServer(mailbox({ messages: FIVE, handlers: { TOP: dropOnThird } }), async (server) => {
      const client = await loggedIn(server);
      assert.deepEqual(await client.topMany([]), []);
      const error = await client.topMany([1, 2, 3, 4, 5]).then(
        () => assert.fail('the batch resolved'),
        (caught: unknown) => caught,
      );
      assert.ok(isPop3Error(error) && error.fatal, `fatal error, got ${String(error)}`);
      assert.equal(client.closed, true);
      await assert.rejects(client.topMany([1]), (e: unknown) => isPop3Error(e) && e.code === 'CLOSED');
    });
  });

  test('without PIPELINING exactly one command is in flight at a time', async () => {
    const { script, ahead } = observing({ messages: FIVE, capabilities: DEFAULT_CAPABILITIES.filter((c) => c !== 'PIPELINING') });
    await withServer(script, async (server) => {
      const client = await loggedIn(server);
      assert.equal(client.pipelining, false);
      const [tops, stat, list, uidl] = await Promise.all([client.topMany([1, 2, 3, 4, 5]), client.stat(), client.list(), client.uidl(), client.noop()]);
      assert.equal(tops.length, 5);
      assert.equal(stat.count, 5);
      assert.equal(list.length, 5);
      assert.equal(uidl.length, 5);
      assert.equal(ahead.length, 11);
      for (const [verb, waiting] of ahead) assert.equal(waiting, 0, `${verb} had ${waiting} commands written behind it`);
    });
  });

  for (const pipelining of [true, false]) {
    test(`concurrent callers on one client get the right replies, in order (PIPELINING ${pipelining ? 'on' : 'off'})`, async () => {
      const messages = Array.from({ length: 12 }, (_, i) => ({ data: Buffer.from(`Subject: m${i + 1}\n\n${'body '.repeat(i * 40)}${i + 1}\n`), uid: `U${i + 1}` }));
      const capabilities = pipelining ? DEFAULT_CAPABILITIES : DEFAULT_CAPABILITIES.filter((c) => c !== 'PIPELINING');
      await withServer(mailbox({ messages, capabilities }), async (server) => {
        const client = await loggedIn(server);
        const jobs = messages.flatMap((m, i) => {
          const n = i + 1;
          return [
            client.list(n).then((entry) => assert.deepEqual(entry, { number: n, size: toCrlf(m.data).length })),
            client.uidl(n).then((entry) => assert.deepEqual(entry, { number: n, uid: `U${n}`, valid: true })),
            client.retr(n).then(readAll).then((body) => assert.deepEqual(body, toCrlf(m.data))),
            client.top(n, 0).then(readAll).then((head) => assert.equal(head.toString(), `Subject: m${n}\r\n\r\n`)),
            client.list(100 + n).then(
              () => assert.fail('no such message'),
              (e: unknown) => hasCode('COMMAND_FAILED', false)(e),
            ),
          ];
        });
        await Promise.all(jobs);
        assert.equal(client.closed, false);
        assert.deepEqual(await client.stat(), { count: 12, size: messages.reduce((n, m) => n + toCrlf(m.data).length, 0) });
      });
    });
  }

  test('DELE + RSET keeps messages; DELE + QUIT removes them', async () => {
    await withServer(mailbox({ messages: FIVE }), async (server) => {
      const client = await loggedIn(server);
      await client.dele(1);
      await client.dele(2);
      assert.equal((await client.stat()).count, 3);
      await assert.rejects(client.retr(1), hasCode('COMMAND_FAILED', false));
      await client.rset();
      assert.equal((await client.stat()).count, 5);
      await client.dele(5);
      await client.quit();
      assert.equal(client.closed, true);
      await assert.rejects(client.noop(), hasCode('CLOSED', true));
      assert.match(server.sessions[0]!.receivedText(), /DELE 5\r\nQUIT\r\n$/);
    });
  });

  test('close() without QUIT rejects what is still queued with CLOSED', async () => {
    // STAT is never answered, and nothing after it either (replies must stay in order).
    const stall = () => new Promise<void>(() => undefined);
    await withServer(mailbox({ messages: FIVE, handlers: { STAT: stall } }), async (server) => {
      const client = await loggedIn(server, { limits: { commandTimeoutMs: 10_000 } });
      const pending = [client.stat(), client.noop(), client.list()];
      await sleep(20);
      client.close();
      for (const result of await Promise.allSettled(pending)) {
        assert.equal(result.status, 'rejected');
        hasCode('CLOSED', true)(result.status === 'rejected' ? result.reason : undefined);
      }
    });
  });
});
