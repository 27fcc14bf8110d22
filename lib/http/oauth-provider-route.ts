import 'server-only';
import { AppError } from '../errors';
import { oauthProvider, type OAuthProvider } from '../oauth/config';
import { errorResponse } from './route';

type Context = { params: Promise<{ provider: string }> };

/**
 * A route under /api/oauth/[provider]: the handler gets the configured provider the path names.
 * Any other name is answered INVALID_INPUT as JSON, not with a redirect: no sign-in has begun.
 */
export function oauthProviderRoute(handler: (request: Request, provider: OAuthProvider) => Promise<Response>) {
  return async (request: Request, context: Context): Promise<Response> => {
    const { provider: name } = await context.params;
    const provider = oauthProvider(name);
    if (!provider) return errorResponse(new AppError('INVALID_INPUT', 'No such sign-in provider is configured here.'));
    return handler(request, provider);
  };
}
