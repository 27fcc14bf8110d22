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

  async add(ids: Iterable<string>): Promise<void> {
    for (const id of ids) this.ids.add(id);
    await this.save();
  }

  async clear(): Promise<void> {
    this.ids.clear();
    await this.save();
  }

  /** Drops the marks `keep` rejects (messages gone from the server); saved only when something went. */
  async retain(keep: (id: string) => boolean): Promise<void> {
    let changed = false;
    for (const id of [...this.ids]) {
      if (!keep(id)) {
        this.ids.delete(id);
        changed = true;
      }
    }
    if (changed) await this.save();
  }

  private save(): Promise<void> {
    return this.persist([...this.ids]);
  }
}
