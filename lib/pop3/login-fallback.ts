import { describeMechanism, type AuthAttempt, type AuthMechanism } from './auth';
import type { LoginOptions, Pop3Client } from './client';
import { Pop3Error } from './errors';

/**
 * The forms that worked, per server (`host:port`), for the life of the
 * process: a server that refused AUTH PLAIN's initial response (Microsoft's
 * `Protocol error`) is spoken to in the two-line form straight away next time.
 */
export class AuthMemory {
  private readonly worked = new Map<string, AuthAttempt>();
  constructor(private readonly max = 10_000) {}

  get(server: string): AuthAttempt | undefined {
    return this.worked.get(server.toLowerCase());
  }

  remember(server: string, attempt: AuthAttempt): void {
    const key = server.toLowerCase();
    this.worked.delete(key);
    this.worked.set(key, { ...attempt });
    while (this.worked.size > this.max) {
      const oldest = this.worked.keys().next().value;
      if (oldest === undefined) break;
      this.worked.delete(oldest);
    }
  }
}

export interface FallbackOptions<T> {
  /** A fresh connection (greeting and CAPA read, STLS done), for when the server hung up after a refusal. */
  reopen: () => Promise<Pop3Client>;
  /**
   * Queues commands behind the login on the same connection, right after it
   * (with PIPELINING they share its round trip). Called again for each attempt;
   * what an earlier, failed attempt queued is dropped (the caller should not
   * let those promises reject unhandled).
   */
  queueAfterLogin?: (client: Pop3Client) => T;
  /** What worked on this server before: tried first. */
  remembered?: AuthAttempt;
  /** Called with each refusal that led to another attempt (for logs). */
  onFallback?: (refused: AuthAttempt, error: Pop3Error) => void;
}

export interface FallbackResult<T> {
  client: Pop3Client;
  mechanism: AuthMechanism;
  attempt: AuthAttempt;
  queued: T;
  /** How many attempts were refused for reasons other than the credentials before this one. */
  fallbacks: number;
}

/**
 * Logs in, trying the next way when one is refused for a reason other than
 * the credentials (`UNSUPPORTED`: see `errorCodeFor`). A credential refusal (`AUTH_FAILED`), a login
 * delay, a locked maildrop or a server fault ends the login at once: only one
 * guess is ever made with a password the server rejected.
 *
 * The next attempt runs on the same connection (already encrypted when the
 * first one was), or on a fresh one when the server closed it after refusing
 * (Microsoft: `-ERR Protocol error. Connection is closed.`).
 */
export async function loginWithFallback<T>(
  first: Pop3Client,
  options: LoginOptions,
  fallback: FallbackOptions<T>,
): Promise<FallbackResult<T>> {
  const opened: Pop3Client[] = [];
  try {
    return await attemptInTurn(first, options, fallback, opened);
  } catch (error) {
    // Connections opened here for a retry are ours to close; the caller closes `first`.
    for (const client of opened) client.close();
    throw error;
  }
}

async function attemptInTurn<T>(
  first: Pop3Client,
  options: LoginOptions,
  fallback: FallbackOptions<T>,
  opened: Pop3Client[],
): Promise<FallbackResult<T>> {
  const reopen = async () => {
    const client = await fallback.reopen();
    opened.push(client);
    return client;
  };
  let client = first;
  const plan = client.authPlan(options, fallback.remembered);
  let fallbacks = 0;
  let lastRefusal: Pop3Error | undefined;
  let reopenedFor = -1;
  for (let index = 0; index < plan.length; ) {
    const attempt = plan[index]!;
    if (client.closed) client = await reopen();
    const login = client.login(options, attempt);
    const queued = fallback.queueAfterLogin?.(client) as T;
    try {
      const mechanism = await login;
      return { client, mechanism, attempt, queued, fallbacks };
    } catch (error) {
      if (!(error instanceof Pop3Error)) throw error;
      // Before the login is done a hang-up is CLOSED_DURING_LOGIN (CLOSED only if it raced a later command).
      const hungUp = error.code === 'CLOSED' || error.code === 'CLOSED_DURING_LOGIN';
      if (hungUp && lastRefusal && reopenedFor !== index) {
        // The server hung up after refusing the previous form, before this one could be read:
        // the same attempt again on a fresh connection.
        client.close();
        client = await reopen();
        reopenedFor = index;
        continue;
      }
      if (!notAboutCredentials(error)) throw lastRefusal && hungUp ? lastRefusal : error;
      lastRefusal = error;
      fallbacks++;
      fallback.onFallback?.(attempt, error);
      const response = error.response ?? '';
      // The server said it closes (Microsoft does, after `Protocol error`): do not wait to find out.
      if (/connection (is |will be )?closed|closing/i.test(response)) client.close();
      index++;
      // Only a protocol error is about the form; any other refusal is about the mechanism itself,
      // and its other form would be refused the same way.
      if (!/protocol error|syntax/i.test(response)) {
        while (index < plan.length && plan[index]!.mechanism === attempt.mechanism) index++;
      }
    }
  }
  throw (
    lastRefusal ??
    new Pop3Error('UNSUPPORTED', `The server accepted none of the login methods tried (${plan.map((a) => describeMechanism(a.mechanism)).join(', ')}).`)
  );
}

/** A refusal that says nothing about the password or token: another way to log in may work. */
export function notAboutCredentials(error: Pop3Error): boolean {
  if (error.fatal) return false;
  return error.code === 'UNSUPPORTED';
}
