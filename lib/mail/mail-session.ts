import { Readable } from 'node:stream';
import { AppError } from '../errors';
import { logBackgroundFailure } from '../log/background-failure';
import {
  isPop3Error,
  type Pop3Error,
  type AuthMechanism,
  type Pop3Client,
  type Pop3Limits,
  type ListEntry,
  type TopResult,
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
import { Pop3Link, type Credentials, type ServerPolicies, type ServerTarget } from './pop3-link';
import { TranscriptRing } from './transcript-ring';

export type { Credentials, ServerPolicies, ServerTarget, TokenSource } from './pop3-link';

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
  /** The header cache's budget in bytes (DEFAULT_HEADER_CACHE_BYTES unless a test needs a small one). */
  headerCacheBytes?: number;
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
  /** New header summaries (best effort: headers can always be fetched again); left out when nothing reads them back. */
  headersLearned?(token: string, summaries: ReadonlyMap<string, HeaderSummary>): void;
  /** The session's connection is closed for good in this process: the lease can go. */
  connectionClosed(token: string): void;
}

/** What a session restored from the store starts with. */
export interface RestoredState {
  marks?: Iterable<string>;
  /**
   * The marks as the store has them, read once the connection lease is taken (the previous holder has let go,
   * and saved its last mark): read before it, a mark finishing there meanwhile would be missed here.
   */
  loadMarks?: () => Promise<Iterable<string>>;
  summaries?: Iterable<[string, HeaderSummary]>;
}


/**
 * How many of the newest messages a login identifies (and fetches the headers
 * of) before the maildrop's full listing: the inbox's first page (the UI asks
 * for 100) must not wait for LIST and UIDL of ten thousand messages.
 */
export const NEWEST_FIRST = 100;

/**
 * A person's mail session in this process: its parts, and the one FIFO lock
 * every command sequence runs behind. The parts are modules of their own: the
 * link (pop3-link.ts: login, delays, lease, retries), the maildrop snapshot
 * (maildrop-snapshot.ts: ids to this connection's numbers), the header cache
 * (header-cache.ts) and the marks (marks.ts); the last two are plain data the
 * session store keeps (lib/session-store). When the connection has dropped,
 * the next use reconnects, maps ids again with UIDL and re-applies the marks
 * that the server forgot.
 */
export class MailSession {
  readonly token: string;
  readonly target: ServerTarget;
  readonly username: string;
  /** The way to a logged-in connection: login delays, the connection lease, [IN-USE] retries, token refresh, fallbacks. */
  private readonly link: Pop3Link;
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
  /** RestoredState.loadMarks, until the first login has taken the lease. */
  private marksToLoad: (() => Promise<Iterable<string>>) | undefined;
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
    this.username = credentials.username;
    this.deps = deps;
    this.link = new Pop3Link(target, credentials, {
      limits: deps.limits,
      tlsCa: deps.tlsCa,
      onTranscript: (entry) => {
        this.transcript.push(entry);
        deps.onTranscript?.(entry);
      },
      beforeLogin: deps.persistence ? () => deps.persistence!.beforeLogin(token) : undefined,
      assertLive: () => this.assertLive(),
    });
    const persistence = deps.persistence;
    this.pending = new Marks(restored.marks, persistence ? (ids) => persistence.marksChanged(token, ids) : undefined);
    this.marksToLoad = restored.loadMarks;
    const learned = persistence?.headersLearned?.bind(persistence);
    this.summaries = new HeaderCache(restored.summaries, learned && ((fresh) => learned(token, fresh)), deps.headerCacheBytes);
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

