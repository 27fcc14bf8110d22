/**
 * Runs once when the server starts: a wrong configuration (OAuth, the session store and its key) stops the
 * start with a message naming the variable, rather than failing at the first
 * "Sign in with …" click. A shared session store that cannot be reached is said in the log, and the start
 * goes on (Redis may come up later).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { oauthProviders, publicOriginSetting } = await import('./lib/oauth/config');
  const { appEnv } = await import('./lib/config/env');
  try {
    // The whole environment, once: e.g. a shared session store without POSTERN_SESSION_KEY stops the start here.
    const env = appEnv();
    // Said once per instance (worker 1, or the only process), without holding up the start.
    const firstProcess = (process.env.POSTERN_WORKER_INDEX ?? '1') === '1';
    if (env.POSTERN_SESSION_STORE && firstProcess) {
      const { reportUnreachableStore } = await import('./lib/server/session-store-check');
      void reportUnreachableStore(env.POSTERN_SESSION_STORE);
    }
    publicOriginSetting();
    const providers = oauthProviders();
    if (providers.length > 0) console.log(`[postern] sign-in providers: ${providers.map((p) => p.name).join(', ')}`);
  } catch (error) {
    // Fail closed: a server that cannot do what it was configured for should not start half-way.
    console.error(`[postern] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
