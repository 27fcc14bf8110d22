import { AppError } from '../errors';
import type { HeaderSummary } from '../mail/header-summary';
import { MailSession, type Credentials, type ServerTarget, type SessionDeps, type SessionPersistence, type TokenSource } from '../mail/mail-session';
import type { SessionPool } from '../mail/session-pool';
import { logBackgroundFailure } from '../log/background-failure';
import { SecretBox } from '../session-store/secret-box';
import type { SessionStore } from '../session-store/session-store';
import { openSecret, sealSecret, type StoredSecret } from '../session-store/stored-credentials';

/** Store TTLs are pushed forward at most this often per session (one round trip to Redis, not one per request). */
const TOUCH_EVERY_MS = 15_000;

/** Rebuilds an OAuth session's token source from its stored tokens (registered by the OAuth login). */
export type OAuthRestorer = (secret: Extract<StoredSecret, { kind: 'oauth' }>, save: (secret: StoredSecret) => Promise<void>) => TokenSource;

/**
 * The sessions of this process and of the store behind it. The pool keeps
 * the live MailSessions (each with its POP3 connection); the store keeps what
 * any instance needs to serve the session again: the account, the sealed
 * credentials, the marks by UIDL, a bounded header cache, with TTLs. A request
 * for a session this process does not have is served by logging in again
 * (after the connection lease says so) and re-applying the marks.
 */
export class Sessions {
  readonly persistence: SessionPersistence;
  private readonly restoring = new Map<string, Promise<MailSession | undefined>>();
  private readonly touched = new WeakMap<MailSession, number>();
  private oauthRestorer: OAuthRestorer | undefined;
  private readonly unopenedKeys = new Set<string>();

  constructor(
    private readonly pool: SessionPool,
    private readonly store: SessionStore,
    private readonly box: SecretBox,
    private readonly deps: Omit<SessionDeps, 'persistence'>,
    private readonly ttlMs: number,
  ) {
    this.persistence = {
      beforeLogin: (token) => store.leases.acquire(token),
      marksChanged: (token, ids) => store.setMarks(token, ids),
      // Only a shared store is told: in-process, a session leaves the pool only when it ends, so nothing would
      // ever read the store's copy, a second Map of every summary beside the session's own.
      headersLearned: store.shared
        ? (token, summaries) => void store.putHeaders(token, summaries).catch((error: unknown) => logBackgroundFailure('header store', error))
        : undefined,
      connectionClosed: (token) => void store.leases.release(token).catch((error: unknown) => logBackgroundFailure('lease release', error)),
    };
    // In-process, idle in the pool is idle everywhere: the session ends as it always did (a shared store's TTL
    // decides there, since the person may be using another instance).
    if (!store.shared) pool.onExpired = (token) => void store.remove(token);
    // Another instance needs this session's connection: close ours WITHOUT QUIT (the marks are in the store).
    store.leases.onDropRequest((token) => {
      if (this.pool.has(token)) this.pool.remove(token);
      else if (!this.restoring.has(token)) this.persistence.connectionClosed(token);
    });
  }

  get sessionDeps(): SessionDeps {
    return { ...this.deps, persistence: this.persistence };
  }

  get shared(): boolean {
    return this.store.shared;
  }

  setOAuthRestorer(restorer: OAuthRestorer): void {
    this.oauthRestorer = restorer;
  }

  /**
   * Logs in and keeps the session here and in the store. The record is saved
   * first, so that what the login learns (headers) is kept too; a failed login
   * takes it away again. The place in the pool is the caller's reservation.
   */
  async open(token: string, target: ServerTarget, credentials: Credentials, secret: StoredSecret, slot: { release(): void }): Promise<MailSession> {
    const { host, port, security, address } = target;
    await this.store.save(
      { token, account: { host, port, security, address, username: credentials.username }, secret: sealSecret(this.box, token, secret), createdAt: Date.now() },
      this.ttlMs,
    );
    try {
      const session = await MailSession.open(token, target, credentials, this.sessionDeps);
      this.pool.add(session, slot);
      return session;
    } catch (error) {
      await this.store.remove(token).catch(() => undefined);
      throw error;
    }
  }

