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
import { after, before, test } from 'node:test';
import type { RunningApp } from '../support/app-server';
import { CookieTab } from '../support/cookie-tab';
import { OAUTH_MESSAGES, startOAuthStack, type OAuthStack } from '../support/oauth-stack';
import { startRedis, type RedisServer } from '../support/servers/redis';

let redis: RedisServer;
let stack: OAuthStack;
let first: RunningApp;
let second: RunningApp;

before(async () => {
  redis = await startRedis();
  stack = await startOAuthStack({
    accounts: ['roamer', 'replayer'],
    providers: { local: { mechanism: 'xoauth2', host: 'localhost' } },
    instances: 2,
    env: { POSTERN_SESSION_STORE: redis.url(0), POSTERN_SESSION_KEY: randomBytes(32).toString('base64') },
  });
  [first, second] = stack.apps as [RunningApp, RunningApp];
});

after(async () => {
  await stack?.stop();
  await redis?.stop();
});

test('a sign-in begun on one instance is finished by the other, and its inbox is there', async () => {
  const browser = new CookieTab(); // one browser: cookies go to both instances, as to one host behind a load balancer
  const callback = await stack.authorize(browser, first, 'local', 'roamer');
  const finished = await browser.get(`${second.url}${callback}`);
  assert.equal(finished.status, 302, await finished.clone().text());
  assert.equal(finished.headers.get('location'), '/');
  assert.ok(browser.cookies.has('postern_session'));
  const page = await browser.get(`${second.url}/api/messages?limit=10`);
  assert.equal(page.status, 200, await page.clone().text());
  assert.equal(((await page.json()) as { messages: unknown[] }).messages.length, OAUTH_MESSAGES);
  // Either instance serves the session (the shared store), the one that began the sign-in too.
  const there = await browser.get(`${first.url}/api/session`);
  assert.equal(there.status, 200, await there.clone().text());
});

test('taken once across instances: the same callback replayed on the other instance is refused as a bad state', async () => {
  const browser = new CookieTab(); // one browser: cookies go to both instances, as to one host behind a load balancer
  const callback = await stack.authorize(browser, first, 'local', 'replayer');
  const flow = browser.cookies.header;
  const finished = await browser.get(`${first.url}${callback}`);
  assert.equal(finished.status, 302);
  assert.equal(finished.headers.get('location'), '/');
  // The replay carries the flow cookie as it was before the first callback cleared it.
  const replay = await fetch(`${second.url}${callback}`, { redirect: 'manual', headers: { cookie: flow } });
  assert.equal(replay.status, 302);
  const location = new URL(replay.headers.get('location') ?? '', stack.publicOrigin);
  assert.equal(location.pathname, '/');
  assert.equal(location.searchParams.get('login_error'), 'OAUTH_FAILED');
  assert.equal(location.searchParams.get('reason'), 'state');
});
