/**
 * "Sign in with …" end to end over HTTP: the production app, a real OpenID
 * Connect provider (npm oidc-provider, its own process) and a real Dovecot
 * whose oauth2 passdb validates every token by introspection at that provider.
 * The app is `localhost`, the provider `127.0.0.1`: two sites, as in production.
 * Token state changes through the provider's test hooks, never by waiting.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, startApp, type RunningApp } from '../support/app-server';
import { CookieTab } from '../support/cookie-tab';
import { smallMessages } from '../support/maildrop';
import { signInAtProvider } from '../support/oidc-sign-in';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { dovecotOAuth2Settings, startOidcProvider, type RunningOidcProvider } from '../support/servers/oidc-provider';

/** Provider name in Postern → how it logs in to POP3. */
const PROVIDERS = {
  local: { mechanism: 'xoauth2', twoLine: '0', label: 'Local ID', host: 'localhost' },
  // Another name for the same Dovecot: the client remembers per server which SASL form worked.
  twoline: { mechanism: 'xoauth2', twoLine: '1', label: 'Two-line ID', host: '127.0.0.1' },
  bearer: { mechanism: 'oauthbearer', twoLine: '0', label: 'Bearer ID', host: 'localhost' },
  // Asks for too little: Dovecot refuses tokens without its scope.
  noscope: { mechanism: 'xoauth2', twoLine: '0', label: 'No-scope ID', host: 'localhost' },
  // Its POP3 server is on a port the host policy refuses (POP3_ALLOWED_PORTS=1024-65535).
  blocked: { mechanism: 'xoauth2', twoLine: '0', label: 'Blocked ID', host: 'localhost' },
} as const;
type ProviderName = keyof typeof PROVIDERS;

/** One provider account (and mailbox) per test, so no test sees another's tokens. */
const ACCOUNTS = ['xoauth', 'twoline', 'bearer', 'refresher', 'early', 'revoked', 'denied', 'replay', 'scopeless', 'blocked'] as const;
/** Access tokens of `early` live 30 s: less than the app's one-minute refresh margin. */
const SHORT_LIVED = { accounts: ['early'], ttlSeconds: 30 };
const DOMAIN = 'example.test';
const mailbox = (account: string) => `${account}@${DOMAIN}`;
const MESSAGES = 3;

let provider: RunningOidcProvider;
let dovecot: DovecotServer;
let app: RunningApp;
let appOrigin: string;
let tmp: string;

