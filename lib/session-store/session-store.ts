import type { HeaderSummary } from '../mail/header-summary';
import type { Security } from '../pop3';

/** The account a session logs in to; no secret here. */
export interface StoredAccount {
  host: string;
  port: number;
  security: Security;
  /** The checked address the login reached (the host policy is not asked again on a restore). */
  address: string;
  username: string;
}

/**
 * What a store keeps of one session, so that any instance can serve it: the
 * account, the credentials sealed with POSTERN_SESSION_KEY (secret-box.ts),
 * never in clear. The POP3 connection itself stays in the process that
 * opened it.
 */
export interface SessionRecord {
  /** Not kept by a shared store (the cookie must not be readable there): Redis names the record by its hash. */
  token: string;
  account: StoredAccount;
  /** `SecretBox.seal` of the credentials (see stored-credentials.ts), bound to the token. */
  secret: string;
  createdAt: number;
}

/**
 * Headers kept per session in a store: beyond this, summaries stay in the process only (another instance
 * taking over fetches them again with TOP). 1,000 covers the first pages and a search of an ordinary inbox
 * at ~470 KiB in Redis; the cap, not the typical session, sizes Redis (docs/scaling.md).
 */
export const MAX_STORED_HEADERS = 1_000;

/**
 * One interface, two implementations: in-process (memory-session-store.ts,
 * the default) and Redis (redis-session-store.ts). Every key expires `ttlMs`
 * after the last `touch`: an idle session disappears from the store by
 * itself, with its marks (never applied: nothing deleted that was not).
 */
export interface SessionStore {
  /** True when other processes see the same sessions (the credentials then must be sealed with a configured key). */
  readonly shared: boolean;
  save(record: SessionRecord, ttlMs: number): Promise<void>;
  load(token: string): Promise<SessionRecord | undefined>;
  /** Pushes every key of the session `ttlMs` into the future. */
  touch(token: string, ttlMs: number): Promise<void>;
  /** The session and everything kept for it. */
  remove(token: string): Promise<void>;
  /** Replaces the sealed credentials (an OAuth refresh brought new tokens). */
  updateSecret(token: string, secret: string): Promise<void>;
  /** The ids marked for deletion and not yet applied. */
  getMarks(token: string): Promise<string[]>;
  setMarks(token: string, ids: readonly string[]): Promise<void>;
  /** Header summaries by id (bounded by MAX_STORED_HEADERS per session). */
  getHeaders(token: string): Promise<Map<string, HeaderSummary>>;
  putHeaders(token: string, summaries: ReadonlyMap<string, HeaderSummary>): Promise<void>;
  /** Which process may hold the session's POP3 connection (connection-lease.ts). */
  readonly leases: ConnectionLeases;
  /** OAuth sign-ins between /start and /callback (lib/oauth/pending-sign-ins.ts): shared, any instance finishes one another began. */
  readonly signIns: PendingSignInStore;
  close(): Promise<void>;
}

/**
 * Two instances must not both hold a POP3 connection for one session (servers
 * lock the maildrop). The holder of a session's lease may connect; another
 * instance that needs the connection asks the holder to drop its connection
 * (without QUIT: the marks are in the store) and waits for the lease.
 */
export interface ConnectionLeases {
  /** This process's name in the leases. */
  readonly instanceId: string;
  /** Resolves once this process holds the lease; throws AppError('MAILBOX_IN_USE') when the holder does not let go in time. */
  acquire(token: string): Promise<void>;
  /** Gives the lease up (after this process closed the session's connection). */
  release(token: string): Promise<void>;
  /** Called with a token whose connection another instance needs: close it without QUIT, then `release`. */
  onDropRequest(handler: (token: string) => void): void;
}

/**
 * Values kept for a few minutes under a random id, each taken at most once:
 * the sealed state, nonce and PKCE verifier of an OAuth sign-in in progress.
 */
export interface PendingSignInStore {
  add(id: string, sealed: string, ttlMs: number): Promise<void>;
  /** The value, removed; undefined when there is none (never added, expired, or taken already). */
  take(id: string): Promise<string | undefined>;
}
