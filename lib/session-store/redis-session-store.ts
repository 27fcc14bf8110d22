import { createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { AppError } from '../errors';
import { logBackgroundFailure } from '../log/background-failure';
import type { HeaderSummary } from '../mail/header-summary';
import { MAX_STORED_HEADERS, type ConnectionLeases, type PendingSignInStore, type SessionRecord, type SessionStore } from './session-store';

/** An instance that has not said it is alive for this long is taken as dead: its leases may be taken over. */
export const INSTANCE_ALIVE_MS = 1_500;
const HEARTBEAT_MS = 500;
/** How long a request waits for another instance to let go of a session's connection. */
export const LEASE_WAIT_MS = 10_000;
/** While waiting for a lease, how often the lease is looked at again if no release message came. */
const LEASE_RECHECK_MS = 250;

/**
 * Every command's answer is waited for this long at most, queued or sent: a Redis that stops answering without closing
 * the connection (a partition, a stopped process) must not hang the person's request (STORE_UNAVAILABLE instead).
 */
const COMMAND_TIMEOUT_MS = 5_000;
const DROP_CHANNEL = 'postern:drop';
const RELEASED_CHANNEL = 'postern:released';

/**
 * A session's name in Redis and in hand-over messages: the SHA-256 of its token, never the token (the cookie: whoever
 * reads Redis, a replica, a backup or MONITOR would hold every live session). The token is 256 random bits
 * (session-pool.ts), so its hash can be neither reversed nor guessed, and a plain hash is enough: a hash keyed with
 * POSTERN_SESSION_KEY would add nothing to that, and would move every key name at each key rotation.
 */
export const sessionId = (token: string): string => createHash('sha256').update(token).digest('base64url');

/** Every key the store writes, from the token (hashed here: no key name holds it). The bench's failover phase reads the lease and heartbeat keys too. */
export const key = {
  session: (token: string) => `postern:s:${sessionId(token)}`,
  marks: (token: string) => `postern:s:${sessionId(token)}:marks`,
  headers: (token: string) => `postern:s:${sessionId(token)}:headers`,
  lease: (token: string) => `postern:lease:${sessionId(token)}`,
  /** The pattern of every lease key. */
  leases: 'postern:lease:*',
  instance: (id: string) => `postern:instance:${id}`,
  // Hashed: the id is what the browser's flow cookie holds.
  signIn: (id: string) => `postern:signin:${createHash('sha256').update(id).digest('base64url')}`,
};

/** The name an instance's subscriber connection carries in Redis (CLIENT SETNAME), so others can see it is there. */
const subscriberName = (id: string) => `postern:sub:${id}`;

/** Takes the lease when it is free, ours, or held by `dead` (an instance no longer alive). Returns the holder otherwise. */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] or holder == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ''
end
return holder`;

/**
 * Pushes the lease's expiry forward when it is ours, and takes it again when it is gone (a Redis that lost its data
 * while this process still holds the connection): never from another holder.
 */
const RENEW = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;

/** Replaces a session's record only while it exists. */
const UPDATE_IF_PRESENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HSET', KEYS[1], 'record', ARGV[1]) end
return 0`;

/** Deletes the lease only when it is ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Sessions in Redis (POSTERN_SESSION_STORE=redis://host:port/db): the record
 * as a hash, the marks as a set, the header cache as a bounded hash, each
 * with the session's TTL. Credentials arrive sealed (secret-box.ts).
 */
export class RedisSessionStore implements SessionStore {
  readonly shared = true;
  readonly leases: RedisLeases;
  private readonly redis: Redis;

