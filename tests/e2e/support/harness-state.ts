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
}

export function readState(): HarnessState {
  const file = process.env[STATE_ENV];
  if (!file) throw new Error(`${STATE_ENV} is not set: run the suite through tests/e2e/playwright.config.ts`);
  return JSON.parse(readFileSync(file, 'utf8')) as HarnessState;
}
