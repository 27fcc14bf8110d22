import { MemoryAccountData } from './memory-account-data';
import type { AccountData } from './account-data';

export { accountKey, type AccountData } from './account-data';
export { MemoryAccountData } from './memory-account-data';

const KEY = Symbol.for('postern.account-data');
type Holder = { [KEY]?: AccountData };

/** The process's per-account store (kept on globalThis like the session pool, so dev hot reload keeps it). */
export function accountData(): AccountData {
  const holder = globalThis as Holder;
  return (holder[KEY] ??= new MemoryAccountData());
}

/** Replaces the store (the shared Redis store at start-up; tests). */
export function useAccountData(store: AccountData): void {
  (globalThis as Holder)[KEY] = store;
}
