import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthMemory, Pop3Client, isPop3Error, loginWithFallback, type LoginOptions, type TranscriptEntry } from '../../../lib/pop3';
import { authPlan, oauthBearerResponse, xoauth2Response } from '../../../lib/pop3/auth';
import { emptyCapabilities } from '../../../lib/pop3/parse';
import { errorCodeFor } from '../../../lib/pop3/status-line';
import { DEFAULT_CAPABILITIES, mailbox, startFakePop3, type FakePop3Server, type MailboxOptions, type VerbHandler } from '../../support/fake-pop3-server';
import { BEARER_CHALLENGE, GOOGLE_CHALLENGE, newSeen, saslAuth, type SaslServerOptions } from '../../support/fake-sasl';

/**
 * SASL framing and the login fallback, against the fake server on loopback:
 * both XOAUTH2 forms, OAUTHBEARER's GS2 header, the RFC 7628 error-challenge
 * exchange, Microsoft's "Protocol error" for an initial response, and `auto`
 * handing over to the next mechanism only when the refusal is not about the
 * credentials.
 */

const TOKEN = 'ya29.test-token-not-a-secret';
const LIMITS = { greetingTimeoutMs: 2_000, commandTimeoutMs: 2_000 };

async function withServer(options: MailboxOptions, body: (server: FakePop3Server) => Promise<void>): Promise<void> {
  const server = await startFakePop3(mailbox(options));
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

async function open(server: FakePop3Server, transcript?: TranscriptEntry[]): Promise<Pop3Client> {
  const client = await Pop3Client.open(await server.connect(), { limits: LIMITS, onTranscript: transcript ? (e) => transcript.push(e) : undefined });
  await client.capa();
  return client;
}

function sasl(options: SaslServerOptions & { capabilities?: string[] }): MailboxOptions {
  const { capabilities, ...saslOptions } = options;
  return {
    capabilities: capabilities ?? ['USER', 'UIDL', 'TOP', 'SASL PLAIN XOAUTH2 OAUTHBEARER'],
    handlers: { AUTH: saslAuth({ mechanisms: ['PLAIN', 'XOAUTH2', 'OAUTHBEARER'], token: TOKEN, ...saslOptions }) },
  };
}

const tokenLogin = (extra: Partial<LoginOptions> = {}): LoginOptions => ({
  username: 'alice',
  accessToken: TOKEN,
  allowInsecure: true,
  server: { host: 'pop.example.test', port: 995 },
  ...extra,
});

describe('XOAUTH2 and OAUTHBEARER framing', () => {
  test("Google's one-line XOAUTH2: the response rides on the AUTH line; the token never reaches the transcript", async () => {
    const seen = newSeen();
    await withServer(sasl({ seen }), async (server) => {
      const transcript: TranscriptEntry[] = [];
      const client = await open(server, transcript);
      assert.equal(await client.login(tokenLogin({ mechanism: 'xoauth2' })), 'xoauth2');
      assert.deepEqual(seen.attempts, ['XOAUTH2 initial']);
      assert.deepEqual(seen.payloads, [`user=alice\x01auth=Bearer ${TOKEN}\x01\x01`]);
      const text = transcript.map((e) => e.text).join('\n');
      assert.ok(!text.includes(TOKEN) && !text.includes(xoauth2Response('alice', TOKEN)), text);
      assert.ok(transcript.some((e) => e.text === 'AUTH XOAUTH2 ********'));
      client.close();
    });
  });

  test("Microsoft's two-line XOAUTH2: `AUTH XOAUTH2`, `+ `, then the response", async () => {
    const seen = newSeen();
    await withServer(sasl({ seen }), async (server) => {
      const client = await open(server);
      await client.login(tokenLogin({ mechanism: 'xoauth2', saslInitialResponse: false }));
      assert.deepEqual(seen.attempts, ['XOAUTH2 continuation']);
      const session = server.sessions[0]!;
      assert.equal(session.lines[1], 'AUTH XOAUTH2');
      assert.equal(session.lines[2], xoauth2Response('alice', TOKEN));
      client.close();
    });
  });

  test('OAUTHBEARER sends the RFC 7628 GS2 header with the host and port the token is for', async () => {
    const seen = newSeen();
    await withServer(sasl({ seen }), async (server) => {
      const client = await open(server);
      assert.equal(await client.login(tokenLogin({ mechanism: 'oauthbearer' })), 'oauthbearer');
      assert.deepEqual(seen.payloads, [`n,a=alice,\x01host=pop.example.test\x01port=995\x01auth=Bearer ${TOKEN}\x01\x01`]);
      client.close();
    });
  });

  test('a user name with , and = is escaped in the GS2 header (RFC 5801 saslname)', () => {
    const decoded = Buffer.from(oauthBearerResponse('a,b=c', 't'), 'base64').toString('utf8');
    assert.equal(decoded, 'n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01');
  });

  for (const [mechanism, answer, challenge] of [
    ['xoauth2', '', GOOGLE_CHALLENGE],
    ['oauthbearer', 'AQ==', BEARER_CHALLENGE],
  ] as const) {
    for (const initial of [true, false]) {
      test(`a refused token (${mechanism}, ${initial ? 'one-line' : 'two-line'}): the error challenge is answered with ${JSON.stringify(answer)} and the reason reported`, async () => {
        const seen = newSeen();
        await withServer(sasl({ seen, token: 'another-token' }), async (server) => {
          const transcript: TranscriptEntry[] = [];
          const client = await open(server, transcript);
          const error = await client.login(tokenLogin({ mechanism, saslInitialResponse: initial })).then(
            () => assert.fail('the login succeeded'),
            (caught: unknown) => caught,
          );
          assert.ok(isPop3Error(error));
          assert.equal(error.code, 'AUTH_FAILED');
          assert.equal(error.fatal, false, 'the connection is still usable');
          assert.deepEqual(seen.challengeAnswers, [answer], 'answered exactly once, as the mechanism says');
          assert.equal(error.oauth?.status, challenge.status);
          assert.equal(error.oauth?.scope, challenge.scope);
          assert.match(error.message, new RegExp(`status ${challenge.status}`));
          assert.match(error.message, /scope needed/);
          assert.equal(error.response, 'Authentication failed.');
          const text = transcript.map((e) => e.text).join('\n');
          assert.ok(!text.includes(TOKEN), 'no token in the transcript');
          assert.equal(client.state, 'authorization');
          client.close();
        });
      });
    }
  }

  test('a second challenge after the error answer is cancelled with `*`, never left waiting', async () => {
    const twice: VerbHandler = async (_args, session) => {
      await session.send('+ eyJzdGF0dXMiOiI0MDEifQ==\r\n');
      await session.nextLine();
      await session.send('+ eyJzdGF0dXMiOiI0MDEifQ==\r\n');
      const answer = await session.nextLine();
      await session.send(answer === '*' ? '-ERR [AUTH] Aborted.\r\n' : '-ERR unexpected\r\n');
    };
    await withServer({ capabilities: ['USER', 'SASL XOAUTH2'], handlers: { AUTH: twice } }, async (server) => {
      const client = await open(server);
      await assert.rejects(client.login(tokenLogin({ mechanism: 'xoauth2' })), (e: unknown) => isPop3Error(e) && e.code === 'AUTH_FAILED' && e.response === 'Aborted.');
      client.close();
    });
  });

  test('a token mechanism without a token (or a password one without a password) is refused before anything is sent', async () => {
    await withServer(sasl({}), async (server) => {
      const client = await open(server);
      await assert.rejects(client.login({ username: 'alice', mechanism: 'xoauth2', allowInsecure: true }), (e: unknown) => isPop3Error(e) && e.code === 'INVALID_ARGUMENT');
      await assert.rejects(client.login({ username: 'alice', accessToken: TOKEN, mechanism: 'user', allowInsecure: true }), (e: unknown) => isPop3Error(e) && e.code === 'INVALID_ARGUMENT');
      assert.equal(server.sessions[0]!.lines.filter((l) => l.startsWith('AUTH') || l.startsWith('USER')).length, 0);
      client.close();
    });
  });
});

describe('which -ERR is about the credentials', () => {
  test('during login, a refusal of the command is UNSUPPORTED, a refusal of the person AUTH_FAILED', () => {
    for (const text of [
      'Protocol error.',
      'Protocol error. Connection is closed. 10',
      'Unsupported authentication mechanism.',
      'invalid command',
      'Unknown command.',
      'Command not recognized',
      'Invalid command in current state.',
      'AUTH mechanism not supported',
      'APOP not supported',
      'APOP is disabled',
      'Unrecognized authentication type.',
      'Unknown AUTH mechanism',
    ]) {
      assert.equal(errorCodeFor(undefined, true, text), 'UNSUPPORTED', text);
    }
    for (const text of [
      'Logon failure: unknown user name or bad password.',
      'Authentication failure: unknown user name or bad password.',
      'Bad login',
      'Invalid credentials (Failure)',
      'APOP authentication failed: password not correct',
      'Unknown user',
      'Authentication failed.',
      '',
    ]) {
      assert.equal(errorCodeFor(undefined, true, text), 'AUTH_FAILED', text);
    }
    assert.equal(errorCodeFor('AUTH', true, 'Protocol error.'), 'AUTH_FAILED', '[AUTH] always means the credentials');
    assert.equal(errorCodeFor('SYS/TEMP', true, 'unsupported'), 'SYS_TEMP');
    assert.equal(errorCodeFor(undefined, false, 'Protocol error.'), 'COMMAND_FAILED', 'outside login nothing changes');
  });
});

describe('loginWithFallback', () => {
  const password: LoginOptions = { username: 'alice', password: 'correct horse', allowInsecure: true };

  async function fallback(server: FakePop3Server, options: LoginOptions, memory?: AuthMemory) {
    const first = await open(server);
    const result = await loginWithFallback(first, options, { reopen: () => open(server), remembered: memory?.get('fake:1') });
    memory?.remember('fake:1', result.attempt);
    return result;
  }

  test("Microsoft: `AUTH PLAIN <initial>` refused as a protocol error and the connection closed → two-line form on a fresh connection, one guess", async () => {
    const seen = newSeen();
    await withServer(sasl({ seen, initialResponse: 'protocol-error-close', capabilities: ['TOP', 'UIDL', 'SASL PLAIN', 'USER'] }), async (server) => {
      const result = await fallback(server, { ...password, mechanism: 'sasl-plain' });
      assert.equal(result.mechanism, 'sasl-plain');
      assert.deepEqual(result.attempt, { mechanism: 'sasl-plain', initialResponse: false });
      assert.equal(result.fallbacks, 1);
      assert.equal(server.sessions.length, 2, 'a fresh connection for the retry');
      assert.deepEqual(seen.attempts, ['PLAIN initial', 'PLAIN continuation']);
      await result.client.stat();
      result.client.close();
    });
  });

  test('a protocol error followed by an unannounced hang-up: the retry finds the connection gone and reconnects', async () => {
    const seen = newSeen();
    await withServer(sasl({ seen, initialResponse: 'protocol-error-hangup' }), async (server) => {
      const result = await fallback(server, { ...password, mechanism: 'sasl-plain' });
      assert.deepEqual(result.attempt, { mechanism: 'sasl-plain', initialResponse: false });
      assert.ok(server.sessions.length >= 2, 'a fresh connection');
      assert.deepEqual(seen.attempts.at(-1), 'PLAIN continuation');
      await result.client.stat();
      result.client.close();
    });
  });

  test('the same refusal without a hang-up retries on the same connection', async () => {
    const seen = newSeen();
    await withServer(sasl({ seen, initialResponse: 'protocol-error' }), async (server) => {
      const result = await fallback(server, { ...password, mechanism: 'sasl-plain' });
      assert.equal(server.sessions.length, 1);
      assert.deepEqual(seen.attempts, ['PLAIN initial', 'PLAIN continuation']);
      result.client.close();
    });
  });

  test('the form that worked is remembered per server: the next login goes straight to it', async () => {
    const seen = newSeen();
    const memory = new AuthMemory();
    await withServer(sasl({ seen, initialResponse: 'protocol-error-close' }), async (server) => {
      (await fallback(server, { ...password, mechanism: 'sasl-plain' }, memory)).client.close();
      seen.attempts.length = 0;
      const again = await fallback(server, { ...password, mechanism: 'sasl-plain' }, memory);
      assert.deepEqual(seen.attempts, ['PLAIN continuation'], 'no second protocol error');
      assert.equal(again.fallbacks, 0);
      again.client.close();
    });
  });

  test('Microsoft XOAUTH2: the one-line form refused and the connection closed → the two-line form logs in', async () => {
    const seen = newSeen();
    await withServer(sasl({ seen, initialResponse: 'protocol-error-close', capabilities: ['TOP', 'UIDL', 'SASL PLAIN XOAUTH2', 'USER'] }), async (server) => {
      const result = await fallback(server, tokenLogin({ mechanism: 'xoauth2' }));
      assert.deepEqual(result.attempt, { mechanism: 'xoauth2', initialResponse: false });
      assert.deepEqual(seen.attempts, ['XOAUTH2 initial', 'XOAUTH2 continuation']);
      result.client.close();
    });
  });

  test('auto: a greeting with an APOP timestamp from a server that never accepts APOP falls back to the next mechanism on the same connection', async () => {
    const noApop: VerbHandler = (_args, session) => session.send('-ERR APOP not supported\r\n');
    await withServer({ capabilities: DEFAULT_CAPABILITIES, handlers: { APOP: noApop } }, async (server) => {
      const result = await fallback(server, password);
      assert.equal(result.mechanism, 'sasl-plain', 'in the clear: APOP first, then SASL PLAIN');
      assert.equal(result.fallbacks, 1);
      assert.equal(server.sessions.length, 1);
      result.client.close();
    });
  });

  test('a wrong password is one guess: no fallback to another mechanism', async () => {
    await withServer({ capabilities: DEFAULT_CAPABILITIES, greeting: '+OK ready' }, async (server) => {
      const error = await fallback(server, { ...password, password: 'wrong' }).then(
        () => assert.fail('the login succeeded'),
        (caught: unknown) => caught,
      );
      assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED');
      const lines = server.sessions.flatMap((s) => s.lines);
      assert.equal(lines.filter((l) => /^(AUTH|USER|PASS|APOP)\b/.test(l)).length, 1, `one attempt: ${lines.join(' | ')}`);
      assert.equal(server.sessions.length, 1);
    });
  });

  test('Exchange 2003 answers a wrong password in words, without [AUTH]: still AUTH_FAILED, no fallback', async () => {
    const logon: VerbHandler = (_args, session) => session.send('-ERR Logon failure: unknown user name or bad password.\r\n');
    await withServer({ capabilities: ['TOP', 'USER', 'PIPELINING', 'EXPIRE NEVER', 'UIDL', 'SASL NTLM'], greeting: '+OK ready', handlers: { PASS: logon } }, async (server) => {
      await assert.rejects(fallback(server, password), (e: unknown) => isPop3Error(e) && e.code === 'AUTH_FAILED');
      assert.equal(server.sessions[0]!.lines.filter((l) => l.startsWith('PASS')).length, 1);
    });
  });

  test('auto with a token: OAUTHBEARER first; unsupported → XOAUTH2', async () => {
    const seen = newSeen();
    await withServer({ capabilities: ['USER', 'SASL PLAIN XOAUTH2 OAUTHBEARER'], handlers: { AUTH: saslAuth({ seen, mechanisms: ['PLAIN', 'XOAUTH2'], token: TOKEN }) } }, async (server) => {
      const result = await fallback(server, tokenLogin());
      assert.equal(result.mechanism, 'xoauth2');
      assert.deepEqual(seen.attempts, ['OAUTHBEARER initial', 'XOAUTH2 initial']);
      result.client.close();
    });
  });

  test('every attempt refused for a reason other than the credentials ends in that refusal, never AUTH_FAILED', async () => {
    await withServer(sasl({ mechanisms: [], capabilities: ['SASL PLAIN'] }), async (server) => {
      const error = await fallback(server, { ...password, mechanism: 'sasl-plain' }).then(
        () => assert.fail('the login succeeded'),
        (caught: unknown) => caught,
      );
      assert.ok(isPop3Error(error) && error.code === 'UNSUPPORTED', String(error));
    });
  });
});

describe('authPlan', () => {
  const ctx = (sasl: string[], secure: boolean) => ({ capabilities: { ...emptyCapabilities(), user: true, sasl }, capaKnown: true, apopTimestamp: '<1.2@x>', secure });

  test('the documented order: over TLS PLAIN, USER, APOP; in the clear APOP first; each SASL form in turn', () => {
    assert.deepEqual(
      authPlan('auto', ctx(['PLAIN'], true), 'password').map((a) => `${a.mechanism}${a.initialResponse ? '+ir' : ''}`),
      ['sasl-plain+ir', 'sasl-plain', 'user', 'apop'],
    );
    assert.deepEqual(
      authPlan('auto', ctx(['PLAIN'], false), 'password').map((a) => a.mechanism),
      ['apop', 'sasl-plain', 'sasl-plain', 'user'],
    );
    assert.deepEqual(
      authPlan('auto', ctx(['XOAUTH2', 'OAUTHBEARER'], true), 'token', { initialResponse: false }).map((a) => `${a.mechanism}${a.initialResponse ? '+ir' : ''}`),
      ['oauthbearer', 'oauthbearer+ir', 'xoauth2', 'xoauth2+ir'],
    );
  });

  test('an explicit token mechanism is tried even when CAPA does not list it (Microsoft does not always)', () => {
    assert.deepEqual(authPlan('xoauth2', ctx([], true), 'token').map((a) => a.mechanism), ['xoauth2', 'xoauth2']);
  });
});

describe('long tokens', () => {
  test("a Microsoft-sized token (3,000 characters) goes in the two-line form even when one line was asked for", async () => {
    const long = `eyJ0eXAiOiJKV1Qi.${'x'.repeat(3000)}.sig`;
    const seen = newSeen();
    await withServer({ capabilities: ['USER', 'SASL XOAUTH2'], handlers: { AUTH: saslAuth({ seen, mechanisms: ['XOAUTH2'], token: long }) } }, async (server) => {
      const client = await open(server);
      assert.equal(await client.login(tokenLogin({ accessToken: long, mechanism: 'xoauth2' })), 'xoauth2');
      assert.deepEqual(seen.attempts, ['XOAUTH2 continuation'], 'an AUTH line over 2 KiB is never written');
      client.close();
    });
  });

  test('a token with a line break is refused before anything is sent', async () => {
    await withServer(sasl({}), async (server) => {
      const client = await open(server);
      await assert.rejects(client.login(tokenLogin({ accessToken: 'abc\r\nQUIT', mechanism: 'xoauth2' })), (e: unknown) => isPop3Error(e) && e.code === 'INVALID_ARGUMENT');
      assert.ok(!server.sessions[0]!.lines.some((l) => l.startsWith('AUTH') || l === 'QUIT'));
      client.close();
    });
  });
});
