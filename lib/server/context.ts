import { randomBytes } from 'node:crypto';
import { useAccountData } from '../account-data';
import { RedisAccountData } from '../account-data/redis-account-data';
import { appEnv } from '../config/env';
import { RedisLoginDelays, useLoginDelays } from '../mail/login-delays';
import { SessionPool } from '../mail/session-pool';
import { parseHostPolicy, type HostPolicy } from '../security/host-policy';
import { PendingSignIns } from '../oauth/pending-sign-ins';
import { LocalAttemptLimiter, perWorkerShare, type AttemptLimiter } from '../security/attempt-limiter';
import { RedisAttemptLimiter } from '../security/redis-attempt-limiter';
import type { SessionDeps } from '../mail/mail-session';
import { MemorySessionStore } from '../session-store/memory-session-store';
import { RedisSessionStore } from '../session-store/redis-session-store';
import { SecretBox } from '../session-store/secret-box';
import type { SessionStore } from '../session-store/session-store';
import { restoreOAuthTokens } from './oauth-tokens';
import { Sessions } from './sessions';
import { processGlobal } from '../util/process-global';

export interface ServerContext {
  pool: SessionPool;
  /** The pool and the session store together: open, find (restoring from the store), end. */
  sessions: Sessions;
  store: SessionStore;
  policy: HostPolicy;
  /** Login attempts per client address. */
  loginsPerClient: AttemptLimiter;
  /** Failed logins per target account (server + user name). */
  failuresPerAccount: AttemptLimiter;
  sessionDeps: SessionDeps;
  /** OAuth sign-ins between /start and /callback, sealed in the store (any instance finishes them). */
  signIns: PendingSignIns;
}

/** One per process, kept on globalThis so dev hot reload does not orphan live POP3 sessions. */
const context = processGlobal('postern.server-context', createContext);
export const serverContext = (): ServerContext => context.get();

function createContext(): ServerContext {
  const env = appEnv();
  const idleMs = env.POSTERN_SESSION_IDLE_MINUTES * 60_000;
  const pool = new SessionPool({
    maxSessions: env.POSTERN_MAX_SESSIONS,
    idleMs,
    keepAliveMs: 120_000,
    closeIdleMs: env.POSTERN_POP3_IDLE_CLOSE_MINUTES * 60_000,
  });
  // env.ts refuses a shared store without a key; in-process, a key of this process's own seals what the store holds.
  const box = env.POSTERN_SESSION_KEY ? SecretBox.fromEnv(env.POSTERN_SESSION_KEY) : new SecretBox([randomBytes(32)]);
  const store: SessionStore = env.POSTERN_SESSION_STORE
    ? new RedisSessionStore(env.POSTERN_SESSION_STORE, { leaseTtlMs: idleMs })
    : new MemorySessionStore();
  const baseDeps: SessionDeps = {
    limits: env.pop3Limits,
    tlsCa: env.tlsCa,
    onTranscript:
      env.POSTERN_POP3_TRACE === '1' ? (entry) => console.log(`[pop3] ${entry.direction === 'client' ? 'C:' : 'S:'} ${entry.text}`) : undefined,
  };
  const sessions = new Sessions(pool, store, box, baseDeps, idleMs);
  sessions.setOAuthRestorer(restoreOAuthTokens);
  // Read state and rules live beside the sessions: shared and lasting with Redis, in this process otherwise.
  if (store instanceof RedisSessionStore) {
    useAccountData(new RedisAccountData(store.client));
    useLoginDelays(new RedisLoginDelays(store.client));
  }
  // Login limits count on every instance's attempts: in Redis when it is shared, else each worker its share.
  const limiter = (name: string, max: number, windowMs: number): AttemptLimiter =>
    store instanceof RedisSessionStore
      ? new RedisAttemptLimiter(store.client, name, max, windowMs)
      : new LocalAttemptLimiter(perWorkerShare(max, env.POSTERN_WORKER_COUNT), windowMs);
  return {
    pool,
    sessions,
    store,
    policy: parseHostPolicy(env.POP3_ALLOWED_HOSTS, env.POP3_ALLOWED_PORTS),
    loginsPerClient: limiter('client', env.POSTERN_LOGINS_PER_CLIENT, 10 * 60_000),
    failuresPerAccount: limiter('account', 8, 15 * 60_000),
    sessionDeps: sessions.sessionDeps,
    signIns: new PendingSignIns(store.signIns, box),
  };
}
