import type Redis from 'ioredis';
import type { Rule } from '../contract/rules';
import type { AccountData } from './account-data';
import { DEFAULT_MEMORY_BOUNDS, type MemoryBounds } from './memory-account-data';

/** An account nobody has logged in to for this long is forgotten (read state and rules). */
export const ACCOUNT_TTL_MS = 180 * 24 * 60 * 60_000;

const key = {
  seen: (account: string) => `postern:a:${account}:seen`,
  rules: (account: string) => `postern:a:${account}:rules`,
};

/**
 * Per-account data in Redis (POSTERN_SESSION_STORE), shared by every
 * instance and kept across restarts. Read ids are a sorted set scored by when
 * they were marked, trimmed to the newest `maxSeenPerAccount`; the rules one
 * JSON value. Both expire ACCOUNT_TTL_MS after the last write.
 */
export class RedisAccountData implements AccountData {
  constructor(
    private readonly redis: Redis,
    private readonly bounds: Pick<MemoryBounds, 'maxSeenPerAccount'> = DEFAULT_MEMORY_BOUNDS,
  ) {}

  async getSeen(account: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const scores = await this.redis.zmscore(key.seen(account), ...ids);
    return new Set(ids.filter((_, i) => scores[i] !== null));
  }

  async setSeen(account: string, ids: readonly string[], seen: boolean): Promise<void> {
    if (ids.length === 0) return;
    const seenKey = key.seen(account);
    const multi = this.redis.multi();
    if (seen) {
      const now = Date.now();
      multi.zadd(seenKey, ...ids.flatMap((id) => [now, id]));
      // Only the most recently marked stay: the oldest ranks go.
      multi.zremrangebyrank(seenKey, 0, -(this.bounds.maxSeenPerAccount + 1));
    } else {
      multi.zrem(seenKey, ...ids);
    }
    multi.pexpire(seenKey, ACCOUNT_TTL_MS);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async getRules(account: string): Promise<Rule[]> {
    const raw = await this.redis.get(key.rules(account));
    return raw ? (JSON.parse(raw) as Rule[]) : [];
  }

  async setRules(account: string, rules: Rule[]): Promise<void> {
    await this.redis.set(key.rules(account), JSON.stringify(rules), 'PX', ACCOUNT_TTL_MS);
  }
}
