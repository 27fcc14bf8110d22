import { AppError } from '../errors';
import type { MailSession } from '../mail/mail-session';
import { SessionPool, type PoolSlot } from '../mail/session-pool';
import type { OAuthProvider } from '../oauth/config';
import { beginAuthorization, type PendingAuthorization, type SignIn } from '../oauth/oidc-client';
import { PENDING_TTL_MS } from '../oauth/pending-sign-ins';
import { ClientAndProcessLimit } from '../security/rate-limit';
import { checkServer } from '../security/host-policy';
import { serverContext } from './context';
import { countClientAttempt } from './login';
import { storedTokenSource, type StoredOAuthSecret } from './oauth-tokens';
import { processGlobal } from '../util/process-global';

/** Sign-ins started per client address per 10 minutes: one address cannot use up the process's share (below). */
const STARTS_PER_CLIENT = 60;

/** Sign-ins this process begins per 10 minutes, whoever asks: at most this many records it adds to the store. */
const STARTS_PER_PROCESS = 10_000;

/** Who may begin a sign-in, per process (kept across dev hot reloads): every start adds a record to the store for ten minutes. */
const starts = processGlobal('postern.oauth-starts', () => new ClientAndProcessLimit(STARTS_PER_CLIENT, STARTS_PER_PROCESS, PENDING_TTL_MS));

/** Throttled per client and per process: the provider's authorization URL, and the id of the record kept for the callback. */
export async function beginSignIn(provider: OAuthProvider, redirectUri: string, client: string): Promise<{ url: URL; id: string }> {
  const wait = starts.get().take(client);
  if (wait > 0) throw new AppError('RATE_LIMITED', `Too many sign-in attempts. Try again in ${wait} seconds.`, { retryAfter: wait });
  const begun = await beginAuthorization(provider, redirectUri);
  return { url: begun.url, id: await serverContext().signIns.add(begun.pending) };
}

/** The sign-in a callback finishes (`id` from the flow cookie), taken from the store: once, and only for its provider. */
export function takeSignIn(id: string | undefined, provider: string): Promise<PendingAuthorization | undefined> {
  return serverContext().signIns.take(id, provider);
}

/**
 * Opens the POP3 session of a finished sign-in, through the same throttle,
 * pool and host policy as a password login. The tokens stay on the server,
 * inside the session (sealed in the store); the browser only ever gets the session cookie.
 */
export async function oauthLogin(provider: OAuthProvider, signIn: SignIn, client: string): Promise<MailSession> {
  const context = serverContext();
  await countClientAttempt(client);
  // A place in the pool before any connection, as for a password login (lib/server/login.ts).
  const slot = context.pool.reserve();
  try {
    return await openOAuthSession(provider, signIn, slot);
  } catch (error) {
    slot.release();
    throw error;
  }
}

async function openOAuthSession(provider: OAuthProvider, signIn: SignIn, slot: PoolSlot): Promise<MailSession> {
  const context = serverContext();
  const { host, port, security } = provider.pop3;
  const address = await checkServer(context.policy, host, port);
  const token = SessionPool.newToken();
  // Microsoft's POP3 wants XOAUTH2's response on its own line after `+ `; Google takes it on the AUTH line.
  const saslInitialResponse = !(provider.mechanism === 'xoauth2' && provider.xoauth2TwoLine);
  const secret: StoredOAuthSecret = { kind: 'oauth', provider: provider.name, mechanism: provider.mechanism, tokens: signIn.tokens, saslInitialResponse };
  const tokens = storedTokenSource(provider, secret, (next) => context.sessions.updateSecret(token, next));
  const credentials = { kind: 'oauth', username: signIn.username, mechanism: provider.mechanism, tokens, saslInitialResponse } as const;
  return context.sessions.open(token, { host, port, security, address }, credentials, secret, slot);
}
