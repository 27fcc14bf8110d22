import { AppError } from '../errors';

/** One message of the current POP3 snapshot. Numbers are per connection; ids are forever. */
export interface MaildropEntry {
  number: number;
  size: number;
  id: string;
}

/**
 * What one POP3 connection sees of the maildrop: stable ids mapped to this
 * connection's message numbers. Right after a STAT-first login only the
 * newest messages may be known (`showNewest`), while the full LIST/UIDL is
 * still arriving (`listing`); `complete` then puts the whole listing in.
 * `resolve(id)` is the one way from an id to this connection's entry.
 */
export class MaildropSnapshot {
  private entries: MaildropEntry[] = [];
  /** The entries' total size, kept with them: every page reports it, and a maildrop can hold 100,000 entries. */
  private entriesSize = 0;
  private byId = new Map<string, MaildropEntry>();
  /** The newest messages, newest first, while the full listing is still arriving. */
  private newest: MaildropEntry[] | undefined;
  private stat = { count: 0, size: 0 };
  private listing: Promise<void> | undefined;

  /** A new connection: nothing known but STAT's figures; `listing` resolves once `complete` was called. */
  begin(stat: { count: number; size: number }, listing: Promise<void>): void {
    this.entries = [];
    this.entriesSize = 0;
    this.byId = new Map();
    this.newest = undefined;
    this.stat = stat;
    this.listing = listing;
  }

  /** The listing being loaded for the current connection (to tell a stale one apart). */
  get pendingListing(): Promise<void> | undefined {
    return this.listing;
  }

  /** The newest messages (newest first) known before the listing. */
  showNewest(newest: MaildropEntry[]): void {
    this.newest = newest;
    this.byId = new Map(newest.map((entry) => [entry.id, entry]));
  }

  /**
   * The full listing. Ids already shown from the newest-first view stay valid on this connection: they can only
   * differ where the server repeats a UID outside the newest messages (the full UIDL then distrusts both).
   */
  complete(entries: MaildropEntry[]): void {
    for (const shown of this.newest ?? []) {
      const entry = entries[shown.number - 1];
      if (entry && entry.number === shown.number && entry.id !== shown.id) entry.id = shown.id;
    }
    this.entries = entries;
    this.entriesSize = sizeOf(entries);
    this.byId = new Map(entries.map((entry) => [entry.id, entry]));
    this.newest = undefined;
    this.listing = undefined;
  }

  get count(): number {
    return this.newest ? this.stat.count : this.entries.length;
  }

  get size(): number {
    return this.newest ? this.stat.size : this.entriesSize;
  }

  /** The snapshot, oldest first (POP3 order); empty until the listing is in. */
  get all(): readonly MaildropEntry[] {
    return this.entries;
  }

  /** Every entry known so far: the snapshot, or only the newest messages while the listing is still arriving. */
  get known(): readonly MaildropEntry[] {
    return this.newest ?? this.entries;
  }

  /** The newest-first view (undefined once the listing is in). */
  get newestKnown(): readonly MaildropEntry[] | undefined {
    return this.newest;
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

  /** Resolves when the full listing is in (at once when it is). */
  async whenListed(): Promise<void> {
    if (this.listing) await this.listing;
  }

  /** The entry with this id, if known now (no waiting, no error). */
  now(id: string): MaildropEntry | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The entry with this id among those known now; MESSAGE_NOT_FOUND otherwise. */
  lookup(id: string): MaildropEntry {
    const entry = this.byId.get(id);
    if (!entry) throw new AppError('MESSAGE_NOT_FOUND', 'That message is not in this mailbox (it may have been deleted).');
    return entry;
  }

  /** The entry with this id, waiting for the full listing only when the id is not among the messages known so far. */
  async resolve(id: string): Promise<MaildropEntry> {
    const known = this.byId.get(id);
    if (known) return known;
    await this.whenListed();
    return this.lookup(id);
  }

  /** Without the messages QUIT deleted, until a new login lists the maildrop again. */
  forget(ids: ReadonlySet<string>): void {
    if (ids.size === 0) return;
    const keep = (entry: MaildropEntry) => !ids.has(entry.id);
    const removed = (this.newest ?? this.entries).filter((entry) => !keep(entry));
    this.entries = this.entries.filter(keep);
    this.entriesSize = sizeOf(this.entries);
    if (this.newest) {
      this.newest = this.newest.filter(keep);
      this.stat = { count: this.stat.count - removed.length, size: this.stat.size - sizeOf(removed) };
    }
    for (const id of ids) this.byId.delete(id);
  }
}

function sizeOf(entries: readonly MaildropEntry[]): number {
  return entries.reduce((sum, entry) => sum + entry.size, 0);
}
