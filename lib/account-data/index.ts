import { MemoryAccountData } from './memory-account-data';
import type { AccountData } from './account-data';
import { processGlobal } from '../util/process-global';

export { accountKey, type AccountData } from './account-data';
export { MemoryAccountData } from './memory-account-data';

const store = processGlobal<AccountData>('postern.account-data', () => new MemoryAccountData());

/** The process's per-account store (kept across dev hot reloads, like the session pool). */
export const accountData = (): AccountData => store.get();

/** Replaces the store (the shared Redis store at start-up; tests). */
export const useAccountData = (replacement: AccountData): void => store.use(replacement);
