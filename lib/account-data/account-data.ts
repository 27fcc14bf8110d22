import type { Rule } from '../contract/rules';

/**
 * What Postern keeps per mail account between sessions: read state (by
 * message id, which is UIDL-based) and the rules. `account` is
 * `accountKey(...)`: "user@host:port" with the host lower-cased.
 * Implementations: in-process (memory-account-data.ts); a shared Redis store
 * implements the same interface (issue 10).
 */
export interface AccountData {
  getSeen(account: string, ids: readonly string[]): Promise<Set<string>>;
  setSeen(account: string, ids: readonly string[], seen: boolean): Promise<void>;
  getRules(account: string): Promise<Rule[]>;
  setRules(account: string, rules: Rule[]): Promise<void>;
}

/** The stable key of an account: the user name as typed, the host lower-cased, the port. */
export function accountKey(target: { host: string; port: number }, username: string): string {
  return `${username}@${target.host.toLowerCase()}:${target.port}`;
}
