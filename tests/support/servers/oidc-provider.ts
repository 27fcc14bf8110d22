/**
 * A local OpenID Connect provider for the tests: npm `oidc-provider` in its
 * own process on 127.0.0.1 and a free high port (plain HTTP on loopback).
 * The app is reached as `localhost`, the provider as `127.0.0.1`: two sites,
 * as in production, so cookie SameSite behaviour across the redirect is real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { watchChild } from '../app-server';
import { freePort } from './common';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const START_TIMEOUT_MS = 30_000;

export interface OidcProviderOptions {
  /** Redirect URIs registered for the sign-in client (the app's callback). */
  redirectUris: string[];
  /** Account id → e-mail claim; the dev login page takes the account id as "login". */
  accounts: Record<string, string>;
  /** The scope Dovecot requires on a token. */
  pop3Scope?: string;
  accessTokenTtlSeconds?: number;
  /** These accounts' access tokens live only `ttlSeconds` (for refresh-before-expiry tests). */
  shortLived?: { accounts: string[]; ttlSeconds: number };
}

export interface RunningOidcProvider {
  issuer: string;
  port: number;
  client: { id: string; secret: string };
  introspector: { id: string; secret: string };
  pop3Scope: string;
  /** Every access token of the account expires now (refresh tokens stay valid). */
  expireAccessTokens(account: string): Promise<number>;
  /** The account's grants and every token of them are gone: only a new sign-in helps. */
  revoke(account: string): Promise<number>;
  /** Grants served and refused for `account` (all accounts without one). */
  stats(account?: string): Promise<{ refreshGranted: number; refreshRefused: number; codeGranted: number }>;
  output(): string;
  stop(): Promise<void>;
}

export const OIDC_PROVIDER_INSTALL_HINT = 'The npm package `oidc-provider` is a devDependency: run `npm install`.';

export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  try {
    require.resolve('oidc-provider', { paths: [ROOT] });
  } catch {
    throw new Error(`oidc-provider is not installed. ${OIDC_PROVIDER_INSTALL_HINT}`);
  }
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const client = { id: 'postern', secret: randomBytes(18).toString('base64url') };
  const introspector = { id: 'dovecot', secret: randomBytes(18).toString('base64url') };
  const pop3Scope = options.pop3Scope ?? 'pop3';
  const config = {
    host: '127.0.0.1',
    port,
    issuer,
    client: { client_id: client.id, client_secret: client.secret, redirect_uris: options.redirectUris },
    introspector: { client_id: introspector.id, client_secret: introspector.secret },
    accounts: options.accounts,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    shortLived: options.shortLived ?? { accounts: [], ttlSeconds: 3600 },
    scopes: ['email', pop3Scope],
  };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'oidc-provider-process.mts')], {
    cwd: ROOT,
    env: { ...process.env, POSTERN_TEST_OIDC: JSON.stringify(config), NODE_ENV: 'production' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const { output, stop } = watchChild(child);

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`oidc-provider did not start within ${START_TIMEOUT_MS} ms:\n${output()}`));
    }, START_TIMEOUT_MS);
    const onData = () => {
      if (/^READY \d+$/m.test(output())) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`oidc-provider exited with ${code} during start:\n${output()}`));
    });
  });

  const admin = async <T>(method: string, route: string): Promise<T> => {
    const response = await fetch(`${issuer}${route}`, { method });
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status}`);
    return (await response.json()) as T;
  };

  return {
    issuer,
    port,
    client,
    introspector,
    pop3Scope,
    expireAccessTokens: async (account) => (await admin<{ expired: number }>('POST', `/__test/expire?account=${encodeURIComponent(account)}`)).expired,
    revoke: async (account) => (await admin<{ revoked: number }>('POST', `/__test/revoke?account=${encodeURIComponent(account)}`)).revoked,
    stats: (account) => admin('GET', `/__test/stats${account === undefined ? '' : `?account=${encodeURIComponent(account)}`}`),
    output,
    stop,
  };
}

/** The oauth2 passdb lines for a Dovecot that validates this provider's tokens by introspection. */
export function dovecotOAuth2Settings(provider: RunningOidcProvider): string[] {
  const credentials = `${provider.introspector.id}:${provider.introspector.secret}`;
  return [
    'introspection_mode = post',
    `introspection_url = http://${credentials}@127.0.0.1:${provider.port}/token/introspection`,
    'username_attribute = email',
    'active_attribute = active',
    'active_value = true',
    `scope = ${provider.pop3Scope}`,
  ];
}
