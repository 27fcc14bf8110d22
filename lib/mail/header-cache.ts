import type { Pop3Client } from '../pop3';
import { fetchHeaderSections } from './header-fetch';
import { summaryOrEmpty, type HeaderSummary } from './header-summary';

/**
 * Header summaries by stable id: paging back and forth costs no round trip,
 * even across reconnects and instances. The one owner of the cache: the
 * login's warm-up, a page, the prefetch and the background fill all fill it
 * through `ensure` or `set`. What is learned is handed to `learned` (a
 * shared session store) in batches, once per turn of the event loop.
 */
export class HeaderCache implements Iterable<[string, HeaderSummary]> {
  private readonly summaries: Map<string, HeaderSummary>;
  private fresh: Map<string, HeaderSummary> | undefined;

  constructor(
    initial: Iterable<[string, HeaderSummary]> = [],
    private readonly learned?: (summaries: ReadonlyMap<string, HeaderSummary>) => void,
  ) {
    this.summaries = new Map(initial);
  }

  get size(): number {
    return this.summaries.size;
  }

  [Symbol.iterator](): Iterator<[string, HeaderSummary]> {
    return this.summaries[Symbol.iterator]();
  }

  get(id: string): HeaderSummary | undefined {
    return this.summaries.get(id);
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  set(id: string, summary: HeaderSummary): void {
    this.summaries.set(id, summary);
    if (!this.learned) return;
    if (!this.fresh) {
      this.fresh = new Map();
      setImmediate(() => this.flush());
    }
    this.fresh.set(id, summary);
  }

  delete(id: string): void {
    this.summaries.delete(id);
    this.fresh?.delete(id);
  }

  /** Fills the cache for entries that are not in it yet: one pipelined batch of `TOP n 0`. */
  async ensure(client: Pop3Client, entries: readonly { id: string; number: number }[]): Promise<void> {
    const missing = entries.filter((entry) => !this.summaries.has(entry.id));
    if (missing.length === 0) return;
    const sections = await fetchHeaderSections(client, missing);
    for (const entry of missing) this.set(entry.id, summaryOrEmpty(sections.get(entry.number)));
  }

  private flush(): void {
    const fresh = this.fresh;
    this.fresh = undefined;
    if (fresh && fresh.size > 0) this.learned?.(fresh);
  }
}
