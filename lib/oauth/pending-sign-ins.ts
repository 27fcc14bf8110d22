import { randomBytes } from 'node:crypto';
import type { PendingAuthorization } from './oidc-client';

/** A sign-in must come back from the provider within this time. */
export const PENDING_TTL_MS = 10 * 60_000;
/** Bounded: a flood of /start requests evicts the oldest, never grows memory. */
const MAX_PENDING = 10_000;

/**
 * State, nonce and PKCE verifier between /start and /callback, in server
 * memory keyed by a random id that travels in a short-lived cookie. Each entry
 * is taken once: a replayed callback finds nothing.
 */
export class PendingSignIns {
  private readonly entries = new Map<string, { pending: PendingAuthorization; expires: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  add(pending: PendingAuthorization): string {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    this.entries.set(id, { pending, expires: this.now() + PENDING_TTL_MS });
    while (this.entries.size > MAX_PENDING) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return id;
  }

  /** The entry for `id` when it exists, is fresh and belongs to `provider`; removed either way. */
  take(id: string | undefined, provider: string): PendingAuthorization | undefined {
    if (!id) return undefined;
    const entry = this.entries.get(id);
    this.entries.delete(id);
    if (!entry || entry.expires < this.now() || entry.pending.provider !== provider) return undefined;
    return entry.pending;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expires >= now) break; // insertion order is expiry order
      this.entries.delete(id);
    }
  }
}
