import { Readable } from 'node:stream';
import { AppError } from '../errors';
import {
  AuthMemory,
  connectPop3,
  isPop3Error,
  loginWithFallback,
  type LoginOptions,
  type Pop3Error,
  type AuthChoice,
  type AuthMechanism,
  type Pop3Client,
  type Pop3Limits,
  type ListEntry,
  type Security,
  type TranscriptEntry,
  type UidlEntry,
} from '../pop3';
import { fetchHeaderSections } from './header-fetch';
import { HeaderCache } from './header-cache';
import { summaryOrEmpty, type HeaderSummary } from './header-summary';
import { contentId, idFromUid, withOccurrence } from './ids';
import { MaildropSnapshot, type MaildropEntry } from './maildrop-snapshot';
import { Marks } from './marks';

export type { MaildropEntry } from './maildrop-snapshot';
import { Mutex } from './mutex';
import { TranscriptRing } from './transcript-ring';

export interface ServerTarget {
  host: string;
  port: number;
  security: Security;
  /** The checked address to connect to (no second DNS lookup). */
  address: string;
}

/**
 * How the session logs in. Passwords and tokens live in server memory only.
 * `saslInitialResponse: false` starts SASL with the two-line form (Microsoft's
 * XOAUTH2); left out, the one-line form is tried first and the other one
 * follows when the server refuses it as a protocol error.
 */
export type Credentials =
  | { kind: 'password'; username: string; password: string; mechanism: AuthChoice; allowInsecure: boolean; saslInitialResponse?: boolean }
  | {
      kind: 'oauth';
      username: string;
      mechanism: 'xoauth2' | 'oauthbearer';
      tokens: TokenSource;
      saslInitialResponse?: boolean;
      /** Only for a test server on a plain port: a bearer token is as good as a password to whoever reads it. */
      allowInsecure?: boolean;
    };

/** Where an OAuth session gets its access tokens (the OAuth layer keeps the refresh token). */
export interface TokenSource {
  /** A currently valid access token (refreshing first when it is about to expire). */
  accessToken(): Promise<string>;
  /** The server refused the token: refresh now and return the new one; throws AppError('REAUTH_REQUIRED') when that is impossible. */
  refresh(): Promise<string>;
}

/** What the server said about its policies (RFC 2449 EXPIRE and LOGIN-DELAY), for the person. */
export interface ServerPolicies {
  /** Days a retrieved message stays on the server; 0: it may go at once; null: never expires, or not said. */
  expireDays: number | null;
  /** Seconds the server asks for between logins; null: not said. */
  loginDelaySeconds: number | null;
}

/** What Apply (`commit`) did: the deletions stand even when the new login was refused. */
export interface CommitResult {
  deleted: number;
  count: number;
  size: number;
  /** False when the login after QUIT was refused or failed: the next request tries again. */
  reconnected: boolean;
  /** Seconds until a login should work again, when the server asked for a delay. */
  retryAfter?: number;
}

export interface SessionDeps {
  limits?: Partial<Pop3Limits>;
  tlsCa?: string;
  onTranscript?: (entry: TranscriptEntry) => void;
  /** Where the session's plain data is kept beyond this object (lib/session-store); none: this object only. */
  persistence?: SessionPersistence;
}

/**
 * The session store as the mail layer sees it, by session token. The POP3
 * connection stays here; the marks and headers are kept there, and a login
 * first takes the session's connection lease (one instance at a time).
 */
export interface SessionPersistence {
  /** Before every login: resolves once this process may hold the session's POP3 connection. */
  beforeLogin(token: string): Promise<void>;
  /** The marks changed; awaited before the change is reported to the person. */
  marksChanged(token: string, ids: readonly string[]): Promise<void>;
  /** New header summaries (best effort: headers can always be fetched again). */
  headersLearned(token: string, summaries: ReadonlyMap<string, HeaderSummary>): void;
  /** The session's connection is closed for good in this process: the lease can go. */
  connectionClosed(token: string): void;
}

/** What a session restored from the store starts with. */
export interface RestoredState {
  marks?: Iterable<string>;
  summaries?: Iterable<[string, HeaderSummary]>;
}


/**
 * Logins per account, shared by every session. An advertised LOGIN-DELAY is
 * a hint (Gmail advertises 300 s and does not enforce it): logins are tried,
 * and only a server that refused one (`[LOGIN-DELAY]`, or a refusal within
 * the delay) is waited for afterwards.
 */
