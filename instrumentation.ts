/**
 * Runs once when the server starts: a wrong OAuth configuration stops the
 * start with a message naming the variable, rather than failing at the first
 * "Sign in with …" click.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { oauthProviders, publicOriginSetting } = await import('./lib/oauth/config');
  try {
    publicOriginSetting();
    const providers = oauthProviders();
    if (providers.length > 0) console.log(`[postern] sign-in providers: ${providers.map((p) => p.name).join(', ')}`);
  } catch (error) {
    // Fail closed: a server that cannot do what it was configured for should not start half-way.
    console.error(`[postern] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
