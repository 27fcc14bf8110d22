import type { Readable } from 'node:stream';
import { AppError } from '../http/app-error';
import {
  connectPop3,
  isPop3Error,
  type AuthChoice,
  type AuthMechanism,
  type Pop3Client,
  type Pop3Limits,
  type Security,
  type TranscriptEntry,
} from '../pop3';
import { fetchHeaderSections } from './header-fetch';
import { contentId, idFromUid, withOccurrence } from './ids';
import { Mutex } from './mutex';
import type { HeaderSummary } from './header-summary';

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

  get connected(): boolean {
    return this.client !== undefined && !this.client.closed;
  }

  get count(): number {
    return this.entries.length;
  }

  get size(): number {
    return this.entries.reduce((sum, entry) => sum + entry.size, 0);
  }

  /** The snapshot, oldest first (POP3 order). */
  get snapshot(): readonly MaildropEntry[] {
    return this.entries;
  }

  lookup(id: string): MaildropEntry {
    const entry = this.byId.get(id);
    if (!entry) throw new AppError('MESSAGE_NOT_FOUND', 'That message is not in this mailbox (it may have been deleted).');
    return entry;
  }

  /** Runs one command sequence with a live connection. A connection found dead mid-way is re-opened once. */
  run<T>(work: (client: Pop3Client) => Promise<T>): Promise<T> {
    this.lastUsed = Date.now();
    return this.mutex.run(async () => {
      this.assertLive();
      this.lastActivity = Date.now();
      const client = await this.ensureClient();
      try {
        return await work(client);
      } catch (error) {
        if (!(isPop3Error(error) && error.code === 'CLOSED' && client.closed)) throw error;
        // The server dropped us (idle timeout, restart): reconnect and try once more.
        await this.connect();
        return await work(this.client!);
      } finally {
        this.lastActivity = Date.now();
      }
    });
  }

  /**
   * Like `run`, for work that hands back a stream: the lock is held until the
   * stream has finished, since the connection is busy until then. A stream
   * abandoned early closes the connection (the next use reconnects) rather
   * than downloading the rest of a large body for nothing.
   */
  runStream(work: (client: Pop3Client) => Promise<Readable>): Promise<Readable> {
    return new Promise<Readable>((resolve, reject) => {
      this.run(async (client) => {
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
      // Everything after the login is queued at once: with PIPELINING, one round trip for all of it.
      const login = client.login({
        username: this.credentials.username,
        password: this.credentials.password,
        mechanism: this.credentials.mechanism,
        allowInsecure: this.credentials.allowInsecure,
      });
      const capa = client.capa();
      const list = client.list();
      const uidl = client.uidl().catch((error: unknown) => {
        if (isPop3Error(error) && !error.fatal) return null; // no UIDL: ids come from content
        throw error;
      });
      capa.catch(() => undefined);
      list.catch(() => undefined);
      uidl.catch(() => undefined);
      try {
        this.mechanism = await login;
      } finally {
        recordLogin(this.accountKey(), lastLogins.get(this.accountKey())?.delaySeconds ?? 0);
      }
      const [caps, listing, uids] = await Promise.all([capa, list, uidl]);
      this.capabilities = caps.names;
      recordLogin(this.accountKey(), caps.loginDelaySeconds ?? 0);
      this.client = client;
      await this.loadSnapshot(client, listing, uids);
      await this.reapplyMarks(client);
    } catch (error) {
      client.close();
      this.client = undefined;
      throw error;
    }
  }

  private async loadSnapshot(
    client: Pop3Client,
    listing: { number: number; size: number }[],
    uids: { number: number; uid: string; valid: boolean }[] | null,
  ): Promise<void> {
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
    this.entries = entries;
    this.byId = new Map(entries.map((entry) => [entry.id, entry]));
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