before(async () => {
  const port = await freePort();
  appOrigin = `http://localhost:${port}`;
  provider = await startOidcProvider({
    redirectUris: Object.keys(PROVIDERS).map((name) => `${appOrigin}/api/oauth/${name}/callback`),
    accounts: Object.fromEntries(ACCOUNTS.map((a) => [a, mailbox(a)])),
    shortLived: SHORT_LIVED,
  });
  dovecot = await startDovecot({
    users: ACCOUNTS.map((account) => ({
      name: mailbox(account),
      password: 'never-checked-with-oauth2',
      messages: smallMessages(MESSAGES).map((m) => m.raw),
    })),
    oauth2: dovecotOAuth2Settings(provider),
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-oauth-'));
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, dovecot.certPem!);
  const env: Record<string, string> = {
    PORT: String(port),
    POSTERN_PUBLIC_URL: appOrigin,
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POP3_TLS_CA_FILE: caFile,
    POSTERN_POP3_TRACE: '1',
    POSTERN_OAUTH_PROVIDERS: Object.keys(PROVIDERS).join(','),
  };
  for (const [name, settings] of Object.entries(PROVIDERS)) {
    const prefix = `POSTERN_OAUTH_${name.toUpperCase()}_`;
    Object.assign(env, {
      [`${prefix}ISSUER`]: provider.issuer,
      [`${prefix}CLIENT_ID`]: provider.client.id,
      [`${prefix}CLIENT_SECRET`]: provider.client.secret,
      [`${prefix}SCOPE`]: `openid email offline_access${name === 'noscope' ? '' : ` ${provider.pop3Scope}`}`,
      [`${prefix}POP3_SERVER`]: `${settings.host}:${name === 'blocked' ? 25 : dovecot.tlsPort}:tls`,
      [`${prefix}MECHANISM`]: settings.mechanism,
      [`${prefix}XOAUTH2_TWO_LINE`]: settings.twoLine,
      [`${prefix}LABEL`]: settings.label,
    });
  }
  app = await startApp(env);
});

after(async () => {
  await app?.stop();
  await dovecot?.stop();
  await provider?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A tab on the app: paths are the app's. */
class Tab extends CookieTab {
  override get(pathOrUrl: string): Promise<Response> {
    return super.get(pathOrUrl.startsWith('http') ? pathOrUrl : `${app.url}${pathOrUrl}`);
  }

  override post(route: string): Promise<Response> {
    return super.post(`${app.url}${route}`);
  }
}

/** The app's callback URL as the provider sent it, re-aimed at the app's listening address. */
function onApp(callbackUrl: URL): string {
  assert.equal(callbackUrl.origin, appOrigin, 'the provider sends the browser back to the registered redirect URI');
  return `${app.url}${callbackUrl.pathname}${callbackUrl.search}`;
}

async function signIn(name: ProviderName, account: string, consent: 'allow' | 'deny' = 'allow'): Promise<{ tab: Tab; final: Response }> {
  const tab = new Tab();
  const start = await tab.get(`/api/oauth/${name}/start`);
  assert.equal(start.status, 302);
  const visit = await signInAtProvider(start.headers.get('location')!, { login: account, consent });
  const final = await tab.get(onApp(visit.callbackUrl));
  return { tab, final };
}

function loginError(response: Response): Record<string, string> {
  assert.equal(response.status, 302);
  const raw = response.headers.get('location') ?? '';
  assert.match(raw, /^\/\?/, 'back to the login page of this app');
  const location = new URL(raw, appOrigin);
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
    const tab = new Tab();
    const response = await tab.get('/api/oauth/local/start');
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location')!, appOrigin);
    assert.equal(location.origin, provider.issuer);
    const query = location.searchParams;
    assert.equal(query.get('response_type'), 'code');
    assert.equal(query.get('client_id'), provider.client.id);
    assert.equal(query.get('redirect_uri'), `${appOrigin}/api/oauth/local/callback`);
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
    assert.equal(session.session.username, mailbox('xoauth'));
    assert.equal(session.session.count, MESSAGES);
    const page = (await (await tab.get('/api/messages?limit=10')).json()) as { messages: { subject: string }[] };
    assert.equal(page.messages.length, MESSAGES);
    assert.match(app.output(), /C: AUTH XOAUTH2 \S+/, 'the response went on the AUTH line');
    assert.match(await dovecot.logText(), new RegExp(`Login: user=<${mailbox('xoauth')}>, method=XOAUTH2`));
  });

  test("XOAUTH2 in Microsoft's two-line form", async () => {
    const before = app.output().length;
    const { tab, final } = await signIn('twoline', 'twoline');
    assert.equal(final.headers.get('location'), '/');
    assert.equal((await tab.get('/api/session')).status, 200);
    const transcript = app.output().slice(before);
    assert.match(transcript, /C: AUTH XOAUTH2\r?\n/, 'AUTH XOAUTH2 alone on its line');
    assert.match(await dovecot.logText(), new RegExp(`Login: user=<${mailbox('twoline')}>, method=XOAUTH2`));
  });

  test('OAUTHBEARER (RFC 7628)', async () => {
    const { tab } = await signIn('bearer', 'bearer');
    const session = (await (await tab.get('/api/session')).json()) as { session: { username: string } };
    assert.equal(session.session.username, mailbox('bearer'));
    assert.match(await dovecot.logText(), new RegExp(`Login: user=<${mailbox('bearer')}>, method=OAUTHBEARER`));
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
    assert.equal(result.count, MESSAGES);
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
    const tab = new Tab();
    const start = await tab.get('/api/oauth/local/start');
    const flowId = tab.cookies.get('postern_oauth');
    assert.ok(flowId);
    const visit = await signInAtProvider(start.headers.get('location')!, { login: 'replay' });
    const stranger = new Tab();
    assert.deepEqual(loginError(await stranger.get(onApp(visit.callbackUrl))), { login_error: 'OAUTH_FAILED', provider: 'local', reason: 'state' });
    // The stranger's attempt did not consume this browser's record; a replay after success does fail.
    const first = await tab.get(onApp(visit.callbackUrl));
    assert.equal(first.headers.get('location'), '/');
    const replayTab = new Tab();
    replayTab.cookies.set('postern_oauth', flowId);
    assert.equal(loginError(await replayTab.get(onApp(visit.callbackUrl))).reason, 'state');
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
