/**
 * "Sign in with …" end to end over HTTP (tests/support/oauth-stack.ts): the production app, a real
 * OpenID Connect provider and a real Dovecot that validates every token at that provider, with one
 * sign-in provider in the app per way of logging in to POP3.
 * Token state changes through the provider's test hooks, never by waiting.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningApp } from '../support/app-server';
import { CookieTab } from '../support/cookie-tab';
import { OAUTH_MESSAGES, oauthMailbox, startOAuthStack, type OAuthProviderSettings, type OAuthStack } from '../support/oauth-stack';
import type { DovecotServer } from '../support/servers/dovecot';
import type { RunningOidcProvider } from '../support/servers/oidc-provider';

/** Provider name in Postern → how it logs in to POP3. */
const PROVIDERS = {
  local: { mechanism: 'xoauth2', label: 'Local ID', host: 'localhost' },
  // Another name for the same Dovecot: the client remembers per server which SASL form worked.
  twoline: { mechanism: 'xoauth2', twoLine: true, label: 'Two-line ID', host: '127.0.0.1' },
  bearer: { mechanism: 'oauthbearer', label: 'Bearer ID', host: 'localhost' },
  // Asks for too little: Dovecot refuses tokens without its scope.
  noscope: { mechanism: 'xoauth2', pop3Scope: false, label: 'No-scope ID', host: 'localhost' },
  // Its POP3 server is on a port the host policy refuses (POP3_ALLOWED_PORTS=1024-65535).
  blocked: { mechanism: 'xoauth2', port: 25, label: 'Blocked ID', host: 'localhost' },
} satisfies Record<string, OAuthProviderSettings>;
type ProviderName = keyof typeof PROVIDERS;

/** One provider account (and mailbox) per test, so no test sees another's tokens. */
const ACCOUNTS = ['xoauth', 'twoline', 'bearer', 'refresher', 'early', 'revoked', 'denied', 'replay', 'scopeless', 'blocked'] as const;
/** Access tokens of `early` live 30 s: less than the app's one-minute refresh margin. */
const SHORT_LIVED = { accounts: ['early'], ttlSeconds: 30 };

let stack: OAuthStack;
let provider: RunningOidcProvider;
let dovecot: DovecotServer;
let app: RunningApp;

before(async () => {
  stack = await startOAuthStack({ accounts: ACCOUNTS, providers: PROVIDERS, shortLived: SHORT_LIVED, env: { POSTERN_POP3_TRACE: '1' } });
  ({ provider, dovecot } = stack);
  app = stack.apps[0]!;
});

after(() => stack?.stop());

/** A tab on the app: paths are the app's. */
const newTab = () => new CookieTab(app.url);

async function signIn(name: ProviderName, account: string, consent: 'allow' | 'deny' = 'allow'): Promise<{ tab: CookieTab; final: Response }> {
  const tab = newTab();
  const final = await tab.get(await stack.authorize(tab, app, name, account, consent));
  return { tab, final };
}

function loginError(response: Response): Record<string, string> {
  assert.equal(response.status, 302);
  const raw = response.headers.get('location') ?? '';
  assert.match(raw, /^\/\?/, 'back to the login page of this app');
  const location = new URL(raw, stack.publicOrigin);
  return Object.fromEntries(location.searchParams);
}

