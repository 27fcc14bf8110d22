import { appEnv } from '@/lib/config/env';
import { clientAddress, isHttps } from '@/lib/http/request-guards';
import { sessionCookie, sessionToken } from '@/lib/http/route';
import { FLOW_COOKIE, clearedFlowCookie, readCookie, redirect, signInFailed } from '@/lib/http/oauth-redirects';
import { oauthProviderRoute } from '@/lib/http/oauth-provider-route';
import { SignInError, finishAuthorization } from '@/lib/oauth/oidc-client';
import { serverContext } from '@/lib/server/context';
import { oauthLogin, takeSignIn } from '@/lib/server/oauth-login';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The provider sends the browser back here: check, exchange the code, log in to POP3, go to the inbox. */
export const GET = oauthProviderRoute(async (request, provider) => {
  const query = new URL(request.url).searchParams;
  const pending = await takeSignIn(readCookie(request, FLOW_COOKIE), provider.name);
  if (!pending) {
    // No record for this browser: expired, already used, or a callback this browser never started.
    return signInFailed(request, provider.name, new SignInError('state', 'The sign-in took too long or was started elsewhere.'));
  }
  try {
    const signIn = await finishAuthorization(provider, query, pending);
    const previous = sessionToken(request);
    const session = await oauthLogin(provider, signIn, clientAddress(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS));
    if (previous && previous !== session.token) await serverContext().sessions.end(previous);
    return redirect('/', [sessionCookie(session.token, isHttps(request, appEnv().POSTERN_TRUSTED_PROXY_HOPS)), clearedFlowCookie(request)]);
  } catch (error) {
    return signInFailed(request, provider.name, error);
  }
});
