import { AppError } from '../errors';
import type { TokenSource } from '../mail/mail-session';
import { logBackgroundFailure } from '../log/background-failure';
import { oauthProvider, type OAuthProvider } from '../oauth/config';
import { refreshTokens } from '../oauth/oidc-client';
import { RefreshingTokens } from '../oauth/refreshing-tokens';
import type { StoredSecret } from '../session-store/stored-credentials';

export type StoredOAuthSecret = Extract<StoredSecret, { kind: 'oauth' }>;

/** The session's token source; each refresh's new tokens (rotated refresh token included) go to the store, sealed. */
export function storedTokenSource(provider: OAuthProvider, secret: StoredOAuthSecret, save: (secret: StoredSecret) => Promise<void>): RefreshingTokens {
  return new RefreshingTokens(secret.tokens, (refreshToken) => refreshTokens(provider, refreshToken), provider.label, Date.now, (tokens) => {
    save({ ...secret, tokens }).catch((error: unknown) => logBackgroundFailure('token store', error));
  });
}

/**
 * How a session restored from the store (another instance, a restart) gets its token source back: from the
 * provider named in the sealed secret. A provider no longer configured means signing in again.
 */
export function restoreOAuthTokens(secret: StoredOAuthSecret, save: (secret: StoredSecret) => Promise<void>): TokenSource {
  const provider = oauthProvider(secret.provider);
  if (!provider) throw new AppError('REAUTH_REQUIRED', 'Your sign-in has expired. Please sign in again.');
  return storedTokenSource(provider, secret, save);
}
