import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toAppError } from '../../../lib/errors';
import { Pop3Client, isPop3Error, loginWithFallback, type AuthMechanism, type LoginOptions } from '../../../lib/pop3';
import { mailbox, startFakePop3, type FakePop3Server, type MailboxMessage } from '../../support/fake-pop3-server';
import { PROVIDERS, newReplayState, replayServer, type ProviderReplay, type ReplayServerState } from '../../support/provider-replays';

/**
 * The whole login against replays of nine providers' POP3 servers (greeting,
 * CAPA, their words for each reply; sources in tests/support/provider-replays.ts
 * and docs/interop.md): `auto` with a password on all nine, XOAUTH2 for Gmail
 * and Microsoft, a wrong password as exactly one guess, and each provider's
 * refusal in words. The client believes the channel is TLS (as on port 995),
 * so `auto` takes the order it takes in production.
 */

const USER = 'someone@example.test';
const PASSWORD = 'app-password-1234';
const TOKEN = 'ya29.replay-token';
const LIMITS = { greetingTimeoutMs: 3_000, commandTimeoutMs: 3_000 };
const MESSAGES: MailboxMessage[] = ['one', 'two', 'three'].map((s) => ({ data: Buffer.from(`From: a@example.test\nSubject: ${s}\n\nbody ${s}\n`) }));

/** What `auto` ends up with on each server, and whether it took a detour first. */
const EXPECTED: Record<string, { mechanism: AuthMechanism; connections: number; fallbacks: number }> = {
  Gmail: { mechanism: 'sasl-plain', connections: 1, fallbacks: 0 },
  'Microsoft 365 / Outlook.com': { mechanism: 'sasl-plain', connections: 2, fallbacks: 1 },
  'Exchange 2003': { mechanism: 'user', connections: 1, fallbacks: 0 },
  'Exchange 2013': { mechanism: 'sasl-plain', connections: 1, fallbacks: 1 },
  Yahoo: { mechanism: 'user', connections: 1, fallbacks: 0 },
  Yandex: { mechanism: 'sasl-plain', connections: 1, fallbacks: 0 },
  Comcast: { mechanism: 'user', connections: 1, fallbacks: 0 },
  Telenor: { mechanism: 'sasl-plain', connections: 1, fallbacks: 0 },
  Verizon: { mechanism: 'user', connections: 1, fallbacks: 0 },
};

async function replay(provider: ProviderReplay, body: (server: FakePop3Server, seen: ReplayServerState) => Promise<void>, overrides: Partial<ProviderReplay> = {}): Promise<void> {
  const seen = newReplayState();
  const script = replayServer({ ...provider, ...overrides }, { user: USER, password: PASSWORD, token: TOKEN }, seen);
  const server = await startFakePop3(mailbox({ user: USER, password: PASSWORD, messages: MESSAGES, ...script }));
  try {
    await body(server, seen);
  } finally {
    await server.close();
  }
}

async function connect(server: FakePop3Server): Promise<Pop3Client> {
  const client = await Pop3Client.open(await server.connect(), { limits: LIMITS, secure: true });
  await client.capa();
  return client;
}

/** Connect, log in as the session does (CAPA and STAT queued behind the login), read the maildrop, QUIT. */
async function wholeLogin(server: FakePop3Server, options: LoginOptions) {
  const first = await connect(server);
  try {
    const result = await loginWithFallback(first, options, {
      reopen: () => connect(server),
      queueAfterLogin: (client) => {
        const capa = client.capa();
        const stat = client.stat();
        capa.catch(() => undefined);
        stat.catch(() => undefined);
        return { capa, stat };
      },
    });
    const [, stat] = await Promise.all([result.queued.capa, result.queued.stat]);
    const uids = await result.client.uidl();
    const list = await result.client.list();
    const first3 = await result.client.retr(1);
    const chunks: Buffer[] = [];
    for await (const chunk of first3) chunks.push(chunk as Buffer);
    await result.client.quit();
    return { ...result, stat, uids, list, body: Buffer.concat(chunks).toString('latin1') };
  } finally {
    first.close();
  }
}

