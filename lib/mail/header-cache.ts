import type { Pop3Client } from '../pop3';
import { fetchHeaderSections } from './header-fetch';
import { capSummary, summaryOrEmpty, type HeaderSummary } from './header-summary';

/**
 * Bytes of summaries one session keeps (as summaryCost estimates them, a
 * little above the heap they take). Capped summaries (SUMMARY_CAPS) of
 * ordinary mail cost ~0.7 KB each, so this holds every header of a maildrop
 * of ~90,000 messages; the audit's hostile maildrop (4,000 subjects of
 * 200 KiB, long names, 200 recipients) costs ~5 KB a message (17 MB of heap in
 * all), one with every field at its cap ~25 KB. Beyond the budget the least
 * recently used go first (a page fetches them again).
 */
export const DEFAULT_HEADER_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Header summaries by stable id: paging back and forth costs no round trip,
 * even across reconnects and instances. The one owner of the cache: the
 * login's warm-up, a page, the prefetch and the background fill all fill it
 * through `ensure` or `set`. What is learned is handed to `learned` (a
 * shared session store) in batches, once per turn of the event loop.
 * Bounded in bytes (`maxBytes`, as estimated by `summaryCost`): least recently used first out.
 */
export class HeaderCache implements Iterable<[string, HeaderSummary]> {
  /** Insertion order is recency: `get` and `set` move an id to the end. */
  private readonly summaries = new Map<string, HeaderSummary>();
  private readonly costs = new Map<string, number>();
  private totalBytes = 0;
  private fresh: Map<string, HeaderSummary> | undefined;

  constructor(
    initial: Iterable<[string, HeaderSummary]> = [],
    private readonly learned?: (summaries: ReadonlyMap<string, HeaderSummary>) => void,
    private readonly maxBytes = DEFAULT_HEADER_CACHE_BYTES,
  ) {
    // Restored from a store another version may have filled: capped like any new one.
    for (const [id, summary] of initial) this.keep(id, capSummary(summary));
  }

  get size(): number {
    return this.summaries.size;
  }

  /** What the kept summaries are estimated to cost (summaryCost), never above the budget. */
  get bytes(): number {
    return this.totalBytes;
  }

  [Symbol.iterator](): Iterator<[string, HeaderSummary]> {
    return this.summaries[Symbol.iterator]();
  }

  get(id: string): HeaderSummary | undefined {
    const summary = this.summaries.get(id);
    if (summary !== undefined) {
      this.summaries.delete(id);
      this.summaries.set(id, summary);
    }
    return summary;
  }

  has(id: string): boolean {
    return this.summaries.has(id);
  }

  set(id: string, summary: HeaderSummary): void {
    const capped = capSummary(summary);
    this.keep(id, capped);
    if (!this.learned) return;
    if (!this.fresh) {
      this.fresh = new Map();
      setImmediate(() => this.flush());
    }
    this.fresh.set(id, capped);
  }

  delete(id: string): void {
    this.forget(id);
    this.fresh?.delete(id);
  }

  /**
   * Fills the cache for entries that are not in it yet: pipelined batches of `TOP n 0`, each holding at most
   * `limits.maxHeaderBatchBytes` of sections (counted as LIST sizes up to maxHeaderBytes) before they are summarized.
   */
  async ensure(client: Pop3Client, entries: readonly { id: string; number: number; size?: number }[]): Promise<void> {
    // The ones kept are wanted now: used most recently, so that fetching the rest drops others first.
    const missing = entries.filter((entry) => this.get(entry.id) === undefined);
    const { maxHeaderBytes, maxHeaderBatchBytes } = client.limits;
    const held = (entry: { size?: number }) => Math.min(entry.size ?? maxHeaderBytes, maxHeaderBytes);
    for (let start = 0; start < missing.length; ) {
      // At least one entry a batch, however large.
      let end = start + 1;
      let bytes = held(missing[start]!);
      while (end < missing.length && bytes + held(missing[end]!) <= maxHeaderBatchBytes) bytes += held(missing[end++]!);
      const batch = missing.slice(start, end);
      const sections = await fetchHeaderSections(client, batch);
      for (const entry of batch) this.set(entry.id, summaryOrEmpty(sections.get(entry.number)));
      start = end;
    }
  }

  private keep(id: string, summary: HeaderSummary): void {
    this.forget(id);
    const cost = summaryCost(id, summary);
    this.summaries.set(id, summary);
    this.costs.set(id, cost);
    this.totalBytes += cost;
    while (this.totalBytes > this.maxBytes) {
      const oldest = this.summaries.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  private forget(id: string): void {
    const cost = this.costs.get(id);
    if (cost === undefined) return;
    this.summaries.delete(id);
    this.costs.delete(id);
    this.totalBytes -= cost;
  }

  private flush(): void {
    const fresh = this.fresh;
    this.fresh = undefined;
    if (fresh && fresh.size > 0) this.learned?.(fresh);
  }
}

/** V8's object and map-entry overhead, roughly: the summary, its entry, the id's string header. */
const SUMMARY_OVERHEAD = 200;
const ADDRESS_OVERHEAD = 80;
const STRING_OVERHEAD = 16;

/**
 * A summary's cost in bytes, estimated as V8 stores it: a string of latin1
 * characters one byte each, any other two. Close enough to bound a session;
 * not an exact heap figure.
 */
export function summaryCost(id: string, summary: HeaderSummary): number {
  let cost = SUMMARY_OVERHEAD + stringCost(id) + stringCost(summary.subject) + stringCost(summary.contentType);
  if (summary.date !== null) cost += stringCost(summary.date);
  if (summary.messageId !== null) cost += stringCost(summary.messageId);
  if (summary.from !== null) cost += addressCost(summary.from);
  for (const address of summary.to) cost += addressCost(address);
  for (const address of summary.cc) cost += addressCost(address);
  return cost;
}

function addressCost(address: { name: string; address: string }): number {
  return ADDRESS_OVERHEAD + stringCost(address.name) + stringCost(address.address);
}

const WIDE = /[^\x00-\xff]/;

function stringCost(value: string): number {
  return STRING_OVERHEAD + (WIDE.test(value) ? 2 : 1) * value.length;
}
