import { pinnedServer } from '../config/env';
import { AppError } from '../errors';
import { MailSession } from '../mail/mail-session';
import { SessionPool } from '../mail/session-pool';
import { isPop3Error, type AuthChoice, type Security } from '../pop3';
import { checkServer } from '../security/host-policy';
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

  const account = `${host.toLowerCase()}:${port}:${input.username}`;
  const wait = Math.max(context.loginsPerClient.retryAfter(client), context.failuresPerAccount.retryAfter(account));
  if (wait > 0) throw new AppError('RATE_LIMITED', `Too many login attempts. Try again in ${wait} seconds.`, { retryAfter: wait });
  context.loginsPerClient.record(client);
  context.pool.assertRoom();

  const address = await checkServer(context.policy, host, port);
  try {
    const session = await MailSession.open(
      SessionPool.newToken(),
      { host, port, security, address },
      { kind: 'password', username: input.username, password: input.password, mechanism: input.auth, allowInsecure },
      context.sessionDeps,
    );
    context.pool.add(session);
    context.failuresPerAccount.clear(account);
    return session;
  } catch (error) {
    if (isPop3Error(error) && error.code === 'AUTH_FAILED') context.failuresPerAccount.record(account);
    throw error;
  }
}
