import { appEnv } from '../config/env';
import { SessionPool } from '../mail/session-pool';
import { parseHostPolicy, type HostPolicy } from '../security/host-policy';
import { RateLimiter } from '../security/rate-limit';
import type { SessionDeps } from '../mail/mail-session';

export interface ServerContext {
  pool: SessionPool;
  policy: HostPolicy;
  /** Login attempts per client address. */
  loginsPerClient: RateLimiter;
  /** Failed logins per target account (server + user name). */
  failuresPerAccount: RateLimiter;
  sessionDeps: SessionDeps;
}

const KEY = Symbol.for('postern.server-context');
type Holder = { [KEY]?: ServerContext };

/** One per process, kept on globalThis so dev hot reload does not orphan live POP3 sessions. */
export function serverContext(): ServerContext {
  const holder = globalThis as Holder;
  if (holder[KEY]) return holder[KEY];
  const env = appEnv();
  const context: ServerContext = {
    pool: new SessionPool({
      maxSessions: env.POSTERN_MAX_SESSIONS,
      idleMs: env.POSTERN_SESSION_IDLE_MINUTES * 60_000,
      keepAliveMs: 120_000,
    }),
    policy: parseHostPolicy(env.POP3_ALLOWED_HOSTS, env.POP3_ALLOWED_PORTS),
    loginsPerClient: new RateLimiter(env.POSTERN_LOGINS_PER_CLIENT, 10 * 60_000),
    failuresPerAccount: new RateLimiter(8, 15 * 60_000),
    sessionDeps: {
      limits: env.pop3Limits,
      tlsCa: env.tlsCa,
      onTranscript:
        env.POSTERN_POP3_TRACE === '1' ? (entry) => console.log(`[pop3] ${entry.direction === 'client' ? 'C:' : 'S:'} ${entry.text}`) : undefined,
    },
  };
  holder[KEY] = context;
  return context;
}