  constructor(url: string, options: { leaseTtlMs: number }) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, commandTimeout: COMMAND_TIMEOUT_MS });
    this.redis.on('error', () => undefined); // reported per command; ioredis reconnects on its own
    this.leases = new RedisLeases(url, this.redis, options.leaseTtlMs);
  }

  readonly signIns: PendingSignInStore = {
    add: async (id, sealed, ttlMs) => {
      await this.redis.set(key.signIn(id), sealed, 'PX', ttlMs);
    },
    // GETDEL: taken once, whichever instance asks first.
    take: async (id) => (await this.redis.getdel(key.signIn(id))) ?? undefined,
  };

  /** The command connection, for other shared data on the same Redis (per-account data). */
  get client(): Redis {
    return this.redis;
  }

  async save(record: SessionRecord, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .del(key.session(record.token), key.marks(record.token), key.headers(record.token))
      .hset(key.session(record.token), { record: stored(record) })
      .pexpire(key.session(record.token), ttlMs)
      .exec()
      .then(checkMulti);
  }

  async load(token: string): Promise<SessionRecord | undefined> {
    const raw = await this.redis.hget(key.session(token), 'record');
    // The token is not stored: the caller has it (the key name is its hash).
    return raw ? { ...(JSON.parse(raw) as Omit<SessionRecord, 'token'>), token } : undefined;
  }

  /** The session is in use here: its keys live on, and so does its connection lease when this process holds it. */
  async touch(token: string, ttlMs: number): Promise<void> {
    await Promise.all([
      this.redis.multi().pexpire(key.session(token), ttlMs).pexpire(key.marks(token), ttlMs).pexpire(key.headers(token), ttlMs).exec().then(checkMulti),
      this.leases.renew(token),
    ]);
  }

  async remove(token: string): Promise<void> {
    await this.redis.del(key.session(token), key.marks(token), key.headers(token));
  }

  async updateSecret(token: string, secret: string): Promise<void> {
    const record = await this.load(token);
    if (!record) return;
    // Written only while the record is still there (a script): a logout that removed it between the read and the
    // write must not see it come back, without a TTL, holding the sealed credentials. HSET keeps the key's TTL.
    await this.redis.eval(UPDATE_IF_PRESENT, 1, key.session(token), stored({ ...record, secret }));
  }

  async getMarks(token: string): Promise<string[]> {
    return this.redis.smembers(key.marks(token));
  }

  async setMarks(token: string, ids: readonly string[]): Promise<void> {
    const ttl = await this.redis.pttl(key.session(token));
    if (ttl <= 0) return; // the session is gone: its marks go with it
    const multi = this.redis.multi().del(key.marks(token));
    if (ids.length > 0) multi.sadd(key.marks(token), ...ids).pexpire(key.marks(token), ttl);
    await multi.exec().then(checkMulti);
  }

  async getHeaders(token: string): Promise<Map<string, HeaderSummary>> {
    const all = await this.redis.hgetall(key.headers(token));
    return new Map(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as HeaderSummary]));
  }

  async putHeaders(token: string, summaries: ReadonlyMap<string, HeaderSummary>): Promise<void> {
    if (summaries.size === 0) return;
    const [ttl, count] = await Promise.all([this.redis.pttl(key.session(token)), this.redis.hlen(key.headers(token))]);
    const room = MAX_STORED_HEADERS - count;
    if (ttl <= 0 || room <= 0) return;
    const fields: Record<string, string> = {};
    let taken = 0;
    for (const [id, summary] of summaries) {
      if (taken++ >= room) break;
      fields[id] = JSON.stringify(summary);
    }
    await this.redis.multi().hset(key.headers(token), fields).pexpire(key.headers(token), ttl).exec().then(checkMulti);
  }

  async close(): Promise<void> {
    await this.leases.close();
    this.redis.disconnect();
  }
}

/** The record as kept in Redis: everything but the token. */
function stored(record: SessionRecord): string {
  return JSON.stringify({ ...record, token: undefined });
}

function checkMulti(results: [Error | null, unknown][] | null): void {
  const failed = results?.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
  if (!results) throw new Error('Redis transaction aborted');
}