const lastLogins = new Map<string, { at: number; delaySeconds: number; enforced: boolean }>();
const MAX_LOGIN_RECORDS = 20_000;

function recordLogin(key: string, delaySeconds: number, enforced: boolean, at = Date.now()): void {
  lastLogins.delete(key);
  lastLogins.set(key, { at, delaySeconds, enforced });
  // Bounded: the oldest records go first (insertion order); a forgotten delay only means one early login.
  while (lastLogins.size > MAX_LOGIN_RECORDS) {
    const oldest = lastLogins.keys().next().value;
    if (oldest === undefined) break;
    lastLogins.delete(oldest);
  }
}

/** The login form that worked per server (`host:port`), for the life of the process. */
const authMemory = new AuthMemory();

/**
 * How many of the newest messages a login identifies (and fetches the headers
 * of) before the maildrop's full listing: the inbox's first page (the UI asks
 * for 100) must not wait for LIST and UIDL of ten thousand messages.
 */
export const NEWEST_FIRST = 100;

const IN_USE_RETRIES = 4;
const IN_USE_BACKOFF_MS = 500;
/** A login delay up to this long is waited out; a longer one is reported. */
const MAX_LOGIN_DELAY_WAIT_MS = 10_000;

/**
 * A person's mail session: the credentials (server memory only), the POP3
 * connection, the snapshot that maps stable ids to this connection's message
 * numbers, the header cache, and the pending deletion marks. Every command
 * sequence runs behind one FIFO lock. When the connection has dropped, the
 * next use reconnects, maps ids again with UIDL and re-applies the marks that
 * the server forgot.
 */
export class MailSession {
  readonly token: string;
  readonly target: ServerTarget;
  readonly username: string;
  private readonly credentials: Credentials;
  private readonly deps: SessionDeps;
  private readonly mutex = new Mutex();
  private client: Pop3Client | undefined;
  /** This connection's view of the maildrop: ids to message numbers (`run` waits for the full listing, `runNewest` does not). */
  private readonly maildrop = new MaildropSnapshot();
  /** The login's `TOP n 0` batch for the newest messages, until its summaries are in the cache. */
  headerWarmup: Promise<void> | undefined;
  /** The full listing failed in a way a reconnect would only repeat (too large, malformed). */
  private listingFailure: Pop3Error | undefined;
  /** Ids the person marked for deletion and has not yet applied or undone. */
  readonly pending: Marks;
  /** Header summaries by id: paging back and forth costs no round trip, even across reconnects. */
  readonly summaries: HeaderCache;
  capabilities: string[] = [];
  mechanism: AuthMechanism | undefined;
  /** EXPIRE and LOGIN-DELAY as the server stated them after login. */
  policies: ServerPolicies = { expireDays: null, loginDelaySeconds: null };
  lastUsed = Date.now();
  lastActivity = Date.now();
  /** Logged out, expired or replaced: the session must never reconnect again. */
  ended = false;
  /** This session's last POP3 lines, redacted by the client (the server panel). */
  readonly transcript = new TranscriptRing(200);

  private constructor(token: string, target: ServerTarget, credentials: Credentials, deps: SessionDeps, restored: RestoredState) {
    this.token = token;
    this.target = target;
    this.credentials = credentials;
    this.username = credentials.username;
    this.deps = deps;
    const persistence = deps.persistence;
    this.pending = new Marks(restored.marks, persistence ? (ids) => persistence.marksChanged(token, ids) : undefined);
    this.summaries = new HeaderCache(restored.summaries, persistence ? (fresh) => persistence.headersLearned(token, fresh) : undefined);
  }

  private assertLive(): void {
    if (this.ended) throw new AppError('NO_SESSION', 'Your session has ended. Please log in again.');
  }

  /** Logs in and loads the snapshot; throws (typed) when the server refuses. */
  static async open(token: string, target: ServerTarget, credentials: Credentials, deps: SessionDeps, restored: RestoredState = {}): Promise<MailSession> {
    const session = new MailSession(token, target, credentials, deps, restored);
    await session.mutex.run(() => session.connect());
    return session;
  }

  get busy(): boolean {
    return this.mutex.queued > 0;
  }

