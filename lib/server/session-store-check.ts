import Redis from 'ioredis';

/** One bound for the start-up check: connecting (TCP, TLS) and the PING. */
const CHECK_TIMEOUT_MS = 3_000;

/** The store's address for a log line: scheme, host, port and database, never a password in the URL. */
export function storeAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/**
 * Why the shared session store at `url` cannot be used now (undefined: it answered PING). One connection of its
 * own, one try, closed afterwards: a start-up check, not the store's client (which reconnects on its own).
 */
export async function sessionStoreProblem(url: string, timeoutMs = CHECK_TIMEOUT_MS): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // The socket's own error ("connect ECONNREFUSED …") says more than the rejection ("Connection is closed.").
  let socketError: Error | undefined;
  client.on('error', (error: Error) => (socketError ??= error));
  let timer: NodeJS.Timeout | undefined;
  // One deadline over everything: ioredis times the TCP connect, not its ready check nor a silent peer.
  const deadline = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
  });
  const checked = (async () => {
    try {
      await client.connect();
      await client.ping();
      return undefined;
    } catch (error) {
      return (socketError ?? (error instanceof Error ? error : new Error(String(error)))).message;
    }
  })();
  try {
    return await Promise.race([checked, deadline]);
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}

/**
 * The start-up line for a store that cannot be reached. The app starts all the same (Redis may come up after it),
 * and a health check on GET /api/config passes meanwhile: the log is where the operator learns of it.
 */
export async function reportUnreachableStore(url: string, log: (line: string) => void = console.error): Promise<void> {
  const problem = await sessionStoreProblem(url);
  if (problem === undefined) return;
  log(
    `[postern] the session store ${storeAddress(url)} cannot be reached (${problem}): starting all the same; ` +
      'until it answers, logins and every request of a session answer 503 STORE_UNAVAILABLE (GET /api/config, the health check, does not use the store)',
  );
}