/**
 * Connection leases in Redis. The hand-over (docs/scaling.md):
 *  1. Each instance says it is alive: `postern:instance:<id>`, PX INSTANCE_ALIVE_MS, renewed every HEARTBEAT_MS.
 *  2. Before a login for a session, an instance takes `postern:lease:<session id>` (a script: free, its own, or its
 *     holder no longer alive). A holder is alive while its heartbeat key lasts AND its subscriber connection (named
 *     `postern:sub:<id>`) is in Redis's client list: a `kill -9`ed process's connections close with it, so it is
 *     seen dead at once; a machine gone without closing them stops being alive within INSTANCE_ALIVE_MS.
 *  3. Held by a live instance: publish the session id (the token's hash, never the token) on `postern:drop`. The holder closes its connection WITHOUT
 *     QUIT (the server forgets the marks; they are in the store and are sent again), deletes the lease and
 *     publishes the session id on `postern:released`. The asker takes the lease on that message (or on a recheck).
 *  4. Nobody let go within LEASE_WAIT_MS: MAILBOX_IN_USE, in words, for the person.
 */
export class RedisLeases implements ConnectionLeases {
  readonly instanceId = randomBytes(9).toString('base64url');
  private readonly subscriber: Redis;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly waiters = new Map<string, Set<() => void>>();
  private dropHandler: ((token: string) => void) | undefined;
  /** The tokens of the leases this process took, by session id: a drop request names only the id. */
  private readonly held = new Map<string, { token: string; until: number }>();
  /** True while the subscriber connection is subscribed to both channels (false from its close until it is again). */
  private listening = false;
  private subscribing: Promise<void> | undefined;
  private subscribeFailureLogged = false;