  /** The server said (CAPA) it has no TOP: every header would cost a whole RETR. */
  get lacksTop(): boolean {
    return this.client?.lacksTop ?? false;
  }

  get connected(): boolean {
    return this.client !== undefined && !this.client.closed;
  }

  get count(): number {
    return this.maildrop.count;
  }

  get size(): number {
    return this.maildrop.size;
  }

  /** The snapshot, oldest first (POP3 order). Complete inside `run`; empty in `runNewest` until the listing is in. */
  get snapshot(): readonly MaildropEntry[] {
    return this.maildrop.all;
  }

  /** Every entry known so far: the snapshot, or only the newest messages while the listing is still arriving. */
  get known(): readonly MaildropEntry[] {
    return this.maildrop.known;
  }

  /** See MaildropSnapshot.newestEntries. */
  newestEntries(offset: number, limit: number): MaildropEntry[] | undefined {
    return this.maildrop.newestEntries(offset, limit);
  }

  lookup(id: string): MaildropEntry {
    return this.maildrop.lookup(id);
  }

  /** `lookup`, waiting for the full listing (behind the lock) when the id is not among the newest messages known so far. */
  async find(id: string): Promise<MaildropEntry> {
    return this.maildrop.now(id) ?? this.run(async () => this.lookup(id));
  }

  /** The entry with this id in the current snapshot, if any (no waiting, no error). */
  entryNow(id: string): MaildropEntry | undefined {
    return this.maildrop.now(id);
  }

  /** Runs one command sequence with a live connection and the full listing. A connection found dead mid-way is re-opened once. */
  run<T>(work: (client: Pop3Client) => Promise<T>): Promise<T> {
    return this.runLocked(work, { listed: true, person: true });
  }

  /** `run` for work nobody is waiting for (a background fill): not counted as the person using the session. */
  runBackground<T>(work: (client: Pop3Client) => Promise<T>): Promise<T> {
    return this.runLocked(work, { listed: true, person: false });
  }

  /**
   * `run` without waiting for the full listing: for work that needs only the
   * newest messages (`newestEntries`), such as the inbox's first page right
   * after login. It must wait for the listing itself (`whenListed`) if it needs more.
   */
  runNewest<T>(work: (client: Pop3Client) => Promise<T>): Promise<T> {
    return this.runLocked(work, { listed: false, person: true });
  }

  /** Resolves when the full listing is in (at once when it is). Callers hold the lock. */
  async whenListed(): Promise<void> {
    await this.maildrop.whenListed();
  }

  private runLocked<T>(work: (client: Pop3Client) => Promise<T>, { listed, person }: { listed: boolean; person: boolean }): Promise<T> {
    if (person) this.lastUsed = Date.now();
    return this.mutex.run(async () => {
      this.lastActivity = Date.now();
      let used: Pop3Client | undefined;
      const attempt = async () => {
        this.assertLive();
        if (listed && this.listingFailure) throw this.listingFailure;
        const client = (used = await this.ensureClient());
        if (listed) await this.whenListed();
        return work(client);
      };
      try {
        return await attempt();
      } catch (error) {
        if (!(isPop3Error(error) && error.code === 'CLOSED' && used?.closed)) throw error;
        // The server dropped us (idle timeout, restart): reconnect and try once more.
        return await attempt();
      } finally {
        this.lastActivity = Date.now();
      }
    });
  }

