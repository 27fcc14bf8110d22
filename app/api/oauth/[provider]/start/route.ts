import { errorResponse } from '@/lib/http/route';
import { flowCookie, redirect, redirectUriFor, signInFailed, unknownProvider } from '@/lib/http/oauth-redirects';
import { oauthProvider } from '@/lib/oauth/config';
import { beginAuthorization } from '@/lib/oauth/oidc-client';
import { PENDING_TTL_MS } from '@/lib/oauth/pending-sign-ins';
import { pendingSignIns } from '@/lib/server/oauth-login';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

type Context = { params: Promise<{ provider: string }> };

/** "Sign in with …": remember state, nonce and PKCE verifier here, send the browser to the provider. */
export async function GET(request: Request, context: Context): Promise<Response> {
  const { provider: name } = await context.params;
  const provider = oauthProvider(name);
  if (!provider) return errorResponse(unknownProvider());
  try {
    const { url, pending } = await beginAuthorization(provider, redirectUriFor(request, provider.name));
    const id = pendingSignIns().add(pending);
    return redirect(url.href, [flowCookie(id, request, PENDING_TTL_MS / 1000)]);
  } catch (error) {
    return signInFailed(request, provider.name, error);
  }
}
