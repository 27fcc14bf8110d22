import type { Rule } from '../contract/rules';
import type { AccountData } from './account-data';

export interface MemoryBounds {
  /** Accounts remembered; the least recently used is forgotten first. */
  maxAccounts: number;
  /** Read ids per account; the least recently marked go first. */
  maxSeenPerAccount: number;
  /**
   * Bytes of all accounts together (estimated: accountCost): the least recently used accounts go first, and
   * an account alone beyond it loses its least recently marked ids. Ids come from the mail server (UIDL, up to a
   * status line long), so a count alone does not bound the bytes.
   */
  maxBytes: number;
}

export const DEFAULT_MEMORY_BOUNDS: MemoryBounds = Object.freeze({ maxAccounts: 10_000, maxSeenPerAccount: 20_000, maxBytes: 128 * 1024 * 1024 });

interface AccountEntry {
  /** Insertion order is recency: a re-marked id moves to the end. */
  seen: Set<string>;
  rules: Rule[];
  /** What this entry costs (accountCost), kept up to date with it. */
  bytes: number;
  rulesBytes: number;
}

/** V8's overhead per kept string, set entry and account, roughly. */
const ID_OVERHEAD = 48;
const ACCOUNT_OVERHEAD = 256;

/** An id's or a key's cost: one byte a character (ids and keys are ASCII; see lib/mail/ids.ts) and its overhead. */
function stringCost(value: string): number {
  return ID_OVERHEAD + value.length;
}

/**
 * Per-account data in this process's memory: it lasts for the life of the
 * process (a restart forgets read state and rules) and is not shared between
 * instances; the Redis store (issue 10) is the shared, lasting one. Bounded:
 * an LRU of accounts, each with an LRU of read ids, all within `maxBytes`.
 */
export class MemoryAccountData implements AccountData {
  private readonly accounts = new Map<string, AccountEntry>();
  private totalBytes = 0;
  private readonly bounds: MemoryBounds;

  constructor(bounds: Partial<MemoryBounds> = {}) {
    this.bounds = { ...DEFAULT_MEMORY_BOUNDS, ...bounds };
  }

  /** The estimated bytes of every account kept (for tests and figures); never above `maxBytes`. */
  get bytes(): number {
    return this.totalBytes;
  }

  async getSeen(account: string, ids: readonly string[]): Promise<Set<string>> {
    const entry = this.touch(account, false);
    return new Set(entry ? ids.filter((id) => entry.seen.has(id)) : []);
  }

  async setSeen(account: string, ids: readonly string[], seen: boolean): Promise<void> {
    const entry = this.touch(account, true)!;
    for (const id of ids) {
      if (entry.seen.delete(id)) this.resize(entry, -stringCost(id));
      if (seen) {
        entry.seen.add(id);
        this.resize(entry, stringCost(id));
      }
    }
    const overCount = () => entry.seen.size > this.bounds.maxSeenPerAccount;
    this.dropOldestSeen(entry, overCount);
    // Other accounts go first; only an account beyond the budget alone loses its own oldest ids.
    this.evict(account);
    this.dropOldestSeen(entry, () => this.totalBytes > this.bounds.maxBytes);
  }

  private dropOldestSeen(entry: AccountEntry, over: () => boolean): void {
    while (over()) {
      const oldest = entry.seen.values().next().value;
      if (oldest === undefined) return;
      entry.seen.delete(oldest);
      this.resize(entry, -stringCost(oldest));
    }
  }

  async getRules(account: string): Promise<Rule[]> {
    const rules = this.touch(account, false)?.rules;
    // Most accounts have no rules, and every inbox page asks: structuredClone of nothing still costs ~20 µs.
    return rules && rules.length > 0 ? structuredClone(rules) : [];
  }

  async setRules(account: string, rules: Rule[]): Promise<void> {
    const entry = this.touch(account, true)!;
    entry.rules = structuredClone(rules);
    // Rules are few and bounded by their schema; their JSON length is near enough.
    const rulesBytes = rules.length === 0 ? 0 : JSON.stringify(rules).length * 2;
    this.resize(entry, rulesBytes - entry.rulesBytes);
    entry.rulesBytes = rulesBytes;
    this.evict(account);
  }

  /** The account's entry, now the most recently used; created when asked to. */
  private touch(account: string, create: boolean): AccountEntry | undefined {
    let entry = this.accounts.get(account);
    if (entry) this.accounts.delete(account);
    else if (create) {
      const bytes = ACCOUNT_OVERHEAD + stringCost(account);
      entry = { seen: new Set(), rules: [], bytes, rulesBytes: 0 };
      this.totalBytes += bytes;
    }
    if (!entry) return undefined;
    this.accounts.set(account, entry);
    this.evict(account);
    return entry;
  }

  private resize(entry: AccountEntry, delta: number): void {
    entry.bytes += delta;
    this.totalBytes += delta;
  }

  /** Forgets the least recently used accounts, never `keep` (the one being written), until within the bounds. */
  private evict(keep: string): void {
    for (const [oldest, entry] of this.accounts) {
      if (this.accounts.size <= this.bounds.maxAccounts && this.totalBytes <= this.bounds.maxBytes) return;
      if (oldest === keep) continue;
      this.accounts.delete(oldest);
      this.totalBytes -= entry.bytes;
    }
  }
}
