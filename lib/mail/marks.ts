/**
 * The ids a person marked for deletion and has not yet applied or undone:
 * plain data, by stable id (UIDL), so the marks outlive the connection, the
 * process and the instance that took them. Every change is handed to
 * `persist` (the session store) before it counts as done.
 */
export class Marks implements Iterable<string> {
  private readonly ids: Set<string>;

  constructor(
    initial: Iterable<string> = [],
    private readonly persist: (ids: readonly string[]) => Promise<void> = async () => undefined,
  ) {
    this.ids = new Set(initial);
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.ids[Symbol.iterator]();
  }

  /** Each change is saved first and counts here only once saved: a store that cannot be reached changes nothing. */
  async add(ids: Iterable<string>): Promise<void> {
    await this.change(new Set([...this.ids, ...ids]));
  }

  async remove(ids: Iterable<string>): Promise<void> {
    const gone = new Set(ids);
    await this.change(new Set([...this.ids].filter((id) => !gone.has(id))));
  }

  async clear(): Promise<void> {
    await this.change(new Set());
  }

  /** The marks as the store holds them (a restore, once it holds the connection lease): taken as they are, not saved. */
  adopt(ids: Iterable<string>): void {
    this.ids.clear();
    for (const id of ids) this.ids.add(id);
  }

  /** After a QUIT applied them: cleared here (the store's copy was emptied before the QUIT, `saveEmpty`). */
  forgetApplied(): void {
    this.ids.clear();
  }

  /** Drops the marks `keep` rejects (messages gone from the server); saved only when something went. */
  async retain(keep: (id: string) => boolean): Promise<void> {
    const kept = new Set([...this.ids].filter(keep));
    if (kept.size !== this.ids.size) await this.change(kept);
  }

  /** Saves the marks as they are (again: after a QUIT that failed, whose `saveEmpty` came first). */
  save(): Promise<void> {
    return this.persist([...this.ids]);
  }

  /**
   * Empties the store's copy and keeps the marks here: just before a QUIT applies them. A store that cannot be
   * reached stops the QUIT, with nothing changed; and no copy outlives the deletion, naming messages that are
   * gone (without UIDL a surviving duplicate could inherit a deleted message's id).
   */
  saveEmpty(): Promise<void> {
    return this.persist([]);
  }

  private async change(next: Set<string>): Promise<void> {
    await this.persist([...next]);
    this.adopt(next);
  }
}
