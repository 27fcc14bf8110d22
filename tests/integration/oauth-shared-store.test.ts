/**
 * Issue 10 item 2 for sign-ins in progress: two instances on one Redis, one
 * public URL (as behind a load balancer). A sign-in begun on one instance is
 * finished by the other, where the provider's redirect lands: its state,
 * nonce and PKCE verifier are in Redis, sealed with the shared key. Real
 * parts: redis-server, the OpenID Connect provider (npm oidc-provider) and
 * Dovecot checking each token by introspection.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startApp, type RunningApp } from '../support/app-server';
import { CookieTab } from '../support/cookie-tab';
import { smallMessages } from '../support/maildrop';
import { signInAtProvider } from '../support/oidc-sign-in';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { dovecotOAuth2Settings, startOidcProvider, type RunningOidcProvider } from '../support/servers/oidc-provider';
import { startRedis, type RedisServer } from '../support/servers/redis';

const ACCOUNTS = ['roamer', 'replayer'] as const;
const mailbox = (account: string) => `${account}@example.test`;
const MESSAGES = 3;

let redis: RedisServer;
let provider: RunningOidcProvider;
let dovecot: DovecotServer;
let first: RunningApp;
let second: RunningApp;
let publicOrigin: string;
let tmp: string;

before(async () => {
  redis = await startRedis();
  const firstPort = await freePort();
  publicOrigin = `http://localhost:${firstPort}`;
  provider = await startOidcProvider({
    redirectUris: [`${publicOrigin}/api/oauth/local/callback`],
    accounts: Object.fromEntries(ACCOUNTS.map((a) => [a, mailbox(a)])),
  });
  dovecot = await startDovecot({
    users: ACCOUNTS.map((account) => ({ name: mailbox(account), password: 'never-checked-with-oauth2', messages: smallMessages(MESSAGES).map((m) => m.raw) })),
    oauth2: dovecotOAuth2Settings(provider),
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-oauth-shared-'));
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, dovecot.certPem!);
  const env: Record<string, string> = {
    POSTERN_PUBLIC_URL: publicOrigin,
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '1024-65535',
    POP3_TLS_CA_FILE: caFile,
    POSTERN_SESSION_STORE: redis.url(0),
    POSTERN_SESSION_KEY: randomBytes(32).toString('base64'),
    POSTERN_OAUTH_PROVIDERS: 'local',
    POSTERN_OAUTH_LOCAL_ISSUER: provider.issuer,
    POSTERN_OAUTH_LOCAL_CLIENT_ID: provider.client.id,
    POSTERN_OAUTH_LOCAL_CLIENT_SECRET: provider.client.secret,
    POSTERN_OAUTH_LOCAL_SCOPE: `openid email offline_access ${provider.pop3Scope}`,
    POSTERN_OAUTH_LOCAL_POP3_SERVER: `localhost:${dovecot.tlsPort}:tls`,
    POSTERN_OAUTH_LOCAL_MECHANISM: 'xoauth2',
  };
  [first, second] = await Promise.all([startApp({ ...env, PORT: String(firstPort) }), startApp(env)]);
});

after(async () => {
  await first?.stop();
  await second?.stop();
  await dovecot?.stop();
  await provider?.stop();
  await redis?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Begins on `first`, signs in at the provider, and returns the callback's path and query (for either instance). */
async function begin(browser: CookieTab, account: string): Promise<string> {
  const start = await browser.get(`${first.url}/api/oauth/local/start`);
  assert.equal(start.status, 302);
  const visit = await signInAtProvider(start.headers.get('location')!, { login: account });
  assert.equal(visit.callbackUrl.origin, publicOrigin);
  return `${visit.callbackUrl.pathname}${visit.callbackUrl.search}`;
}

test('a sign-in begun on one instance is finished by the other, and its inbox is there', async () => {
  const browser = new CookieTab(); // one browser: cookies go to both instances, as to one host behind a load balancer
  const callback = await begin(browser, 'roamer');
  const finished = await browser.get(`${second.url}${callback}`);
  assert.equal(finished.status, 302, await finished.clone().text());
  assert.equal(finished.headers.get('location'), '/');
  assert.ok(browser.cookies.has('postern_session'));
  const page = await browser.get(`${second.url}/api/messages?limit=10`);
  assert.equal(page.status, 200, await page.clone().text());
  assert.equal(((await page.json()) as { messages: unknown[] }).messages.length, MESSAGES);
  // Either instance serves the session (the shared store), the one that began the sign-in too.
  const there = await browser.get(`${first.url}/api/session`);
  assert.equal(there.status, 200, await there.clone().text());
});

test('taken once across instances: the same callback replayed on the other instance is refused as a bad state', async () => {
  const browser = new CookieTab(); // one browser: cookies go to both instances, as to one host behind a load balancer
  const callback = await begin(browser, 'replayer');
  const flow = browser.cookies.header;
  const finished = await browser.get(`${first.url}${callback}`);
  assert.equal(finished.status, 302);
  assert.equal(finished.headers.get('location'), '/');
  // The replay carries the flow cookie as it was before the first callback cleared it.
  const replay = await fetch(`${second.url}${callback}`, { redirect: 'manual', headers: { cookie: flow } });
  assert.equal(replay.status, 302);
  const location = new URL(replay.headers.get('location') ?? '', publicOrigin);
  assert.equal(location.pathname, '/');
  assert.equal(location.searchParams.get('login_error'), 'OAUTH_FAILED');
  assert.equal(location.searchParams.get('reason'), 'state');
});
