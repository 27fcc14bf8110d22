import { readFileSync } from 'node:fs';

/** Global setup writes the state here and exports the path to the workers it starts. */
export const STATE_ENV = 'POSTERN_E2E_STATE';

export interface HarnessState {
  /** The app, e.g. http://127.0.0.1:41234 */
  appUrl: string;
  /** A second app instance pinned to Dovecot's TLS port with POP3_SERVER. */
  pinnedAppUrl: string;
  /** Control server of the global setup (the Dovecot harness lives in that process). */
  controlUrl: string;
  dovecot: { host: string; port: number; tlsPort: number };
  password: string;
  /**
   * "Sign in with …": an app reached as http://localhost:PORT with one OAuth provider
   * (oidc-provider on http://127.0.0.1:PORT, another site) whose tokens a second Dovecot
   * (oauth2 passdb) accepts. Accounts are provider logins; their mailbox is `<account>@example.test`.
   */
  oauth: {
    appUrl: string;
    issuer: string;
    providerLabel: string;
    accounts: { signIn: string; denied: string; revoked: string };
  };
}

export function readState(): HarnessState {
  const file = process.env[STATE_ENV];
  if (!file) throw new Error(`${STATE_ENV} is not set: run the suite through tests/e2e/playwright.config.ts`);
  return JSON.parse(readFileSync(file, 'utf8')) as HarnessState;
}
