/**
 * Sliding-window counters kept in memory, bounded in keys. Used to throttle
 * logins per client address and per target account, so the app cannot be used
 * to guess passwords against someone's mail server.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  /** Attempts reserved and not yet settled, by key: they count against the limit while in flight. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxKeys = 50_000,
  ) {}

  /** Seconds to wait before `key` may try again, or 0 when it may go now. */
  retryAfter(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    const pending = this.inFlight.get(key) ?? 0;
    if (recent.length + pending < this.max) return 0;
    // The hit whose expiry frees a place; none when attempts still in flight fill the quota (they settle within a login's time).
    const freeing = recent[recent.length + pending - this.max];
    if (freeing === undefined) return 1;
    return Math.max(1, Math.ceil((freeing + this.windowMs - now) / 1000));
  }

  record(key: string, now = Date.now()): void {
    const recent = this.recent(key, now);
    recent.push(now);
    this.hits.delete(key);
    this.hits.set(key, recent);
    while (this.hits.size > this.maxKeys) {
      const oldest = this.hits.keys().next().value;
      if (oldest === undefined) break;
      this.hits.delete(oldest);
    }
  }

  clear(key: string): void {
    this.hits.delete(key);
  }

  /**
   * Takes one place under the limit for an attempt whose outcome is not known
   * yet, in the same synchronous step as the check, so parallel attempts
   * cannot all pass one check before any of them is counted. Returns the
   * seconds to wait instead when there is no place.
   */
  reserve(key: string, now = Date.now()): Reservation | { retryAfter: number } {
    const wait = this.retryAfter(key, now);
    if (wait > 0) return { retryAfter: wait };
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left > 0) this.inFlight.set(key, left);
      else this.inFlight.delete(key);
      outcome();
    };
    return {
      fail: (at = Date.now()) => settle(() => this.record(key, at)),
      succeed: () => settle(() => this.clear(key)),
      release: () => settle(() => undefined),
    };
  }

  private recent(key: string, now: number): number[] {
    const list = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.hits.delete(key);
    return list;
  }
}

/**
 * A limit per client address and one for everyone together, in one window:
 * each attempt counts against both, so a flood from ever new addresses meets
 * the second (the DNS look-ups of discovery, the records an OAuth start adds).
 */
export class ClientAndProcessLimit {
  private readonly clients: RateLimiter;
  private readonly all: RateLimiter;

  constructor(perClient: number, perProcess: number, windowMs: number) {
    this.clients = new RateLimiter(perClient, windowMs);
    this.all = new RateLimiter(perProcess, windowMs);
  }

  /** Seconds `client` must wait, or 0. */
  retryAfter(client: string, now = Date.now()): number {
    return Math.max(this.clients.retryAfter(client, now), this.all.retryAfter(EVERYONE, now));
  }

  record(client: string, now = Date.now()): void {
    this.clients.record(client, now);
    this.all.record(EVERYONE, now);
  }

  /** 0 when `client` may go now (counted), else the seconds to wait. */
  take(client: string, now = Date.now()): number {
    const wait = this.retryAfter(client, now);
    if (wait === 0) this.record(client, now);
    return wait;
  }
}

const EVERYONE = 'all';

/** One reserved attempt; the first of its three outcomes counts, later calls do nothing. */
export interface Reservation {
  /** It failed in a way that counts (a wrong password): recorded in the window. */
  fail(at?: number): void;
  /** It succeeded: the key's failures are forgiven. */
  succeed(): void;
  /** It ended without saying anything about the guess (unreachable server, busy): not counted. */
  release(): void;
}

export function isReservation(value: Reservation | { retryAfter: number }): value is Reservation {
  return 'fail' in value;
}
