import type { Rule } from '../contract/rules';
import type { AccountData } from './account-data';

export interface MemoryBounds {
  /** Accounts remembered; the least recently used is forgotten first. */
  maxAccounts: number;
  /** Read ids per account; the least recently marked go first. */
  maxSeenPerAccount: number;
}

export const DEFAULT_MEMORY_BOUNDS: MemoryBounds = Object.freeze({ maxAccounts: 10_000, maxSeenPerAccount: 20_000 });

interface AccountEntry {
  /** Insertion order is recency: a re-marked id moves to the end. */
  seen: Set<string>;
  rules: Rule[];
}

/**
 * Per-account data in this process's memory: it lasts for the life of the
 * process (a restart forgets read state and rules) and is not shared between
 * instances; the Redis store (issue 10) is the shared, lasting one. Bounded:
 * an LRU of accounts, each with an LRU of read ids.
 */
export class MemoryAccountData implements AccountData {
  private readonly accounts = new Map<string, AccountEntry>();

  constructor(private readonly bounds: MemoryBounds = DEFAULT_MEMORY_BOUNDS) {}

  async getSeen(account: string, ids: readonly string[]): Promise<Set<string>> {
    const entry = this.touch(account, false);
    return new Set(entry ? ids.filter((id) => entry.seen.has(id)) : []);
  }

  async setSeen(account: string, ids: readonly string[], seen: boolean): Promise<void> {
    const entry = this.touch(account, true)!;
    for (const id of ids) {
      entry.seen.delete(id);
      if (seen) entry.seen.add(id);
    }
    while (entry.seen.size > this.bounds.maxSeenPerAccount) {
      const oldest = entry.seen.values().next().value;
      if (oldest === undefined) break;
      entry.seen.delete(oldest);
    }
  }

  async getRules(account: string): Promise<Rule[]> {
    const rules = this.touch(account, false)?.rules;
    // Most accounts have no rules, and every inbox page asks: structuredClone of nothing still costs ~20 µs.
    return rules && rules.length > 0 ? structuredClone(rules) : [];
  }

  async setRules(account: string, rules: Rule[]): Promise<void> {
    this.touch(account, true)!.rules = structuredClone(rules);
  }

  /** The account's entry, now the most recently used; created when asked to. */
  private touch(account: string, create: boolean): AccountEntry | undefined {
    let entry = this.accounts.get(account);
    if (entry) this.accounts.delete(account);
    else if (create) entry = { seen: new Set(), rules: [] };
    if (!entry) return undefined;
    this.accounts.set(account, entry);
    while (this.accounts.size > this.bounds.maxAccounts) {
      const oldest = this.accounts.keys().next().value;
      if (oldest === undefined) break;
      this.accounts.delete(oldest);
    }
    return entry;
  }
}