for (const provider of PROVIDERS) {
  describe(`${provider.name}${provider.recorded ? '' : ' (no recording found: documented shape)'}`, () => {
    const expected = EXPECTED[provider.name]!;

    test(`auto with a password: ${expected.mechanism}${expected.fallbacks ? ' after a refused form' : ''}, then STAT, UIDL, LIST, RETR, QUIT`, async () => {
      await replay(provider, async (server, seen) => {
        const result = await wholeLogin(server, { username: USER, password: PASSWORD });
        assert.equal(result.mechanism, expected.mechanism, seen.attempts.join(', '));
        assert.equal(result.fallbacks, expected.fallbacks);
        assert.equal(server.sessions.length, expected.connections);
        assert.equal(seen.credentialChecks, 1, 'one guess, and it was right');
        assert.equal(result.stat.count, 3);
        assert.equal(result.uids.length, 3);
        assert.equal(result.list.length, 3);
        assert.match(result.body, /Subject: one/);
      });
    });

    test('a wrong password is one guess and AUTH_FAILED, never a fallback', async () => {
      await replay(provider, async (server, seen) => {
        const error = await wholeLogin(server, { username: USER, password: 'wrong' }).then(
          () => assert.fail('logged in with a wrong password'),
          (caught: unknown) => caught,
        );
        assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED', String(error));
        assert.equal(seen.credentialChecks, 1, seen.attempts.join(', '));
        assert.equal(toAppError(error).code, 'AUTH_FAILED');
      });
    });

    for (const refusal of provider.refusals ?? []) {
      test(`the provider's refusal in words: ${refusal.slice(0, 60)}…`, async () => {
        await replay(
          provider,
          async (server) => {
            const error = await wholeLogin(server, { username: USER, password: 'wrong' }).then(
              () => assert.fail('logged in'),
              (caught: unknown) => caught,
            );
            const appError = toAppError(error);
            assert.equal(appError.code, 'AUTH_FAILED');
            assert.notEqual(appError.message, 'The mail server refused the user name or password.', 'a provider-specific sentence');
            if (/Application-specific/.test(refusal)) assert.equal(appError.hint, 'app-password');
            if (/Web login/.test(refusal)) assert.equal(appError.hint, 'web-login');
            if (/Logon failure/.test(refusal)) assert.equal(appError.hint, 'oauth-required');
            if (/POP3 disabled/.test(refusal)) assert.equal(appError.hint, 'app-password');
            if (/SSL\/TLS/.test(refusal)) assert.match(appError.message, /encrypted connection/);
            assert.ok(!appError.message.includes('wrong'), 'no password in the sentence');
          },
          { wrongPassword: refusal },
        );
      });
    }

    if (provider.oauth) {
      test('XOAUTH2 with a valid token logs in', async () => {
        await replay(provider, async (server, seen) => {
          const result = await wholeLogin(server, { username: USER, accessToken: TOKEN, mechanism: 'xoauth2', server: { host: 'pop.example.test', port: 995 } });
          assert.equal(result.mechanism, 'xoauth2');
          assert.equal(result.stat.count, 3);
          const twoLine = provider.initialResponse === 'protocol-error-close';
          assert.deepEqual(seen.attempts, twoLine ? ['XOAUTH2 initial', 'XOAUTH2 continuation'] : ['XOAUTH2 initial']);
          assert.deepEqual(result.attempt, { mechanism: 'xoauth2', initialResponse: !twoLine });
        });
      });

      test('XOAUTH2 with a refused token: the error challenge is answered and the reason reported', async () => {
        await replay(provider, async (server, seen) => {
          const error = await wholeLogin(server, { username: USER, accessToken: 'expired', mechanism: 'xoauth2', saslInitialResponse: provider.initialResponse !== 'protocol-error-close' }).then(
            () => assert.fail('logged in'),
            (caught: unknown) => caught,
          );
          assert.ok(isPop3Error(error) && error.code === 'AUTH_FAILED', String(error));
          assert.deepEqual(seen.challengeAnswers, ['']);
          assert.equal(error.oauth?.status, (provider.oauth!.challenge as { status: string }).status);
        });
      });
    }
  });
}
