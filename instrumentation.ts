/**
 * Runs once when the server starts: a wrong OAuth configuration stops the
 * start with a message naming the variable, rather than failing at the first
 * "Sign in with …" click.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { oauthProviders } = await import('./lib/oauth/config');
  const providers = oauthProviders();
  if (providers.length > 0) console.log(`[postern] sign-in providers: ${providers.map((p) => p.name).join(', ')}`);
}
