import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { processGlobal } from '../util/process-global';

/** Our last login to an account, and the delay the server asked for after it (RFC 2449 LOGIN-DELAY). */
export interface LoginDelayRecord {
  at: number;
  delaySeconds: number;
  /** The server refused a login within the delay: it is waited for, not only advertised. */
  enforced: boolean;
}

/**
 * Where the records live: in this process, or in Redis with a shared session store, so that an instance
 * taking over a session knows how long ago another one logged in (a hand-over must honour the delay too).
 */
export interface LoginDelays {
  get(account: string): Promise<LoginDelayRecord | undefined>;
  set(account: string, record: LoginDelayRecord): Promise<void>;
}

const MAX_LOCAL_RECORDS = 20_000;

export class LocalLoginDelays implements LoginDelays {
  private readonly records = new Map<string, LoginDelayRecord>();

  async get(account: string): Promise<LoginDelayRecord | undefined> {
    return this.records.get(account);
  }

  async set(account: string, record: LoginDelayRecord): Promise<void> {
    this.records.delete(account);
    this.records.set(account, record);
    // Bounded: the oldest records go first (insertion order); a forgotten delay only means one early login.
    while (this.records.size > MAX_LOCAL_RECORDS) {
      const oldest = this.records.keys().next().value;
      if (oldest === undefined) break;
      this.records.delete(oldest);
    }
  }
}

/** A record outlives its delay by this much: a server that enforces its delay is remembered as one for a while. */
const KEEP_AFTER_DELAY_MS = 30 * 60_000;

export class RedisLoginDelays implements LoginDelays {
  constructor(private readonly redis: Redis) {}

  async get(account: string): Promise<LoginDelayRecord | undefined> {
    const raw = await this.redis.get(this.key(account));
    return raw ? (JSON.parse(raw) as LoginDelayRecord) : undefined;
  }

  async set(account: string, record: LoginDelayRecord): Promise<void> {
    const key = this.key(account);
    // Nothing to honour, and nothing learned: no record is needed (nor kept from before).
    if (record.delaySeconds <= 0 && !record.enforced) await this.redis.del(key);
    else await this.redis.set(key, JSON.stringify(record), 'PX', record.delaySeconds * 1000 + KEEP_AFTER_DELAY_MS);
  }

  /** A hash of the account: server names and user names are not written to Redis. */
  private key(account: string): string {
    return `postern:login-delay:${createHash('sha256').update(account).digest('base64url').slice(0, 32)}`;
  }
}

const records = processGlobal<LoginDelays>('postern.login-delays', () => new LocalLoginDelays());

/** The process's records (kept across dev hot reloads, like the session pool). */
export const loginDelays = (): LoginDelays => records.get();

/** Replaces where the records live (the shared Redis store at start-up; tests). */
export const useLoginDelays = (replacement: LoginDelays): void => records.use(replacement);
