import type { HeaderSummary } from '../mail/header-summary';
import { MAX_STORED_HEADERS, type ConnectionLeases, type SessionRecord, type SessionStore } from './session-store';
import { MemoryPendingSignIns } from './memory-pending-sign-ins';

interface Entry {
  record: SessionRecord;
  marks: string[];
  headers: Map<string, HeaderSummary>;
  expiresAt: number;
}

/** One process holds every connection: the lease is always ours. */
const localLeases: ConnectionLeases = {
  instanceId: 'local',
  acquire: async () => undefined,
  release: async () => undefined,
  onDropRequest: () => undefined,
};

/**
 * The default store: this process's memory. Nothing to install; a restart
 * forgets every session, as before. The live MailSession in the pool holds
 * the data that matters while it runs; a session leaves the pool only when it
 * ends, and its record with it. (Header summaries are not copied here: only a
 * shared store is told of them, lib/server/sessions.ts.)
 */
export class MemorySessionStore implements SessionStore {
  readonly shared = false;
  readonly leases = localLeases;
  readonly signIns = new MemoryPendingSignIns();
  private readonly entries = new Map<string, Entry>();

  private live(token: string): Entry | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(token);
      return undefined;
    }
    return entry;
  }

  async save(record: SessionRecord, ttlMs: number): Promise<void> {
    this.sweep();
    this.entries.set(record.token, { record, marks: [], headers: new Map(), expiresAt: Date.now() + ttlMs });
  }

  async load(token: string): Promise<SessionRecord | undefined> {
    return this.live(token)?.record;
  }

  async touch(token: string, ttlMs: number): Promise<void> {
    const entry = this.live(token);
    if (entry) entry.expiresAt = Date.now() + ttlMs;
  }

  async remove(token: string): Promise<void> {
    this.entries.delete(token);
  }

  async updateSecret(token: string, secret: string): Promise<void> {
    const entry = this.live(token);
    if (entry) entry.record = { ...entry.record, secret };
  }

  async getMarks(token: string): Promise<string[]> {
    return [...(this.live(token)?.marks ?? [])];
  }

  async setMarks(token: string, ids: readonly string[]): Promise<void> {
    const entry = this.live(token);
    if (entry) entry.marks = [...ids];
  }

  async getHeaders(token: string): Promise<Map<string, HeaderSummary>> {
    return new Map(this.live(token)?.headers ?? []);
  }

  async putHeaders(token: string, summaries: ReadonlyMap<string, HeaderSummary>): Promise<void> {
    const entry = this.live(token);
    if (!entry) return;
    for (const [id, summary] of summaries) {
      if (entry.headers.size >= MAX_STORED_HEADERS && !entry.headers.has(id)) break;
      entry.headers.set(id, summary);
    }
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  /** Expired entries go when new ones come: memory stays bounded by the live sessions. */
  private sweep(): void {
    const now = Date.now();
    for (const [token, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(token);
  }
}
