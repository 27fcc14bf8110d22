/**
 * Runs once when the server starts: a wrong configuration (OAuth, the session store and its key) stops the
 * start with a message naming the variable, rather than failing at the first
 * "Sign in with …" click.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { oauthProviders, publicOriginSetting } = await import('./lib/oauth/config');
  const { appEnv } = await import('./lib/config/env');
  try {
    // The whole environment, once: e.g. a shared session store without POSTERN_SESSION_KEY stops the start here.
    appEnv();
    publicOriginSetting();
    const providers = oauthProviders();
    if (providers.length > 0) console.log(`[postern] sign-in providers: ${providers.map((p) => p.name).join(', ')}`);
  } catch (error) {
    // Fail closed: a server that cannot do what it was configured for should not start half-way.
    console.error(`[postern] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