  constructor(
    url: string,
    private readonly redis: Redis,
    private readonly leaseTtlMs: number,
  ) {
    // Named, so that another instance can tell this one is still there to hear a drop request (`alive`).
    this.subscriber = new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: COMMAND_TIMEOUT_MS, connectionName: subscriberName(this.instanceId) });
    this.subscriber.on('error', () => undefined);
    // ioredis re-subscribes after a reconnect only the channels whose SUBSCRIBE succeeded: an instance started while
    // Redis was down would never hear a drop request. So subscribe on every 'ready' (SUBSCRIBE is idempotent).
    this.subscriber.on('ready', () => void this.subscribe().catch(() => undefined));
    this.subscriber.on('close', () => {
      this.listening = false;
    });
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    const beat = () => void this.redis.set(key.instance(this.instanceId), '1', 'PX', INSTANCE_ALIVE_MS).catch(() => undefined);
    beat();
    // At once on every (re)connect, ahead of anything queued meanwhile: the heartbeat key expired during an outage, and a
    // lease taken before the next tick would look like a dead instance's to the others.
    this.redis.on('ready', beat);
    this.heartbeat = setInterval(beat, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  onDropRequest(handler: (token: string) => void): void {
    this.dropHandler = handler;
  }

  async acquire(token: string): Promise<void> {
    // Never hold a lease while deaf to drop requests: nobody could ask for it back (and `alive` says so to others).
    if (!this.listening) await this.subscribe();
    const deadline = Date.now() + LEASE_WAIT_MS;
    let asked = false;
    for (;;) {
      const { holder, previous } = await this.tryTake(token);
      if (holder === undefined) {
        // Free (expired) or taken from an instance that looked dead: should the old holder still live and hold a
        // connection, it drops it now.
        if (previous !== null && previous !== this.instanceId && !asked) this.askToDrop(token);
        this.hold(token);
        return;
      }
      if (!asked) {
        asked = true;
        this.askToDrop(token);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new AppError('MAILBOX_IN_USE', 'This mailbox is still open on another of our servers. Try again in a moment.');
      }
      await this.released(token, Math.min(left, LEASE_RECHECK_MS));
    }
  }

  /** Subscribes to both channels; one attempt at a time. Rejects when Redis cannot be reached (logged once per outage). */
  private subscribe(): Promise<void> {
    this.subscribing ??= this.subscriber
      .subscribe(DROP_CHANNEL, RELEASED_CHANNEL)
      .then(
        () => {
          this.listening = true;
          if (this.subscribeFailureLogged) console.warn('[postern] hand-over messages: subscribed again');
          this.subscribeFailureLogged = false;
        },
        (error: unknown) => {
          if (!this.subscribeFailureLogged) logBackgroundFailure('subscribing to hand-over messages (retried when Redis is back)', error);
          this.subscribeFailureLogged = true;
          throw error;
        },
      )
      .finally(() => {
        this.subscribing = undefined;
      });
    return this.subscribing;
  }

  private askToDrop(token: string): void {
    this.redis.publish(DROP_CHANNEL, JSON.stringify({ session: sessionId(token), from: this.instanceId })).catch(() => undefined);
  }

  /** Remembered until released, or until the lease would have expired (a login that failed never releases it). */
  private hold(token: string): void {
    const now = Date.now();
    for (const [id, entry] of this.held) if (entry.until <= now) this.held.delete(id);
    this.held.set(sessionId(token), { token, until: now + this.leaseTtlMs });
  }

  /**
   * A lease taken at the login would otherwise expire while its connection is still in use (a person busy for
   * longer than the lease's TTL): another instance would then take it without asking this one to let go, and
   * log in beside a connection that still holds the maildrop.
   */
  async renew(token: string): Promise<void> {
    const renewed = await this.redis.eval(RENEW, 1, key.lease(token), this.instanceId, String(this.leaseTtlMs));
    if (renewed === 1) this.hold(token);
  }

  async release(token: string): Promise<void> {
    const id = sessionId(token);
    this.held.delete(id);
    const deleted = await this.redis.eval(RELEASE, 1, key.lease(token), this.instanceId);
    if (deleted === 1) await this.redis.publish(RELEASED_CHANNEL, id);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.redis.del(key.instance(this.instanceId)).catch(() => undefined);
    this.subscriber.disconnect();
  }

  /** holder undefined: the lease is ours now; otherwise the live holder. `previous`: who held it before. */
  private async tryTake(token: string): Promise<{ holder?: string; previous: string | null }> {
    const previous = await this.redis.get(key.lease(token));
    const dead = previous && previous !== this.instanceId && !(await this.alive(previous)) ? previous : '';
    const holder = (await this.redis.eval(ACQUIRE, 1, key.lease(token), this.instanceId, String(this.leaseTtlMs), dead)) as string;
    return holder === '' ? { previous } : { holder, previous };
  }

  /**
   * Its heartbeat lasts and its subscriber is connected and subscribed. Without the second, a `kill -9`ed holder would look alive
   * until its heartbeat expired (up to INSTANCE_ALIVE_MS: most of a failover's time, measured by the bench); and an
   * instance that cannot hear a drop request cannot be asked to let go anyway. A Redis that refuses CLIENT LIST
   * leaves the heartbeat alone to decide.
   */
  private async alive(id: string): Promise<boolean> {
    if (!(await this.redis.exists(key.instance(id)))) return false;
    const clients = await this.redis.client('LIST', 'TYPE', 'PUBSUB').catch(() => undefined);
    if (typeof clients !== 'string') return true;
    const name = `name=${subscriberName(id)}`;
    // Connected is not enough: only a subscribed connection hears the drop request (`sub=` counts its channels).
    return clients.split('\n').some((line) => {
      const fields = line.split(' ');
      return fields.includes(name) && !fields.includes('sub=0');
    });
  }

  /** Resolves on a release message for the session, or after `ms` (then the lease is simply looked at again). */
  private released(token: string, ms: number): Promise<void> {
    const id = sessionId(token);
    return new Promise((resolve) => {
      const waiters = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waiters.add(done);
    });
  }

  private onMessage(channel: string, message: string): void {
    if (channel === RELEASED_CHANNEL) {
      for (const wake of [...(this.waiters.get(message) ?? [])]) wake();
      return;
    }
    if (channel !== DROP_CHANNEL) return;
    try {
      const { session, from } = JSON.parse(message) as { session: string; from: string };
      // Only a session this process took the lease for can be ours to drop; its token is known here, not on the wire.
      const token = typeof session === 'string' ? this.held.get(session)?.token : undefined;
      if (from !== this.instanceId && token !== undefined) this.dropHandler?.(token);
    } catch {
      // not ours
    }
  }
}
