import type { Readable } from 'node:stream';
import { AppError } from '../errors';
import {
  connectPop3,
  isPop3Error,
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
import { summaryOrEmpty, type HeaderSummary } from './header-summary';
import { contentId, idFromUid, withOccurrence } from './ids';
import { Mutex } from './mutex';

export interface ServerTarget {
  host: string;
  port: number;
  security: Security;
  /** The checked address to connect to (no second DNS lookup). */
  address: string;
}

export interface Credentials {
  username: string;
  password: string;
  mechanism: AuthChoice;
  allowInsecure: boolean;
}

export interface SessionDeps {
  limits?: Partial<Pop3Limits>;
  tlsCa?: string;
  onTranscript?: (entry: TranscriptEntry) => void;
}

/** One message of the current POP3 snapshot. Numbers are per connection; ids are forever. */
export interface MaildropEntry {
  number: number;
  size: number;
  id: string;
}

/** Login delays per account, shared by every session: never hammer a server with re-logins. */
const lastLogins = new Map<string, { at: number; delaySeconds: number }>();
const MAX_LOGIN_RECORDS = 20_000;

function recordLogin(key: string, delaySeconds: number): void {
  lastLogins.delete(key);
  lastLogins.set(key, { at: Date.now(), delaySeconds });
  // Bounded: the oldest records go first (insertion order); a forgotten delay only means one early login.
  while (lastLogins.size > MAX_LOGIN_RECORDS) {
    const oldest = lastLogins.keys().next().value;
    if (oldest === undefined) break;
    lastLogins.delete(oldest);
  }
}

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
  private entries: MaildropEntry[] = [];
  private byId = new Map<string, MaildropEntry>();
  /**
   * While the full LIST/UIDL is still arriving (after a STAT-first login):
   * the newest messages, newest first, and the STAT figures. `run` waits for
   * the listing; only `runNewest` works with this partial view.
   */
  private newest: MaildropEntry[] | undefined;
  private stat = { count: 0, size: 0 };
  private listing: Promise<void> | undefined;
  /** The login's `TOP n 0` batch for the newest messages, until its summaries are in the cache. */
  headerWarmup: Promise<void> | undefined;
  /** The full listing failed in a way a reconnect would only repeat (too large, malformed). */
  private listingFailure: Pop3Error | undefined;
  /** Ids the person marked for deletion and has not yet applied or undone. */
  readonly pending = new Set<string>();
  /** Header summaries by id: paging back and forth costs no round trip, even across reconnects. */
  readonly summaries = new Map<string, HeaderSummary>();
  capabilities: string[] = [];
  mechanism: AuthMechanism | undefined;
  lastUsed = Date.now();
  lastActivity = Date.now();
  /** Logged out, expired or replaced: the session must never reconnect again. */
  ended = false;

  private constructor(token: string, target: ServerTarget, credentials: Credentials, deps: SessionDeps) {
    this.token = token;
    this.target = target;
    this.credentials = credentials;
    this.username = credentials.username;
    this.deps = deps;
  }

  private assertLive(): void {
    if (this.ended) throw new AppError('NO_SESSION', 'Your session has ended. Please log in again.');
  }

  /** Logs in and loads the snapshot; throws (typed) when the server refuses. */
  static async open(token: string, target: ServerTarget, credentials: Credentials, deps: SessionDeps): Promise<MailSession> {
    const session = new MailSession(token, target, credentials, deps);
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
    return this.newest ? this.stat.count : this.entries.length;
  }

  get size(): number {
    return this.newest ? this.stat.size : this.entries.reduce((sum, entry) => sum + entry.size, 0);
  }

  /** The snapshot, oldest first (POP3 order). Complete inside `run`; empty in `runNewest` until the listing is in. */
  get snapshot(): readonly MaildropEntry[] {
    return this.entries;
  }

  /** Every entry known so far: the snapshot, or only the newest messages while the listing is still arriving. */
  get known(): readonly MaildropEntry[] {
    return this.newest ?? this.entries;
  }

  /**
   * The newest messages from `offset` on, newest first, when they are known
   * already: always once the listing is in, and from the login's own view of
   * the newest messages before that. Undefined when the listing is needed.
   */
  newestEntries(offset: number, limit: number): MaildropEntry[] | undefined {
    if (this.newest) return offset + limit <= this.newest.length ? this.newest.slice(offset, offset + limit) : undefined;
    const end = Math.max(0, this.entries.length - offset);
    return this.entries.slice(Math.max(0, end - limit), end).reverse();
  }

  lookup(id: string): MaildropEntry {
    const entry = this.byId.get(id);
    if (!entry) throw new AppError('MESSAGE_NOT_FOUND', 'That message is not in this mailbox (it may have been deleted).');
    return entry;
  }

  /** `lookup`, waiting for the full listing when the id is not among the newest messages known so far. */
  async find(id: string): Promise<MaildropEntry> {
    return this.byId.get(id) ?? this.run(async () => this.lookup(id));
  }

  /** Inside `runNewest`: the entry on this connection, waiting for the full listing only when it is needed. */
  async entryFor(id: string): Promise<MaildropEntry> {
    const known = this.byId.get(id);
    if (known) return known;
    await this.whenListed();
    return this.lookup(id);
  }

  /** The entry with this id in the current snapshot, if any (no waiting, no error). */
  entryNow(id: string): MaildropEntry | undefined {
    return this.byId.get(id);
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
    if (this.listing) await this.listing;
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
   * Like `runNewest` (the work finds its message with `entryFor`), for work that hands back a stream: the lock is held until the
   * stream has finished, since the connection is busy until then. A stream
   * abandoned early closes the connection (the next use reconnects) rather
   * than downloading the rest of a large body for nothing.
   */
  runStream(work: (client: Pop3Client) => Promise<Readable>): Promise<Readable> {
    return new Promise<Readable>((resolve, reject) => {
      this.runNewest(async (client) => {
        const stream = await work(client);
        resolve(stream);
        await new Promise<void>((done) => {
          let ended = false;
          stream.once('end', () => (ended = true));
          stream.once('close', () => {
            if (!ended) client.close();
            done();
          });
        });
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
      for (const entry of fresh) this.pending.add(entry.id);
      return entries.map((entry) => entry.id);
    });
  }

  /** RSET: every mark undone. */
  async reset(): Promise<number> {
    return this.run(async (client) => {
      await client.rset();
      const restored = this.pending.size;
      this.pending.clear();
      return restored;
    });
  }

  /** QUIT applies the marks; then log in again for a fresh snapshot. */
  async commit(): Promise<{ deleted: number; count: number; size: number }> {
    return this.mutex.run(async () => {
      this.assertLive();
      const deleted = await this.quitApplyingMarks();
      await this.connect();
      return { deleted, count: this.count, size: this.size };
    });
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
    this.pending.clear();
    return deleted;
  }

  private accountKey(): string {
    return `${this.target.host.toLowerCase()}:${this.target.port}:${this.username}`;
  }

  private loginDelayRemainingMs(): number {
    const last = lastLogins.get(this.accountKey());
    if (!last || last.delaySeconds <= 0) return 0;
    return last.at + last.delaySeconds * 1000 - Date.now();
  }

  /** Connects, logs in, loads the snapshot and re-applies the marks. Callers hold the lock. */
  private async connect(): Promise<void> {
    this.client?.close();
    this.client = undefined;
    this.assertLive(); // closed (logged out, replaced, expired) while something was in flight: never log in again
    const wait = this.loginDelayRemainingMs();
    if (wait > MAX_LOGIN_DELAY_WAIT_MS) {
      throw new AppError('LOGIN_DELAY', 'The mail server asks to wait before logging in again.', { retryAfter: Math.ceil(wait / 1000) });
    }
    if (wait > 0) await sleep(wait);

    for (let attempt = 1; ; attempt++) {
      try {
        await this.connectOnce();
        return;
      } catch (error) {
        // Our own previous connection may still hold the maildrop lock for a moment.
        if (isPop3Error(error) && error.code === 'IN_USE' && attempt < IN_USE_RETRIES) {
          await sleep(IN_USE_BACKOFF_MS * attempt);
          continue;
        }
        if (isPop3Error(error) && error.code === 'LOGIN_DELAY') {
          const delay = lastLogins.get(this.accountKey())?.delaySeconds || 60;
          throw new AppError('LOGIN_DELAY', 'The mail server asks to wait before logging in again.', { retryAfter: delay, cause: error });
        }
        throw error;
      }
    }
  }

  private async connectOnce(): Promise<void> {
    const client = await connectPop3({
      host: this.target.host,
      port: this.target.port,
      security: this.target.security,
      address: this.target.address,
      trust: this.deps.tlsCa ? { ca: this.deps.tlsCa } : undefined,
      limits: this.deps.limits,
      onTranscript: this.deps.onTranscript,
    });
    try {
      // The login, CAPA and STAT are queued at once: with PIPELINING, one round trip for all of it.
      const login = client.login({
        username: this.credentials.username,
        password: this.credentials.password,
        mechanism: this.credentials.mechanism,
        allowInsecure: this.credentials.allowInsecure,
      });
      const capa = client.capa();
      const stat = client.stat();
      capa.catch(() => undefined);
      stat.catch(() => undefined);
      try {
        this.mechanism = await login;
      } finally {
        recordLogin(this.accountKey(), lastLogins.get(this.accountKey())?.delaySeconds ?? 0);
      }
      const [caps, figures] = await Promise.all([capa, stat]);
      this.capabilities = caps.names;
      recordLogin(this.accountKey(), caps.loginDelaySeconds ?? 0);
      this.assertLive(); // closed during the login
      this.client = client;
      await this.loadSnapshot(client, figures);
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
    this.entries = [];
    this.byId = new Map();
    this.newest = undefined;
    this.listing = undefined;
    this.stat = figures;
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
    this.listing = listing;
    const newestKnown = uids && sizes ? Promise.all([uids, sizes]).then(([u, l]) => identifyNewest(numbers, u, l)) : Promise.resolve(undefined);
    this.headerWarmup = sections ? this.warmHeaders(client, sections, newestKnown) : undefined;

    const newest = await newestKnown;
    if (newest && this.listing === listing) {
      this.newest = newest;
      this.byId = new Map(newest.map((entry) => [entry.id, entry]));
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
      // Ids already shown from the newest-first view stay valid on this connection. They can only differ
      // where the server repeats a UID outside the newest messages (the full UIDL then distrusts both).
      for (const shown of this.newest ?? []) {
        const entry = entries[shown.number - 1];
        if (entry && entry.number === shown.number && entry.id !== shown.id) entry.id = shown.id;
      }
      this.entries = entries;
      this.byId = new Map(entries.map((entry) => [entry.id, entry]));
      this.newest = undefined;
      this.listing = undefined;
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
      const byNumber = new Map((newest ?? this.entries).map((entry) => [entry.number, entry.id]));
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
    const targets: MaildropEntry[] = [];
    for (const id of [...this.pending]) {
      const entry = this.byId.get(id);
      if (entry) targets.push(entry);
      else this.pending.delete(id); // gone from the server meanwhile: nothing left to delete
    }
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