  /** The session for a cookie's token: this process's, or restored from the store (a new POP3 login). */
  async find(token: string | undefined): Promise<MailSession | undefined> {
    if (!token) return undefined;
    const local = this.pool.get(token);
    if (local) {
      this.touch(local);
      return local;
    }
    let restoring = this.restoring.get(token);
    if (!restoring) {
      restoring = this.restore(token).finally(() => this.restoring.delete(token));
      this.restoring.set(token, restoring);
    }
    return restoring;
  }

  /** New credentials for a session (an OAuth refresh rotated its tokens), sealed. */
  updateSecret(token: string, secret: StoredSecret): Promise<void> {
    return this.store.updateSecret(token, sealSecret(this.box, token, secret));
  }

  /** Logged out or replaced: gone from this process and from the store. */
  async end(token: string): Promise<void> {
    this.drop(token);
    await this.forget(token);
  }

  /** Gone from the store: no request can resume the session any more (this process's copy stays until `drop`). */
  forget(token: string): Promise<void> {
    return this.store.remove(token);
  }

  /** Gone from this process (its connection closed without QUIT, if it still has one). */
  drop(token: string): void {
    this.pool.remove(token);
  }

  private touch(session: MailSession): void {
    const now = Date.now();
    if (now - (this.touched.get(session) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(session, now);
    this.store.touch(session.token, this.ttlMs).catch((error: unknown) => logBackgroundFailure('session touch', error));
  }

  private async restore(token: string): Promise<MailSession | undefined> {
    const record = await this.store.load(token);
    if (!record) return undefined;
    let secret: StoredSecret;
    try {
      secret = openSecret(this.box, token, record.secret);
    } catch {
      // Not here, but the record stays: another instance may list the key (a rotation under way). Unused, it expires.
      this.reportUnopened(record.secret);
      return undefined;
    }
    // Opened with an older key: sealed again under the first, so that the old key can be dropped later without
    // ending this session. Password secrets only: an OAuth secret is sealed again by its next refresh, and writing it
    // back here could put a refresh token another instance just used in place of the new one.
    if (!this.box.isCurrent(record.secret) && secret.kind === 'password') {
      this.updateSecret(token, secret).catch((error: unknown) => logBackgroundFailure('session re-seal', error));
    }
    const summaries = await this.store.getHeaders(token);
    const slot = this.pool.reserve();
    try {
      const { host, port, security, address, username } = record.account;
      const session = await MailSession.open(token, { host, port, security, address }, this.credentials(token, username, secret), this.sessionDeps, {
        loadMarks: () => this.store.getMarks(token),
        summaries: summaries as Map<string, HeaderSummary>,
      });
      // Logged out meanwhile (on another instance, while this login ran): not brought back to life here.
      const still = await this.store.load(token).catch((error: unknown) => {
        session.close();
        throw error;
      });
      if (!still) {
        session.close();
        slot.release();
        return undefined;
      }
      this.pool.add(session, slot);
      this.touched.set(session, Date.now());
      void this.store.touch(token, this.ttlMs).catch(() => undefined);
      return session;
    } catch (error) {
      slot.release();
      throw error;
    }
  }

  /** One line per key fingerprint (the first time only: every request of such a session would repeat it). */
  private reportUnopened(sealed: string): void {
    const id = SecretBox.keyIdOf(sealed) ?? 'none';
    if (this.unopenedKeys.has(id)) return;
    this.unopenedKeys.add(id);
    const why = this.box.hasKey(id) ? 'the key is listed here: altered?' : 'POSTERN_SESSION_KEY does not list that key here';
    console.warn(`[postern] a session record sealed under key ${id} was not opened (${why}): answered NO_SESSION, record kept`);
  }

  private credentials(token: string, username: string, secret: StoredSecret): Credentials {
    if (secret.kind === 'password') return { ...secret, username };
    if (!this.oauthRestorer) throw new AppError('REAUTH_REQUIRED', 'Your sign-in has expired. Please sign in again.');
    const tokens = this.oauthRestorer(secret, (next) => this.updateSecret(token, next));
    const { mechanism, saslInitialResponse, allowInsecure } = secret;
    return { kind: 'oauth', username, mechanism, tokens, saslInitialResponse, allowInsecure };
  }
}