describe('OAuth sign-in', () => {
  test('GET /api/config lists the providers, with nothing secret', async () => {
    const body = (await (await fetch(`${app.url}/api/config`)).json()) as { providers: unknown };
    assert.deepEqual(body.providers, [
      { name: 'local', label: 'Local ID', host: 'localhost' },
      { name: 'twoline', label: 'Two-line ID', host: '127.0.0.1' },
      { name: 'bearer', label: 'Bearer ID', host: 'localhost' },
      { name: 'noscope', label: 'No-scope ID', host: 'localhost' },
      { name: 'blocked', label: 'Blocked ID', host: 'localhost' },
    ]);
    assert.doesNotMatch(JSON.stringify(body), new RegExp(provider.client.secret));
  });

  test('start: 302 to the provider with PKCE S256, state, nonce and consent; the flow cookie is HttpOnly and SameSite=Lax', async () => {
    const tab = newTab();
    const response = await tab.get('/api/oauth/local/start');
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!, stack.publicOrigin);
    assert.equal(location.origin, provider.issuer);
    const query = location.searchParams;
    assert.equal(query.get('response_type'), 'code');
    assert.equal(query.get('client_id'), provider.client.id);
    assert.equal(query.get('redirect_uri'), `${stack.publicOrigin}/api/oauth/local/callback`);
    assert.equal(query.get('code_challenge_method'), 'S256');
    assert.match(query.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.match(query.get('state') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.match(query.get('nonce') ?? '', /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(query.get('prompt'), 'consent');
    const cookie = tab.setCookies.find((c) => c.startsWith('postern_oauth='));
    assert.ok(cookie, 'a flow cookie is set');
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\/api\/oauth/);
    // Only a random id: neither verifier nor state travel to the browser.
    assert.doesNotMatch(cookie, new RegExp(query.get('state')!));
  });

  test('XOAUTH2 on one line: signed in, session cookie set, inbox listed', async () => {
    const { tab, final } = await signIn('local', 'xoauth');
    assert.equal(final.status, 302);
    assert.equal(final.headers.get('location'), '/');
    assert.ok(tab.cookies.get('postern_session'), 'the session cookie is set');
    assert.ok(!tab.cookies.has('postern_oauth'), 'the flow cookie is cleared');
    const session = (await (await tab.get('/api/session')).json()) as { session: { username: string; count: number } };
    assert.equal(session.session.username, oauthMailbox('xoauth'));
    assert.equal(session.session.count, OAUTH_MESSAGES);
    const page = (await (await tab.get('/api/messages?limit=10')).json()) as { messages: { subject: string }[] };
    assert.equal(page.messages.length, OAUTH_MESSAGES);
    assert.match(app.output(), /C: AUTH XOAUTH2 \S+/, 'the response went on the AUTH line');
    assert.match(await dovecot.logText(), new RegExp(`Login: user=<${oauthMailbox('xoauth')}>, method=XOAUTH2`));
  });

  test("XOAUTH2 in Microsoft's two-line form", async () => {
    const before = app.output().length;
    const { tab, final } = await signIn('twoline', 'twoline');
    assert.equal(final.headers.get('location'), '/');
    assert.equal((await tab.get('/api/session')).status, 200);
    const transcript = app.output().slice(before);
    assert.match(transcript, /C: AUTH XOAUTH2\r?\n/, 'AUTH XOAUTH2 alone on its line');
    assert.match(await dovecot.logText(), new RegExp(`Login: user=<${oauthMailbox('twoline')}>, method=XOAUTH2`));
  });

  test('OAUTHBEARER (RFC 7628)', async () => {
    const { tab } = await signIn('bearer', 'bearer');
    const session = (await (await tab.get('/api/session')).json()) as { session: { username: string } };
    assert.equal(session.session.username, oauthMailbox('bearer'));
    assert.match(await dovecot.logText(), new RegExp(`Login: user=<${oauthMailbox('bearer')}>, method=OAUTHBEARER`));
  });

  test('an access token that expired is refreshed without the person noticing (once, rotating the refresh token)', async () => {
    const { tab } = await signIn('local', 'refresher');
    const before = await provider.stats('refresher');
    assert.ok((await provider.expireAccessTokens('refresher')) >= 1);
    // Apply logs in to POP3 again: Dovecot refuses the expired token, the app refreshes and retries.
    const commit = await tab.post('/api/session/commit');
    assert.equal(commit.status, 200);
    const result = (await commit.json()) as { count: number; reconnected: boolean };
    assert.equal(result.reconnected, true);
    assert.equal(result.count, OAUTH_MESSAGES);
    const afterFirst = await provider.stats('refresher');
    assert.equal(afterFirst.refreshGranted - before.refreshGranted, 1);
    // The rotated refresh token was kept: a second expiry refreshes again (the old one would revoke the grant).
    await provider.expireAccessTokens('refresher');
    const again = await tab.post('/api/session/commit');
    assert.equal(again.status, 200, await again.clone().text());
    const afterSecond = await provider.stats('refresher');
    assert.equal(afterSecond.refreshGranted - before.refreshGranted, 2);
    assert.equal(afterSecond.refreshRefused, before.refreshRefused);
  });

  test('a token about to expire is refreshed before use, so the POP3 server never sees it refused', async () => {
    const before = await provider.stats('early');
    const { tab, final } = await signIn('local', 'early');
    assert.equal(final.headers.get('location'), '/');
    assert.equal((await provider.stats('early')).refreshGranted - before.refreshGranted, 1, 'refreshed before the first POP3 login');
    const commit = await tab.post('/api/session/commit');
    assert.equal(((await commit.json()) as { reconnected: boolean }).reconnected, true);
    assert.equal((await provider.stats('early')).refreshGranted - before.refreshGranted, 2, 'and again before the next');
    const log = await dovecot.logText();
    assert.doesNotMatch(log, /oauth2\(early@example\.test[^)]*\): oauth2 failed/);
    assert.equal(log.match(/Login: user=<early@example\.test>/g)?.length, 2);
  });

  test('a revoked sign-in ends in REAUTH_REQUIRED: "sign in again"', async () => {
    const { tab } = await signIn('local', 'revoked');
    assert.ok((await provider.revoke('revoked')) >= 1);
    // Apply still applies (QUIT) and says the new login did not happen; the next use needs one and cannot.
    const commit = await tab.post('/api/session/commit');
    assert.equal(commit.status, 200);
    assert.equal(((await commit.json()) as { reconnected: boolean }).reconnected, false);
    const page = await tab.get('/api/messages?limit=10');
    assert.equal(page.status, 401);
    const body = (await page.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'REAUTH_REQUIRED');
    assert.match(body.error.message, /sign in again/i);
  });

  test('denied consent comes back to the login page with a reason, and no session', async () => {
    const { tab, final } = await signIn('local', 'denied', 'deny');
    assert.deepEqual(loginError(final), { login_error: 'OAUTH_FAILED', provider: 'local', reason: 'denied' });
    assert.ok(!tab.cookies.has('postern_session'));
  });

  test('a callback without this browser\'s flow cookie (or used twice) is refused as a bad state', async () => {
    const tab = newTab();
    const callback = await stack.authorize(tab, app, 'local', 'replay');
    const flowId = tab.cookies.get('postern_oauth');
    assert.ok(flowId);
    const stranger = newTab();
    assert.deepEqual(loginError(await stranger.get(callback)), { login_error: 'OAUTH_FAILED', provider: 'local', reason: 'state' });
    // The stranger's attempt did not consume this browser's record; a replay after success does fail.
    const first = await tab.get(callback);
    assert.equal(first.headers.get('location'), '/');
    const replayTab = newTab();
    replayTab.cookies.set('postern_oauth', flowId);
    assert.equal(loginError(await replayTab.get(callback)).reason, 'state');
  });

  test('the POP3 server refuses the token: back to the login page with AUTH_FAILED, after one refresh', async () => {
    const before = await provider.stats('scopeless');
    const { tab, final } = await signIn('noscope', 'scopeless');
    assert.deepEqual(loginError(final), { login_error: 'AUTH_FAILED', provider: 'noscope' });
    assert.ok(!tab.cookies.has('postern_session'));
    assert.equal((await provider.stats('scopeless')).refreshGranted - before.refreshGranted, 1, 'one refresh, then the refusal stands');
    assert.match(await dovecot.logText(), /oauth2\(scopeless@example\.test[^)]*\): oauth2 failed/);
  });

  test("a provider's POP3 server still goes through the host policy", async () => {
    const { tab, final } = await signIn('blocked', 'blocked');
    assert.deepEqual(loginError(final), { login_error: 'HOST_NOT_ALLOWED', provider: 'blocked' });
    assert.ok(!tab.cookies.has('postern_session'));
  });

  test('an unknown provider is a 400 with a sentence', async () => {
    const response = await fetch(`${app.url}/api/oauth/nosuch/start`, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'INVALID_INPUT');
  });

  test('no token or secret ever reaches the log', async () => {
    const output = app.output();
    assert.doesNotMatch(output, new RegExp(provider.client.secret));
    assert.doesNotMatch(output, /Bearer [A-Za-z0-9_-]{20,}/);
    assert.doesNotMatch(output, /auth=Bearer/);
  });
});
