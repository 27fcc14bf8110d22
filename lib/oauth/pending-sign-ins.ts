import { randomBytes } from 'node:crypto';
import type { SecretBox } from '../session-store/secret-box';
import type { PendingSignInStore } from '../session-store/session-store';
import type { PendingAuthorization } from './oidc-client';

/** A sign-in must come back from the provider within this time. */
export const PENDING_TTL_MS = 10 * 60_000;
const ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * State, nonce and PKCE verifier between /start and /callback, keyed by a
 * random id that travels in a short-lived cookie. They are kept in the
 * session store, sealed with the session key (never in clear, never in the
 * browser): with a shared store, the instance the provider sends the browser
 * back to finishes a sign-in another one began, even if that one has died.
 * Each is taken once: a replayed callback finds nothing.
 */
export class PendingSignIns {
  constructor(
    private readonly store: PendingSignInStore,
    private readonly box: SecretBox,
  ) {}

  async add(pending: PendingAuthorization): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.store.add(id, this.box.seal(JSON.stringify(pending), context(id)), PENDING_TTL_MS);
    return id;
  }

  /** The sign-in for `id` when it exists, is fresh and belongs to `provider`; used up either way. */
  async take(id: string | undefined, provider: string): Promise<PendingAuthorization | undefined> {
    if (!id || !ID.test(id)) return undefined;
    const sealed = await this.store.take(id);
    if (sealed === undefined) return undefined;
    let pending: PendingAuthorization;
    try {
      pending = JSON.parse(this.box.open(sealed, context(id))) as PendingAuthorization;
    } catch {
      // Sealed under a key no longer configured, or altered: as good as absent.
      return undefined;
    }
    return pending.provider === provider ? pending : undefined;
  }
}

/** The sealed value is bound to its id: one copied under another id does not open. */
const context = (id: string) => `oauth-sign-in:${id}`;
