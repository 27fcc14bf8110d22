import { RateLimiter, type Reservation } from './rate-limit';

/**
 * Login attempts counted where every instance sees them. In one process that is memory (RateLimiter);
 * with a shared session store it is Redis (redis-attempt-limiter.ts), so a second instance, or a second
 * worker process, is not a second set of tries.
 */
export interface AttemptLimiter {
  /** A place for an attempt whose outcome is not known yet, or the seconds to wait instead. */
  reserve(key: string): Promise<Reservation | { retryAfter: number }>;
}

/** An AttemptLimiter in this process's memory. */
export class LocalAttemptLimiter implements AttemptLimiter {
  private readonly limiter: RateLimiter;

  constructor(max: number, windowMs: number) {
    this.limiter = new RateLimiter(max, windowMs);
  }

  async reserve(key: string): Promise<Reservation | { retryAfter: number }> {
    return this.limiter.reserve(key);
  }
}

/**
 * Without a shared store, each of `workers` worker processes counts for itself, and connections are spread
 * over them: each is given its share of the limit, so that together they allow about the limit, not
 * `workers` times it (docs/scaling.md).
 */
export function perWorkerShare(max: number, workers: number): number {
  return Math.max(1, Math.floor(max / Math.max(1, workers)));
}