  /**
   * The one way to work on one message: the lock, a live connection, and the
   * message's entry on it (waiting for the full listing only when the id is
   * not among the newest messages known). Work that hands back a stream keeps
   * the lock until the stream has finished, since the connection is busy until
   * then; a stream abandoned early closes the connection (the next use
   * reconnects) rather than downloading the rest of a large body for nothing.
   */
  withMessage<T>(id: string, work: (client: Pop3Client, entry: MaildropEntry) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.runNewest(async (client) => {
        const result = await work(client, await this.maildrop.resolve(id));
        resolve(result);
        if (result instanceof Readable) await streamDone(result, client);
      }).catch(reject);
    });
  }

  /** A fresh POP3 session, so new mail appears; the marks are re-applied, never committed or lost. */
  async refresh(): Promise<{ deferredSeconds: number }> {
    return this.mutex.run(async () => {
      this.assertLive();
      const wait = this.loginDelayRemainingMs();
      if (wait > 0 && this.connected) return { deferredSeconds: Math.ceil(wait / 1000) };
      this.listingFailure = undefined; // the person asked to start afresh: list again once
      this.client?.close();
      await this.connect();
      return { deferredSeconds: 0 };
    });
  }

  /** DELE for each id (all must exist: nothing is sent when one does not). */
  async mark(ids: readonly string[]): Promise<string[]> {
    return this.run(async (client) => {
      const entries = ids.map((id) => this.lookup(id));
      const fresh = entries.filter((entry) => !this.pending.has(entry.id));
      await Promise.all(fresh.map((entry) => client.dele(entry.number)));
      await this.pending.add(fresh.map((entry) => entry.id));
      return entries.map((entry) => entry.id);
    });
  }

  /** RSET: every mark undone. */
  async reset(): Promise<number> {
    return this.run(async (client) => {
      await client.rset();
      const restored = this.pending.size;
      await this.pending.clear();
      return restored;
    });
  }

  /**
   * QUIT applies the marks; then log in again for a fresh snapshot. The
   * deletions are reported even when that login is refused or fails: they
   * were made. The session stays usable, with the snapshot as it was minus
   * the deleted messages; the next request tries the login again.
   */
  async commit(): Promise<CommitResult> {
    return this.mutex.run(async () => {
      this.assertLive();
      const applied = new Set(this.pending);
      const deleted = await this.quitApplyingMarks();
      try {
        await this.connect();
        return { deleted, count: this.count, size: this.size, reconnected: true };
      } catch (error) {
        if (error instanceof AppError && error.code === 'NO_SESSION') throw error;
        this.forgetDeleted(applied);
        const retryAfter = error instanceof AppError ? error.retryAfter : undefined;
        return { deleted, count: this.count, size: this.size, reconnected: false, ...(retryAfter ? { retryAfter } : {}) };
      }
    });
  }

  /** The snapshot without messages QUIT deleted, until a new login lists the maildrop again. */
  private forgetDeleted(ids: ReadonlySet<string>): void {
    this.maildrop.forget(ids);
  }

  /** Log out: QUIT applies the marks. */
  async logout(): Promise<number> {
    return this.mutex.run(async () => {
      this.assertLive();
      const deleted = await this.quitApplyingMarks();
      this.ended = true;
      return deleted;
    });
  }

  /** Close without QUIT: the server forgets the marks (used for idle expiry and shutdown). */
  close(): void {
    this.ended = true;
    this.client?.close();
    this.client = undefined;
    this.deps.persistence?.connectionClosed(this.token);
  }

  /** Keeps the server from dropping an idle connection (RFC 1939 allows it after 10 minutes). */
  async keepAlive(): Promise<void> {
    if (!this.connected || this.busy) return;
    await this.mutex.run(async () => {
      if (this.client && !this.client.closed) await this.client.noop().catch(() => undefined);
    });
  }

  // ---- connection ---------------------------------------------------------

  private async ensureClient(): Promise<Pop3Client> {
    if (this.client && !this.client.closed) return this.client;
    await this.connect();
    return this.client!;
  }

  private async quitApplyingMarks(): Promise<number> {
    if (this.pending.size > 0 && !this.connected) await this.connect();
    const deleted = this.pending.size;
    if (this.client && !this.client.closed) await this.client.quit();
    this.client = undefined;
    for (const id of this.pending) this.summaries.delete(id);
    await this.pending.clear();
    return deleted;
  }

  private accountKey(): string {
    return `${this.target.host.toLowerCase()}:${this.target.port}:${this.username}`;
  }

  private serverKey(): string {
    return `${this.target.host.toLowerCase()}:${this.target.port}`;
  }

  /** Time left of the delay the server asked for since our last login (0 when none or over). */
  private loginDelayRemainingMs(onlyEnforced = false): number {
    const last = lastLogins.get(this.accountKey());
    if (!last || last.delaySeconds <= 0 || (onlyEnforced && !last.enforced)) return 0;
    return Math.max(0, last.at + last.delaySeconds * 1000 - Date.now());
  }

  /** Connects, logs in, loads the snapshot and re-applies the marks. Callers hold the lock. */
  private async connect(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    this.assertLive(); // closed (logged out, replaced, expired) while something was in flight: never log in again
    // Only a delay the server has enforced is waited for; an advertised one is tried.
    const wait = this.loginDelayRemainingMs(true);
    if (wait > MAX_LOGIN_DELAY_WAIT_MS) {
      throw new AppError('LOGIN_DELAY', 'The mail server asks to wait before logging in again.', { retryAfter: Math.ceil(wait / 1000) });
    }
    if (wait > 0) await sleep(wait);
    // Another instance may hold this session's connection: it lets go first (lib/session-store, docs/scaling.md).
    await this.deps.persistence?.beforeLogin(this.token);
    this.assertLive();

    const credentials = this.credentials;
    let accessToken = credentials.kind === 'oauth' ? await credentials.tokens.accessToken() : undefined;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connectOnce(accessToken);
        return;
      } catch (error) {
        // Our own previous connection may still hold the maildrop lock for a moment.
        if (isPop3Error(error) && error.code === 'IN_USE' && attempt < IN_USE_RETRIES) {
          await sleep(IN_USE_BACKOFF_MS * attempt);
          continue;
        }
        // A refused token is refreshed once; a refresh that fails (REAUTH_REQUIRED) propagates.
        if (credentials.kind === 'oauth' && isPop3Error(error) && error.code === 'AUTH_FAILED' && !refreshed) {
          refreshed = true;
          accessToken = await credentials.tokens.refresh();
          continue;
        }
        throw this.loginDelayError(error) ?? error;
      }
    }
  }

  /** `[LOGIN-DELAY]`, or a code-less refusal within the delay the server advertised, as LOGIN_DELAY (429). */
  private loginDelayError(error: unknown): AppError | undefined {
    if (!isPop3Error(error)) return undefined;
    const last = lastLogins.get(this.accountKey());
    const remaining = this.loginDelayRemainingMs();
    const explicit = error.code === 'LOGIN_DELAY';
    const withinDelay = error.code === 'AUTH_FAILED' && error.respCode === undefined && remaining > 0;
    if (!explicit && !withinDelay) return undefined;
    const retryAfter = remaining > 0 ? Math.ceil(remaining / 1000) : last?.delaySeconds || 60;
    // From now on this server's delay is real: wait it out (or report it) instead of trying.
    recordLogin(this.accountKey(), last?.delaySeconds || retryAfter, true, last?.at ?? Date.now());
    return new AppError('LOGIN_DELAY', 'The mail server asks to wait before logging in again.', { retryAfter, cause: error });
  }

  private loginOptions(accessToken: string | undefined): LoginOptions {
    const credentials = this.credentials;
    const server = { host: this.target.host, port: this.target.port };
    if (credentials.kind === 'oauth') {
      return {
        username: credentials.username,
        accessToken,
        mechanism: credentials.mechanism,
        allowInsecure: credentials.allowInsecure ?? false,
        saslInitialResponse: credentials.saslInitialResponse,
        server,
      };
    }
    return {
      username: credentials.username,
      password: credentials.password,
      mechanism: credentials.mechanism,
      allowInsecure: credentials.allowInsecure,
      saslInitialResponse: credentials.saslInitialResponse,
      server,
    };
  }

  private openConnection(): Promise<Pop3Client> {
    return connectPop3({
      host: this.target.host,
      port: this.target.port,
      security: this.target.security,
      address: this.target.address,
      trust: this.deps.tlsCa ? { ca: this.deps.tlsCa } : undefined,
      limits: this.deps.limits,
      onTranscript: (entry) => {
        this.transcript.push(entry);
        this.deps.onTranscript?.(entry);
      },
    });
  }

  private async connectOnce(accessToken: string | undefined): Promise<void> {
    const first = await this.openConnection();
    let client = first;
    try {
      // The login, CAPA and STAT are queued at once: with PIPELINING, one round trip for all of it.
      // A login refused for a reason other than the credentials is tried another way (loginWithFallback).
      const loggedIn = await loginWithFallback(first, this.loginOptions(accessToken), {
        reopen: () => this.openConnection(),
        remembered: authMemory.get(this.serverKey()),
        queueAfterLogin: (next) => {
          const capa = next.capa();
          const stat = next.stat();
          capa.catch(() => undefined);
          stat.catch(() => undefined);
          return { capa, stat };
        },
      });
      client = loggedIn.client;
      this.mechanism = loggedIn.mechanism;
      authMemory.remember(this.serverKey(), loggedIn.attempt);
      const [caps, figures] = await Promise.all([loggedIn.queued.capa, loggedIn.queued.stat]);
      this.capabilities = caps.names;
      // What the server says after login is what holds for this user (RFC 2449: `EXPIRE n USER` before
      // login only says it varies); a server that does not answer CAPA then has stated nothing.
      const stated = client.capaKnown ? caps : undefined;
      this.policies = {
        expireDays: typeof stated?.expire === 'number' ? stated.expire : null,
        loginDelaySeconds: stated?.loginDelaySeconds ?? null,
      };
      const previous = lastLogins.get(this.accountKey());
      recordLogin(this.accountKey(), caps.loginDelaySeconds ?? 0, previous?.enforced ?? false);
      this.assertLive(); // closed during the login
      this.client = client;
      await this.loadSnapshot(client, figures);
      if (this.pending.size > 0) {
        await this.whenListed();
        await this.reapplyMarks(client);
      }
    } catch (error) {
      first.close();
      client.close();
      this.client = undefined;
      throw error;
    }
  }

  /**
   * The snapshot, in one round trip after STAT. A large maildrop on a
   * pipelining server is identified newest first (`UIDL n`, `LIST n` for the
   * newest NEWEST_FIRST messages), and the login returns as soon as those are
   * in, while the full LIST and UIDL are still arriving behind them: the first
   * page does not wait for ten thousand listing lines. The newest messages'
   * headers are fetched in the same flight, so the first page is usually
   * ready when it is asked for.
   */
  private async loadSnapshot(client: Pop3Client, figures: { count: number; size: number }): Promise<void> {
    const numbers = Array.from({ length: Math.min(figures.count, NEWEST_FIRST) }, (_, i) => figures.count - i);
    const newestFirst = client.pipelining && client.capabilities.uidl && figures.count > NEWEST_FIRST;
    const uids = newestFirst ? settled(numbers.map((number) => client.uidl(number))) : undefined;
    const sizes = newestFirst ? settled(numbers.map((number) => client.list(number))) : undefined;
    const sections = client.pipelining && client.capabilities.top && this.summaries.size === 0 ? client.topMany(numbers, 0) : undefined;
    sections?.catch(() => undefined);
    // Behind the newest messages' headers, not beside them: ten thousand listing lines arriving
    // (and being parsed) while the first page is served would only slow that page down.
    const listing = this.listingFailure
      ? Promise.reject(this.listingFailure) // known to fail: not asked again on this session (the newest messages still work)
      : newestFirst && sections
        ? sections.then(noop, noop).then(() => this.loadListing(client))
        : this.loadListing(client);
    listing.catch(() => undefined);
    this.maildrop.begin(figures, listing);
    const newestKnown = uids && sizes ? Promise.all([uids, sizes]).then(([u, l]) => identifyNewest(numbers, u, l)) : Promise.resolve(undefined);
    this.headerWarmup = sections ? this.warmHeaders(client, sections, newestKnown) : undefined;

    const newest = await newestKnown;
    if (newest && this.maildrop.pendingListing === listing) {
      this.maildrop.showNewest(newest);
      return;
    }
    await listing;
  }

  /** The full LIST and UIDL, then the snapshot built from them (ignored if a newer connection took over). */
  private async loadListing(client: Pop3Client): Promise<void> {
    try {
      const list = client.list();
      const uidl = client.uidl().catch((error: unknown) => {
        if (isPop3Error(error) && !error.fatal) return null; // no UIDL: ids come from content
        throw error;
      });
      list.catch(() => undefined);
      const [listing, uids] = await Promise.all([list, uidl]);
      const entries = await this.identify(client, listing, uids);
      if (this.client !== client) return;
      this.maildrop.complete(entries);
      this.listingFailure = undefined;
    } catch (error) {
      // A listing the server cannot give us within bounds fails the same way on every reconnect: remember it.
      if (isPop3Error(error) && (error.code === 'LIMIT_EXCEEDED' || error.code === 'PROTOCOL_ERROR') && this.client === client) {
        this.listingFailure = error;
      }
      // Otherwise the next use reconnects and lists again, rather than working from half a listing.
      client.close();
      throw error;
    }
  }

  private async identify(
    client: Pop3Client,
    listing: { number: number; size: number }[],
    uids: { number: number; uid: string; valid: boolean }[] | null,
  ): Promise<MaildropEntry[]> {
    const uidByNumber = new Map((uids ?? []).filter((u) => u.valid).map((u) => [u.number, u.uid]));
    const entries = listing.map((entry) => {
      const uid = uidByNumber.get(entry.number);
      return { number: entry.number, size: entry.size, id: uid === undefined ? '' : idFromUid(uid) };
    });
    const anonymous = entries.filter((entry) => entry.id === '');
    if (anonymous.length > 0) {
      // No usable UIDL for these: identify them by content, numbering exact duplicates in maildrop order.
      const sections = await fetchHeaderSections(client, anonymous);
      const seen = new Map<string, number>();
      for (const entry of anonymous) {
        const base = contentId(entry.size, sections.get(entry.number) ?? Buffer.alloc(0));
        const occurrence = (seen.get(base) ?? 0) + 1;
        seen.set(base, occurrence);
        entry.id = withOccurrence(base, occurrence);
      }
    }
    return entries;
  }

  /** Summaries of the login's `TOP n 0` batch, filed by id once the ids are known. Never rejects. */
  private async warmHeaders(
    client: Pop3Client,
    sections: Promise<{ number: number; data?: Buffer }[]>,
    newestKnown: Promise<MaildropEntry[] | undefined>,
  ): Promise<void> {
    try {
      // Both, whichever settles first: the last TOP reply can arrive in the same read as the UIDL n answers.
      const [results, newest] = await Promise.all([sections, newestKnown]);
      if (this.client !== client) return;
      if (!newest) await this.whenListed();
      const byNumber = new Map((newest ?? this.maildrop.all).map((entry) => [entry.number, entry.id]));
      for (const result of results) {
        const id = byNumber.get(result.number);
        if (id !== undefined && result.data && !this.summaries.has(id)) this.summaries.set(id, summaryOrEmpty(result.data));
      }
    } catch {
      // A page fetches whatever the cache still lacks.
    } finally {
      if (this.client === client) this.headerWarmup = undefined;
    }
  }

  /** The person's intent survives a dropped connection: marks the server forgot are sent again, by id. */
  private async reapplyMarks(client: Pop3Client): Promise<void> {
    // Gone from the server meanwhile (applied by a QUIT whose answer was lost): nothing left to delete.
    await this.pending.retain((id) => this.maildrop.has(id));
    const targets = [...this.pending].map((id) => this.maildrop.lookup(id));
    await Promise.all(targets.map((entry) => client.dele(entry.number)));
  }
}

