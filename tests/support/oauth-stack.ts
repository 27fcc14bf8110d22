/**
 * What an OAuth sign-in test runs against: a real OpenID Connect provider (npm oidc-provider, its own
 * process), a real Dovecot whose oauth2 passdb validates every token by introspection at that provider,
 * and the production app (one instance or several behind one public URL) with a sign-in provider for
 * each entry of `providers`. The app is `localhost`, the provider `127.0.0.1`: two sites, as in production.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from './app-server';
import { freePort } from './servers/common';
import type { CookieTab } from './cookie-tab';
import { smallMessages } from './maildrop';
import { signInAtProvider } from './oidc-sign-in';
import { startDovecot, type DovecotServer } from './servers/dovecot';
import { dovecotOAuth2Settings, startOidcProvider, type OidcProviderOptions, type RunningOidcProvider } from './servers/oidc-provider';

/** How many small messages each account's mailbox holds. */
export const OAUTH_MESSAGES = 3;

/** The mailbox (and e-mail claim) of a provider account. */
export const oauthMailbox = (account: string) => `${account}@example.test`;

/** One sign-in provider in Postern: how it logs in to POP3. */
export interface OAuthProviderSettings {
  mechanism: 'xoauth2' | 'oauthbearer';
  /** The POP3 server's host name; Dovecot's TLS port unless `port`. */
  host: string;
  port?: number;
  /** XOAUTH2 in Microsoft's two-line form. */
  twoLine?: boolean;
  /** false asks for too little: Dovecot refuses tokens without its scope. */
  pop3Scope?: boolean;
  label?: string;
}

export interface OAuthStackOptions {
  /** Provider accounts, each with a mailbox of its own. */
  accounts: readonly string[];
  /** Provider name in Postern → its settings, in the order the app lists them. */
  providers: Record<string, OAuthProviderSettings>;
  shortLived?: OidcProviderOptions['shortLived'];
  /** App instances behind the one public URL (the first one's port); 1 unless given. */
  instances?: number;
  /** More of the app's environment. */
  env?: Record<string, string>;
}

export interface OAuthStack {
  provider: RunningOidcProvider;
  dovecot: DovecotServer;
  apps: RunningApp[];
  /** The app's public URL, where the provider sends the browser back. */
  publicOrigin: string;
  /**
   * Begins a sign-in with `providerName` on `app` in `tab`, signs in at the provider as `account`, and
   * returns the path and query of the callback the provider sent the browser to (for any instance).
   */
  authorize(tab: CookieTab, app: RunningApp, providerName: string, account: string, consent?: 'allow' | 'deny'): Promise<string>;
  stop(): Promise<void>;
}

export async function startOAuthStack(options: OAuthStackOptions): Promise<OAuthStack> {
  // Undone in reverse order, on stop() or when a later part fails to start.
  const undo: Array<() => unknown> = [];
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) await step();
  };
  try {
    const port = await freePort();
    const publicOrigin = `http://localhost:${port}`;
    const provider = await startOidcProvider({
      redirectUris: Object.keys(options.providers).map((name) => `${publicOrigin}/api/oauth/${name}/callback`),
      accounts: Object.fromEntries(options.accounts.map((account) => [account, oauthMailbox(account)])),
      shortLived: options.shortLived,
    });
    undo.push(() => provider.stop());
    const dovecot = await startDovecot({
      users: options.accounts.map((account) => ({
        name: oauthMailbox(account),
        password: 'never-checked-with-oauth2',
        messages: smallMessages(OAUTH_MESSAGES).map((m) => m.raw),
      })),
      oauth2: dovecotOAuth2Settings(provider),
    });
    undo.push(() => dovecot.stop());
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-oauth-'));
    undo.push(() => rmSync(tmp, { recursive: true, force: true }));
    const caFile = path.join(tmp, 'ca.pem');
    writeFileSync(caFile, dovecot.certPem!);
    const env: Record<string, string> = {
      POSTERN_PUBLIC_URL: publicOrigin,
      POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
      POP3_ALLOWED_PORTS: '1024-65535',
      POP3_TLS_CA_FILE: caFile,
      POSTERN_OAUTH_PROVIDERS: Object.keys(options.providers).join(','),
      ...options.env,
    };
    for (const [name, settings] of Object.entries(options.providers)) {
      const prefix = `POSTERN_OAUTH_${name.toUpperCase()}_`;
      Object.assign(env, {
        [`${prefix}ISSUER`]: provider.issuer,
        [`${prefix}CLIENT_ID`]: provider.client.id,
        [`${prefix}CLIENT_SECRET`]: provider.client.secret,
        [`${prefix}SCOPE`]: `openid email offline_access${settings.pop3Scope === false ? '' : ` ${provider.pop3Scope}`}`,
        [`${prefix}POP3_SERVER`]: `${settings.host}:${settings.port ?? dovecot.tlsPort}:tls`,
        [`${prefix}MECHANISM`]: settings.mechanism,
        ...(settings.twoLine ? { [`${prefix}XOAUTH2_TWO_LINE`]: '1' } : {}),
        ...(settings.label ? { [`${prefix}LABEL`]: settings.label } : {}),
      });
    }
    const starting = Array.from({ length: options.instances ?? 1 }, (_, index) => startApp(index === 0 ? { ...env, PORT: String(port) } : env));
    // Each started instance is stopped, even when another failed to start.
    for (const app of starting) undo.push(async () => (await app.catch(() => undefined))?.stop());
    const apps = await Promise.all(starting);
    return {
      provider,
      dovecot,
      apps,
      publicOrigin,
      async authorize(tab, app, providerName, account, consent = 'allow') {
        const start = await tab.get(`${app.url}/api/oauth/${providerName}/start`);
        assert.equal(start.status, 302);
        const visit = await signInAtProvider(start.headers.get('location')!, { login: account, consent });
        assert.equal(visit.callbackUrl.origin, publicOrigin, 'the provider sends the browser back to the registered redirect URI');
        return `${visit.callbackUrl.pathname}${visit.callbackUrl.search}`;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