  /**
   * For an answer made only of what this process knows already (a page whose
   * headers are cached): the session must be live and counts as used, but
   * nothing waits for the lock, which background work may hold for a round trip.
   */
  useKnown(): void {
    this.assertLive();
    this.lastUsed = Date.now();
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

  /** `runNewest` for work nobody is waiting for (a prefetch): not counted as the person using the session. */
  runNewestBackground<T>(work: (client: Pop3Client) => Promise<T>): Promise<T> {
    return this.runLocked(work, { listed: false, person: false });
  }

  /** The full listing of the current connection is in (false while only the newest messages are known). */
  get listed(): boolean {
    return this.maildrop.pendingListing === undefined;
  }

  /** Resolves when the full listing is in (at once when it is). Callers hold the lock (or check again inside it). */
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
        const entry = await this.maildrop.resolve(id);
        // The server refuses RETR and TOP of a message marked for deletion (-ERR): say why in words.
        if (this.pending.has(entry.id)) throw new AppError('MESSAGE_NOT_FOUND', 'That message is marked for deletion: keep it (undo the mark) to read it.');
        const result = await work(client, entry);
        resolve(result);
        if (result instanceof Readable) await streamDone(result, client);
      }).catch(reject);
    });
  }

  /** A fresh POP3 session, so new mail appears; the marks are re-applied, never committed or lost. */
  async refresh(): Promise<{ deferredSeconds: number }> {
    return this.mutex.run(async () => {
      this.assertLive();
      const wait = await this.link.loginDelayRemainingMs();
      if (wait > 0 && this.connected) return { deferredSeconds: Math.ceil(wait / 1000) };
      this.listingFailure = undefined; // the person asked to start afresh: list again once
      this.client?.close();
      await this.connect();
      return { deferredSeconds: 0 };
    });
  }

  /** DELE for each id, once (all must exist: nothing is sent when one does not). */
  async mark(ids: readonly string[]): Promise<string[]> {
    return this.run(async (client) => {
      const entries = [...new Map(ids.map((id) => this.lookup(id)).map((entry) => [entry.id, entry])).values()];
      const fresh = entries.filter((entry) => !this.pending.has(entry.id));
      const sent = await Promise.allSettled(fresh.map((entry) => client.dele(entry.number)));
      // What the server marked is kept even when another DELE of the batch failed: the marks here are
      // the server's, so what QUIT deletes is what the person sees marked.
      await this.marksInStep(() => this.pending.add(fresh.filter((_, i) => sent[i]!.status === 'fulfilled').map((entry) => entry.id)));
      const failed = sent.find((outcome) => outcome.status === 'rejected');
      if (failed) throw failed.reason;
      return entries.map((entry) => entry.id);
    });
  }

  /** RSET: every mark undone. */
  async reset(): Promise<number> {
    return this.run(async (client) => {
      await client.rset();
      const restored = this.pending.size;
      await this.marksInStep(() => this.pending.clear());
      return restored;
    });
  }

  /**
   * Takes the mark off these messages only. POP3 has only RSET, which undoes every mark: so RSET,
   * then DELE the others again (they keep their numbers within the session). Ids not marked are ignored.
   */
  async unmark(ids: readonly string[]): Promise<string[]> {
    return this.run(async (client) => {
      const restored = [...new Set(ids)].filter((id) => this.pending.has(id));
      if (restored.length === 0) return [];
      await client.rset();
      await this.marksInStep(() => this.pending.remove(restored));
      await this.reapplyMarks(client);
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
      const deleted = await this.quitApplyingMarks({ inStore: true });
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
      // The logout removed the session's record from the store before this: no copy of the marks to keep in step.
      const deleted = await this.quitApplyingMarks({ inStore: false });
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

  /** The delay the server asks for between logins (LOGIN-DELAY), in ms; 0 when it asks for none. */
  get loginDelayMs(): number {
    return (this.policies.loginDelaySeconds ?? 0) * 1000;
  }

  /**
   * Lets go of the POP3 connection of a session nobody is using, without QUIT: the server forgets the
   * marks, the session keeps them, and its next request logs in again and sends them again by UIDL (as
   * after a server's own idle timeout). The session lives on, and keeps its connection lease: another
   * instance that is asked for it still asks this one to let the session go, so there is never a second,
   * stale copy of its marks here. Not while the full listing is still arriving, nor while anything holds
   * or waits for the lock (the lock is free, so it is taken at once: nothing can queue in between).
   */
  async releaseConnection(): Promise<void> {
    // A listing known to fail is never asked for again (loadSnapshot): `listed` stays false for good, yet
    // nothing of it is arriving, and waiting for it would keep the connection until the session expires.
    // The login's batch of the newest headers may still be arriving too (headerWarmup): not then either.
    if (!this.connected || this.busy || !(this.listed || this.listingFailure) || this.headerWarmup) return;
    await this.mutex.run(async () => {
      if (!this.client || this.client.closed || this.ended) return;
      this.client.close();
      this.client = undefined;
    });
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

  /**
   * `inStore: false` when the session's record is gone from the store already (a logout removes it first): then
   * the store is neither asked nor needed.
   */
  private async quitApplyingMarks({ inStore }: { inStore: boolean }): Promise<number> {
    if (this.pending.size > 0 && !this.connected) await this.connect();
    const deleted = this.pending.size;
    const stored = deleted > 0 && inStore;
    if (stored) await this.pending.saveEmpty();
    try {
      if (this.client && !this.client.closed) await this.client.quit();
    } catch (error) {
      // Not applied (or not known to be): the marks are still the session's, and the store has them back.
      if (stored) await this.pending.save().catch((saveError: unknown) => logBackgroundFailure('marks saved again after a failed QUIT', saveError));
      throw error;
    }
    this.client = undefined;
    for (const id of this.pending) this.summaries.delete(id);
    this.pending.forgetApplied();
    return deleted;
  }

  /**
   * A change of the marks that the store could not save: the server was told (DELE, RSET), but the
   * session's marks are still the ones before. The connection is closed without QUIT, so the server
   * forgets what it was told on it; the next request logs in again and sends the session's marks.
   */
  private async marksInStep(change: () => Promise<void>): Promise<void> {
    try {
      await change();
    } catch (error) {
      this.client?.close();
      this.client = undefined;
      throw error;
    }
  }

  /** Logs in (pop3-link.ts), loads the snapshot and re-applies the marks. Callers hold the lock. */
  private async connect(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    this.assertLive(); // closed (logged out, replaced, expired) while something was in flight: never log in again
    const login = await this.link.login();
    const client = login.client;
    try {
      if (this.marksToLoad) {
        this.pending.adopt(await this.marksToLoad());
        this.marksToLoad = undefined;
      }
      this.mechanism = login.mechanism;
      this.capabilities = login.capabilities;
      this.policies = login.policies;
      this.client = client;
      await this.loadSnapshot(client, login.figures);
      if (this.pending.size > 0) {
        await this.whenListed();
        await this.reapplyMarks(client);
      }
    } catch (error) {
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
        : this.loadListing(client, sections);
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
  private async loadListing(client: Pop3Client, headersAsked?: Promise<TopResult[]>): Promise<void> {
    try {
      const list = client.list();
      const uidl = client.uidl().catch((error: unknown) => {
        if (isPop3Error(error) && !error.fatal) return null; // no UIDL: ids come from content
        throw error;
      });
      list.catch(() => undefined);
      const [listing, uids] = await Promise.all([list, uidl]);
      const entries = await this.identify(client, listing, uids, headersAsked);
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
    headersAsked?: Promise<TopResult[]>,
  ): Promise<MaildropEntry[]> {
    const uidByNumber = new Map((uids ?? []).filter((u) => u.valid).map((u) => [u.number, u.uid]));
    const entries = listing.map((entry) => {
      const uid = uidByNumber.get(entry.number);
      return { number: entry.number, size: entry.size, id: uid === undefined ? '' : idFromUid(uid) };
    });
    const anonymous = entries.filter((entry) => entry.id === '');
    if (anonymous.length > 0) {
      // No usable UIDL for these: identify them by content, numbering exact duplicates in maildrop order.
      // The headers are asked once: what the login's flight already fetched is not fetched again, and what
      // is fetched here becomes the header cache, so no page asks the server for them a second time.
      const sections = new Map<number, Buffer>();
      for (const result of (await headersAsked?.catch(() => undefined)) ?? []) if (result.data) sections.set(result.number, result.data);
      const missing = anonymous.filter((entry) => !sections.has(entry.number));
      if (missing.length > 0) for (const [number, data] of await fetchHeaderSections(client, missing)) sections.set(number, data);
      const seen = new Map<string, number>();
      for (const entry of anonymous) {
        const section = sections.get(entry.number);
        const base = contentId(entry.size, section ?? Buffer.alloc(0));
        const occurrence = (seen.get(base) ?? 0) + 1;
        seen.set(base, occurrence);
        entry.id = withOccurrence(base, occurrence);
        if (section && !this.summaries.has(entry.id)) this.summaries.set(entry.id, summaryOrEmpty(section));
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
    await this.marksInStep(() => this.pending.retain((id) => this.maildrop.has(id)));
    const targets = [...this.pending].map((id) => this.maildrop.lookup(id));
    const sent = await Promise.allSettled(targets.map((entry) => client.dele(entry.number)));
    const failed = sent.find((outcome) => outcome.status === 'rejected');
    if (!failed) return;
    // A mark the server refused (-ERR) is not kept: QUIT would not apply it. One lost with the
    // connection is kept, and sent again on the next.
    const refused = targets.filter((_, i) => {
      const outcome = sent[i]!;
      return outcome.status === 'rejected' && isPop3Error(outcome.reason) && !outcome.reason.fatal;
    });
    await this.marksInStep(() => this.pending.remove(refused.map((entry) => entry.id)));
    throw failed.reason;
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

