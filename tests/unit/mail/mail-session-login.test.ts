import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { sessionView } from '../../../lib/http/session-view';
import { MailSession, type Credentials, type TokenSource } from '../../../lib/mail/mail-session';
import { isPop3Error } from '../../../lib/pop3';
import { mailbox, startFakePop3, type FakePop3Server, type MailboxMessage, type MailboxOptions, type VerbHandler } from '../../support/fake-pop3-server';
import { newSeen, saslAuth } from '../../support/fake-sasl';
import { PROVIDERS, newReplayState, replayServer } from '../../support/provider-replays';
import { sleep } from '../../support/sleep';

/**
 * The session's side of logging in, against the fake server: OAuth tokens
 * refreshed once when refused, Microsoft's two-line form remembered per
 * server, an advertised LOGIN-DELAY treated as a hint, and Apply reporting
 * its deletions even when the login after QUIT is refused.
 */

const USER = 'alice';
const PASSWORD = 'correct horse';
const servers: FakePop3Server[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function fake(options: MailboxOptions): Promise<FakePop3Server> {
  const server = await startFakePop3(mailbox({ user: USER, password: PASSWORD, ...options }));
  servers.push(server);
  return server;
}

function open(server: FakePop3Server, credentials: Credentials): Promise<MailSession> {
  return MailSession.open('test-token', { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' }, credentials, {
    limits: { greetingTimeoutMs: 3_000, commandTimeoutMs: 3_000 },
  });
}

const password = (extra: Partial<Extract<Credentials, { kind: 'password' }>> = {}): Credentials => ({
  kind: 'password',
  username: USER,
  password: PASSWORD,
  mechanism: 'auto',
  allowInsecure: true,
  ...extra,
});

function message(subject: string): MailboxMessage {
  return { data: Buffer.from(`From: a@example.test\nSubject: ${subject}\n\nbody of ${subject}\n`) };
}

/**
 * A maildrop that survives the connection: QUIT removes what was marked, as a real server does.
 * (The fake's own state lives per connection.)
 */
function persistent(messages: MailboxMessage[]): Pick<MailboxOptions, 'messages' | 'handlers'> {
  const quit: VerbHandler = async (_args, session, state) => {
    const gone = new Set(state.messages.flatMap((m) => (m.deleted ? [m.uid] : [])));
    for (let i = messages.length - 1; i >= 0; i--) if (gone.has(messages[i]!.uid ?? '')) messages.splice(i, 1);
    await session.send('+OK Bye.\r\n');
    session.end();
  };
  messages.forEach((m, i) => (m.uid ??= `uid-${i + 1}`));
  return { messages, handlers: { QUIT: quit } };
}

class Tokens implements TokenSource {
  refreshed = 0;
  constructor(
    private current: string,
    private readonly next: string | (() => never),
  ) {}
  async accessToken(): Promise<string> {
    return this.current;
  }
  async refresh(): Promise<string> {
    this.refreshed++;
    if (typeof this.next === 'function') this.next();
    this.current = this.next as string;
    return this.current;
  }
}

describe('OAuth sessions', () => {
  const oauthServer = (seen = newSeen(), extra: Parameters<typeof saslAuth>[0] = {}) =>
    fake({ capabilities: ['USER', 'UIDL', 'TOP', 'SASL PLAIN XOAUTH2 OAUTHBEARER'], messages: [message('one')], handlers: { AUTH: saslAuth({ mechanisms: ['XOAUTH2', 'OAUTHBEARER'], token: 'fresh', seen, ...extra }) } });

  test('a refused token is refreshed once and the login retried', async () => {
    const seen = newSeen();
    const server = await oauthServer(seen);
    const tokens = new Tokens('expired', 'fresh');
    const session = await open(server, { kind: 'oauth', username: USER, mechanism: 'xoauth2', tokens, allowInsecure: true });
    assert.equal(tokens.refreshed, 1);
    assert.equal(session.mechanism, 'xoauth2');
    assert.equal(session.count, 1);
    assert.deepEqual(seen.challengeAnswers, [''], 'the error challenge was answered before the retry');
    session.close();
  });

  test('OAUTHBEARER names the server in its GS2 header', async () => {
    const seen = newSeen();
    const server = await oauthServer(seen);
    const session = await open(server, { kind: 'oauth', username: USER, mechanism: 'oauthbearer', tokens: new Tokens('fresh', 'fresh'), allowInsecure: true });
    assert.equal(seen.payloads[0], `n,a=${USER},\x01host=127.0.0.1\x01port=${server.port}\x01auth=Bearer fresh\x01\x01`);
    session.close();
  });

  test('a refresh that is impossible propagates REAUTH_REQUIRED', async () => {
    const server = await oauthServer();
    const tokens = new Tokens('revoked', () => {
      throw new AppError('REAUTH_REQUIRED', 'Please sign in again.');
    });
    await assert.rejects(open(server, { kind: 'oauth', username: USER, mechanism: 'xoauth2', tokens, allowInsecure: true }), (e: unknown) => e instanceof AppError && e.code === 'REAUTH_REQUIRED');
    assert.equal(tokens.refreshed, 1);
  });

  test('a token still refused after the refresh is AUTH_FAILED with the reason, and no endless refreshing', async () => {
    const server = await oauthServer();
    const tokens = new Tokens('bad', 'still-bad');
    const error = await open(server, { kind: 'oauth', username: USER, mechanism: 'xoauth2', tokens, allowInsecure: true }).then(
      () => assert.fail('logged in'),
      (caught: unknown) => caught,
    );
    assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED' && error.oauth?.status === '400', String(error));
    assert.equal(tokens.refreshed, 1);
  });
});

describe('Microsoft 365: AUTH PLAIN', () => {
  test('the one-line form refused as a protocol error: the two-line form on a fresh connection, then straight to it next time', async () => {
    const seen = newSeen();
    const server = await fake({
      greeting: '+OK The Microsoft Exchange POP3 service is ready. [UwBHADIAUABSADAAMwBDAEEAMAAwADkANwA=]',
      capabilities: ['TOP', 'UIDL', 'SASL PLAIN XOAUTH2', 'USER'],
      messages: [message('one')],
      handlers: { AUTH: saslAuth({ seen, initialResponse: 'protocol-error-close', welcome: '+OK User successfully authenticated.' }) },
    });
    const first = await open(server, password());
    assert.equal(first.mechanism, 'sasl-plain');
    assert.deepEqual(seen.attempts, ['PLAIN initial', 'PLAIN continuation']);
    assert.equal(server.sessions.length, 2);
    first.close();
    seen.attempts.length = 0;
    const second = await open(server, password());
    assert.deepEqual(seen.attempts, ['PLAIN continuation'], 'remembered for this server');
    second.close();
  });
});

describe('LOGIN-DELAY and Apply', () => {
  test('EXPIRE 0 and LOGIN-DELAY 300 reach the session JSON as policies', async () => {
    const server = await fake({ capabilities: ['USER', 'UIDL', 'TOP', 'EXPIRE 0', 'LOGIN-DELAY 300'], messages: [message('one')] });
    const session = await open(server, password({ mechanism: 'user' }));
    assert.deepEqual(sessionView(session).policies, { expireDays: 0, loginDelaySeconds: 300 });
    session.close();
    const never = await fake({ capabilities: ['USER', 'UIDL', 'EXPIRE NEVER'], messages: [] });
    const other = await open(never, password({ mechanism: 'user' }));
    assert.deepEqual(sessionView(other).policies, { expireDays: null, loginDelaySeconds: null });
    other.close();
  });

  test('Gmail: LOGIN-DELAY 300 advertised, not enforced → Apply deletes, logs in again at once, and shows the new snapshot', async () => {
    const messages = [message('one'), message('two'), message('three')];
    const server = await fake({ capabilities: ['USER', 'UIDL', 'TOP', 'RESP-CODES', 'EXPIRE 0', 'LOGIN-DELAY 300'], ...persistent(messages) });
    const session = await open(server, password({ mechanism: 'user' }));
    const doomed = session.snapshot[0]!.id;
    await session.mark([doomed]);
    const result = await session.commit();
    assert.deepEqual(result, { deleted: 1, count: 2, size: session.size, reconnected: true });
    assert.equal(server.sessions.length, 2, 'logged in again within the advertised delay');
    assert.ok(!session.snapshot.some((entry) => entry.id === doomed));
    session.close();
  });

  test("Gmail's own replay (EXPIRE 0, LOGIN-DELAY 300, its words): login, Apply, and straight back in", async () => {
    const gmail = PROVIDERS.find((p) => p.name === 'Gmail')!;
    const messages = [message('one'), message('two')];
    const kept = persistent(messages);
    const script = replayServer(gmail, { user: USER, password: PASSWORD }, newReplayState());
    const server = await fake({ ...kept, ...script, handlers: { ...script.handlers, ...kept.handlers } });
    const session = await open(server, password());
    assert.equal(session.mechanism, 'sasl-plain', "no APOP timestamp in Gpop's greeting: SASL PLAIN");
    assert.deepEqual(session.policies, { expireDays: 0, loginDelaySeconds: 300 });
    await session.mark([session.snapshot[0]!.id]);
    const result = await session.commit();
    assert.equal(result.reconnected, true);
    assert.equal(result.deleted, 1);
    assert.equal(result.count, 1);
    session.close();
  });

  test('a server that enforces its delay: Apply still reports the deletions; the session stays usable and the next request logs in', async () => {
    const messages = [message('one'), message('two'), message('three')];
    let refuse = true;
    let logins = 0;
    const pass: VerbHandler = async (_args, session) => {
      logins++;
      if (logins > 1 && refuse) {
        await session.send('-ERR [LOGIN-DELAY] Wait 300 seconds between logins\r\n');
        return;
      }
      return 'default';
    };
    const server = await fake({ capabilities: ['USER', 'UIDL', 'TOP', 'RESP-CODES', 'LOGIN-DELAY 300'], ...persistent(messages), handlers: { ...persistent(messages).handlers, PASS: pass } });
    const session = await open(server, password({ mechanism: 'user' }));
    const doomed = session.snapshot[1]!.id;
    await session.mark([doomed]);
    const result = await session.commit();
    assert.equal(result.deleted, 1);
    assert.equal(result.reconnected, false);
    assert.ok((result.retryAfter ?? 0) > 0 && (result.retryAfter ?? 0) <= 300, `retryAfter ${String(result.retryAfter)}`);
    assert.equal(result.count, 2, 'what is known, minus what QUIT deleted');
    assert.equal(messages.length, 2, 'the server deleted it');
    assert.ok(!session.ended);
    assert.deepEqual(session.known.map((entry) => entry.id).includes(doomed), false);

    // The server's delay is now known to be real: a request within it gets 429, without another login attempt.
    const sessionsBefore = server.sessions.length;
    await assert.rejects(session.run(async () => undefined), (e: unknown) => e instanceof AppError && e.code === 'LOGIN_DELAY');
    assert.equal(server.sessions.length, sessionsBefore, 'an enforced delay is not hammered');
    session.close();
  });

  test('a code-less refusal within the advertised delay is LOGIN_DELAY, not a wrong password', async () => {
    const messages = [message('one')];
    let logins = 0;
    const pass: VerbHandler = async (_args, session) => {
      logins++;
      if (logins > 1) {
        await session.send('-ERR Please wait a bit\r\n');
        return;
      }
      return 'default';
    };
    const server = await fake({ capabilities: ['USER', 'UIDL', 'LOGIN-DELAY 120'], messages, handlers: { PASS: pass } });
    const session = await open(server, password({ mechanism: 'user' }));
    const result = await session.commit();
    assert.equal(result.reconnected, false);
    assert.ok((result.retryAfter ?? 0) > 0);
    session.close();
  });
});

describe('[IN-USE] at login', () => {
  const refusing = (waitMs: number): VerbHandler => async (_args, session) => {
    // A server that holds the maildrop's lock: Dovecot waits for it (about 10 s) before it refuses.
    if (waitMs > 0) await sleep(waitMs);
    await session.send('-ERR [IN-USE] Mailbox is locked by another session\r\n');
  };
  const openWithBudget = (server: FakePop3Server, loginTimeoutMs: number) =>
    MailSession.open('test-token', { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' }, password(), {
      limits: { greetingTimeoutMs: 3_000, commandTimeoutMs: 5_000, loginTimeoutMs },
    });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => assert.fail('the login succeeded'),
      (caught: unknown) => caught,
    );

  test('refused at once: tried again a few times (a previous connection may be letting go), then IN_USE', async () => {
    const server = await fake({ capabilities: ['RESP-CODES', 'USER', 'UIDL', 'TOP'], messages: [message('one')], handlers: { PASS: refusing(0), APOP: refusing(0), AUTH: refusing(0) } });
    const error = await refusal(openWithBudget(server, 20_000));
    assert.ok(isPop3Error(error) && error.code === 'IN_USE', String(error));
    assert.equal(server.sessions.length, 4);
  });

  test('refused after waiting for the lock: not tried again past the login budget, and IN_USE rather than a timeout', async () => {
    // One try takes 2.2 s of a 4 s budget: another (with its pause) would not end in time.
    const server = await fake({ capabilities: ['RESP-CODES', 'USER', 'UIDL', 'TOP'], messages: [message('one')], handlers: { PASS: refusing(2_200), APOP: refusing(2_200), AUTH: refusing(2_200) } });
    const error = await refusal(openWithBudget(server, 4_000));
    assert.ok(isPop3Error(error) && error.code === 'IN_USE', String(error));
    assert.equal(server.sessions.length, 1);
  });
});