/**
 * The newest messages as `UIDL n` and `LIST n` told them, newest first; undefined when anything
 * is doubtful (a refused command, a malformed or repeated UID): then the full listing decides.
 */
function identifyNewest(numbers: readonly number[], uids: Settled<UidlEntry>[], sizes: Settled<ListEntry>[]): MaildropEntry[] | undefined {
  const newest: MaildropEntry[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < numbers.length; i++) {
    const uid = uids[i];
    const size = sizes[i];
    if (!uid?.ok || !size?.ok || !uid.value.valid || seen.has(uid.value.uid)) return undefined;
    if (uid.value.number !== numbers[i] || size.value.number !== numbers[i]) return undefined; // an answer about another message
    seen.add(uid.value.uid);
    newest.push({ number: numbers[i]!, size: size.value.size, id: idFromUid(uid.value.uid) });
  }
  return newest;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Like Promise.allSettled, keeping fatal errors (a dropped connection) as rejections. */
function settled<T>(promises: Promise<T>[]): Promise<Settled<T>[]> {
  return Promise.all(
    promises.map((promise) =>
      promise.then(
        (value): Settled<T> => ({ ok: true, value }),
        (error: unknown): Settled<T> => {
          if (isPop3Error(error) && !error.fatal) return { ok: false, error };
          throw error;
        },
      ),
    ),
  );
}

function noop(): void {}

/** Resolves when a body stream has closed; one closed before its end leaves the connection out of step: close it. */
function streamDone(stream: Readable, client: Pop3Client): Promise<void> {
  return new Promise<void>((done) => {
    let ended = false;
    stream.once('end', () => (ended = true));
    stream.once('close', () => {
      if (!ended) client.close();
      done();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
