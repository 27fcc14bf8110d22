import { pinnedServer } from '../config/env';
import { AppError } from '../errors';
import type { MailSession } from '../mail/mail-session';
import { SessionPool } from '../mail/session-pool';
import { isPop3Error, type AuthChoice, type Security } from '../pop3';
import { checkServer } from '../security/host-policy';
import { isReservation, type Reservation } from '../security/rate-limit';
import { passwordSecret } from '../session-store/stored-credentials';
import { serverContext } from './context';

export interface LoginInput {
  host?: string;
  port?: number;
  security?: Security;
  username: string;
  password: string;
  auth: AuthChoice;
  allowInsecure: boolean;
}

export const DEFAULT_PORT: Record<Security, number> = { tls: 995, starttls: 110, none: 110 };

/** Throttle, check the server against the host policy, log in, and keep the session. */
export async function login(input: LoginInput, client: string): Promise<MailSession> {
  const context = serverContext();
  const pinned = pinnedServer();
  const host = pinned?.host ?? input.host;
  const security = pinned?.security ?? input.security;
  if (!host || !security) throw new AppError('INVALID_INPUT', 'Name the mail server and its security.');
  const port = pinned?.port ?? input.port ?? DEFAULT_PORT[security];
  const allowInsecure = pinned ? pinned.security === 'none' : input.allowInsecure;
  if (security === 'none' && !allowInsecure) {
    throw new AppError('INSECURE_AUTH', 'Without TLS your password travels unencrypted. Tick the box to accept that, or choose TLS or STARTTLS.');
  }

  await countClientAttempt(client);

  // A place in the pool before anything else: a full pool refuses before any connection is made.
  const slot = context.pool.reserve();
  let attempt: Reservation | undefined;
  try {
    const address = await checkServer(context.policy, host, port);
    // The account is the server actually reached, not its spelling (`localhost`, `127.1` and
    // `2130706433` are one server); user names are compared as most servers do, ignoring case.
    const reserved = await context.failuresPerAccount.reserve(accountKey(address, port, input.username));
    if (!isReservation(reserved)) throw rateLimited(reserved.retryAfter);
    attempt = reserved;
    const credentials = { kind: 'password', username: input.username, password: input.password, mechanism: input.auth, allowInsecure } as const;
    const session = await context.sessions.open(SessionPool.newToken(), { host, port, security, address }, credentials, passwordSecret(credentials), slot);
    attempt.succeed();
    return session;
  } catch (error) {
    slot.release();
    // Only a refused password is a guess; an unreachable or broken server says nothing about one.
    if (isPop3Error(error) && error.code === 'AUTH_FAILED') attempt?.fail();
    else attempt?.release();
    throw error;
  }
}

/** The per-account throttle's key: resolved address, port and user name. */
export function accountKey(address: string, port: number, username: string): string {
  return `${address}|${port}|${username.toLowerCase()}`;
}

/** Every login attempt from `client` counts, whatever its outcome; over the limit, none is made. */
export async function countClientAttempt(client: string): Promise<void> {
  const reserved = await serverContext().loginsPerClient.reserve(client);
  if (!isReservation(reserved)) throw rateLimited(reserved.retryAfter);
  reserved.fail();
}

function rateLimited(wait: number): AppError {
  return new AppError('RATE_LIMITED', `Too many login attempts. Try again in ${wait} seconds.`, { retryAfter: wait });
}
