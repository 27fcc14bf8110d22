import { createHash, randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { Reservation } from './rate-limit';
import type { AttemptLimiter } from './attempt-limiter';

/**
 * The sliding window of failures is a sorted set (score: Redis's own clock, so instances' clocks do not
 * matter), the attempts in flight a counter beside it; the check and the reservation are one script, so
 * parallel attempts on any instances cannot all pass one check.
 * Returns {1} when reserved, {0, seconds} to wait.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local recent = redis.call('ZCARD', KEYS[1])
local pending = tonumber(redis.call('GET', KEYS[2]) or '0')
if recent + pending >= max then
  local freeing = redis.call('ZRANGE', KEYS[1], recent + pending - max, recent + pending - max, 'WITHSCORES')
  if freeing[2] == nil then return {0, 1} end
  return {0, math.max(1, math.ceil((tonumber(freeing[2]) + window - now) / 1000))}
end
redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return {1}`;

/** Settles one reservation: ARGV[1] 'fail' records a failure, 'succeed' forgives the key's failures. */
const SETTLE = `
local pending = tonumber(redis.call('GET', KEYS[2]) or '0')
if pending > 1 then redis.call('DECR', KEYS[2]) else redis.call('DEL', KEYS[2]) end
if ARGV[1] == 'fail' then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
elseif ARGV[1] == 'succeed' then
  redis.call('DEL', KEYS[1])
end
return 1`;

/** Attempts in flight are forgotten after this long, should an instance die holding one (a login's budget is 20 s). */
const IN_FLIGHT_TTL_MS = 60_000;

export class RedisAttemptLimiter implements AttemptLimiter {
  constructor(
    private readonly redis: Redis,
    /** Names this limiter's keys apart from others' (`client`, `account`). */
    private readonly name: string,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  async reserve(key: string): Promise<Reservation | { retryAfter: number }> {
    const keys = this.keys(key);
    const answer = (await this.redis.eval(RESERVE, 2, ...keys, String(this.windowMs), String(this.max), String(IN_FLIGHT_TTL_MS))) as number[];
    if (answer[0] !== 1) return { retryAfter: Number(answer[1] ?? 1) };
    let settled = false;
    const settle = (outcome: 'fail' | 'succeed' | 'release') => {
      if (settled) return;
      settled = true;
      // A settlement that cannot reach Redis is lost: the in-flight count expires on its own.
      this.redis.eval(SETTLE, 2, ...keys, outcome, String(this.windowMs), randomBytes(6).toString('hex')).catch(() => undefined);
    };
    return { fail: () => settle('fail'), succeed: () => settle('succeed'), release: () => settle('release') };
  }

  /** Keys hold a hash of the throttled key: addresses and user names are not written to Redis. */
  private keys(key: string): [string, string] {
    const digest = createHash('sha256').update(`${this.name}\0${key}`).digest('base64url').slice(0, 32);
    return [`postern:attempts:${digest}`, `postern:attempts:${digest}:pending`];
  }
}
