import { appEnv } from '@/lib/config/env';
import { clientAddress } from '@/lib/http/request-guards';
import { flowCookie, redirect, redirectUriFor, signInFailed } from '@/lib/http/oauth-redirects';
import { oauthProviderRoute } from '@/lib/http/oauth-provider-route';
import { PENDING_TTL_MS } from '@/lib/oauth/pending-sign-ins';
import { beginSignIn } from '@/lib/server/oauth-login';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** "Sign in with …": remember state, nonce and PKCE verifier here, send the browser to the provider. */
export const GET = oauthProviderRoute(async (request, provider) => {
  try {
    const client = clientAddress(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS);
    const { url, id } = await beginSignIn(provider, redirectUriFor(request, provider.name), client);
    return redirect(url.href, [flowCookie(id, request, PENDING_TTL_MS / 1000)]);
  } catch (error) {
    return signInFailed(request, provider.name, error);
  }
});
