import { appEnv } from '@/lib/config/env';
import { clientAddress } from '@/lib/http/request-guards';
import { errorResponse } from '@/lib/http/route';
import { flowCookie, redirect, redirectUriFor, signInFailed, unknownProvider } from '@/lib/http/oauth-redirects';
import { oauthProvider } from '@/lib/oauth/config';
import { PENDING_TTL_MS } from '@/lib/oauth/pending-sign-ins';
import { beginSignIn } from '@/lib/server/oauth-login';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ provider: string }> };

/** "Sign in with …": remember state, nonce and PKCE verifier here, send the browser to the provider. */
export async function GET(request: Request, context: Context): Promise<Response> {
  const { provider: name } = await context.params;
  const provider = oauthProvider(name);
  if (!provider) return errorResponse(unknownProvider());
  try {
    const client = clientAddress(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS);
    const { url, id } = await beginSignIn(provider, redirectUriFor(request, provider.name), client);
    return redirect(url.href, [flowCookie(id, request, PENDING_TTL_MS / 1000)]);
  } catch (error) {
    return signInFailed(request, provider.name, error);
  }
}
