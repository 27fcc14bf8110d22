import type { PendingSignInStore } from './session-store';

/** Bounded: a flood of sign-ins started evicts the oldest, never grows memory. */
const MAX_PENDING = 10_000;

/** The in-process PendingSignInStore: insertion order is expiry order (one lifetime for all). */
export class MemoryPendingSignIns implements PendingSignInStore {
  private readonly entries = new Map<string, { sealed: string; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async add(id: string, sealed: string, ttlMs: number): Promise<void> {
    this.sweep();
    this.entries.set(id, { sealed, expires: this.now() + ttlMs });
    while (this.entries.size > MAX_PENDING) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  async take(id: string): Promise<string | undefined> {
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry && entry.expires >= this.now() ? entry.sealed : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expires >= now) break;
      this.entries.delete(id);
    }
  }
}
