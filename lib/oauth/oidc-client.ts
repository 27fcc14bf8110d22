/**
 * The OAuth 2.0 / OpenID Connect client side, on `openid-client` (certified;
 * it validates the ID token, state, nonce and PKCE, and matches Microsoft's
 * tenant-specific issuer for the `common` endpoint). Authorization code flow
 * with PKCE S256, confidential client. Nothing here knows about POP3.
 */
import * as oidc from 'openid-client';
import { AppError } from '../errors';
import { isLoopbackUrl, type OAuthProvider } from './config';

/** Discovery, token and userinfo requests to the provider: one bound each. */
const PROVIDER_TIMEOUT_SECONDS = 15;

/** What the server keeps between /start and /callback (never sent to the browser). */
export interface PendingAuthorization {
  provider: string;
  codeVerifier: string;
  state: string;
  nonce: string;
  redirectUri: string;
}

/** The tokens of one sign-in, kept in server memory with the session. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds; undefined when the provider did not say. */
  expiresAt?: number;
}

/** Why a sign-in ended on the login page; the login form turns it into a sentence. */
export type SignInReason = 'denied' | 'provider' | 'state' | 'username';

/** A failed sign-in, with the reason the login page explains. */
export class SignInError extends AppError {
  constructor(
    readonly reason: SignInReason,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('OAUTH_FAILED', message, options);
  }
}

export interface SignIn {
  tokens: TokenSet;
  /** The POP3 user name, from the ID token or userinfo claims. */
  username: string;
}

const configurations = new Map<string, Promise<oidc.Configuration>>();

/** The provider's configuration, discovered once per process (a failed discovery is tried again next time). */
function configurationFor(provider: OAuthProvider): Promise<oidc.Configuration> {
  let pending = configurations.get(provider.name);
  if (!pending) {
    pending = loadConfiguration(provider);
    pending.catch(() => configurations.delete(provider.name));
    configurations.set(provider.name, pending);
  }
  return pending;
}

async function loadConfiguration(provider: OAuthProvider): Promise<oidc.Configuration> {
  const insecure = [provider.issuer, provider.authorizationUrl, provider.tokenUrl].some((url) => url?.startsWith('http:') && isLoopbackUrl(url));
  let server: oidc.ServerMetadata;
  if (provider.issuer && !provider.authorizationUrl) {
    try {
      const discovered = await oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, undefined, {
        execute: insecure ? [oidc.allowInsecureRequests] : [],
        timeout: PROVIDER_TIMEOUT_SECONDS,
      });
      server = discovered.serverMetadata();
    } catch (error) {
      throw new SignInError('provider', `${provider.label} could not be reached to start the sign-in. Try again later.`, { cause: error });
    }
  } else {
    server = {
      issuer: provider.issuer ?? new URL(provider.authorizationUrl!).origin,
      authorization_endpoint: provider.authorizationUrl,
      token_endpoint: provider.tokenUrl,
      userinfo_endpoint: provider.userinfoUrl,
    };
  }
  // HTTP Basic is the RFC 6749 default; a provider that lists only client_secret_post gets the secret in the body.
  const methods = server.token_endpoint_auth_methods_supported;
  const auth = methods && !methods.includes('client_secret_basic') && methods.includes('client_secret_post')
    ? oidc.ClientSecretPost(provider.clientSecret)
    : oidc.ClientSecretBasic(provider.clientSecret);
  const configuration = new oidc.Configuration(server, provider.clientId, undefined, auth);
  configuration.timeout = PROVIDER_TIMEOUT_SECONDS;
  if (insecure) oidc.allowInsecureRequests(configuration);
  return configuration;
}

function wantsIdToken(provider: OAuthProvider): boolean {
  return provider.scope.split(/\s+/).includes('openid');
}

/** The provider's authorization URL and what /callback needs to check its answer. */
export async function beginAuthorization(provider: OAuthProvider, redirectUri: string): Promise<{ url: URL; pending: PendingAuthorization }> {
  const configuration = await configurationFor(provider);
  const pending: PendingAuthorization = {
    provider: provider.name,
    codeVerifier: oidc.randomPKCECodeVerifier(),
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    redirectUri,
  };
  const parameters: Record<string, string> = {
    redirect_uri: redirectUri,
    scope: provider.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.codeVerifier),
    code_challenge_method: 'S256',
    state: pending.state,
    ...(wantsIdToken(provider) ? { nonce: pending.nonce } : {}),
    // OpenID Connect grants offline_access (a refresh token) only with explicit consent.
    ...(provider.promptConsent ? { prompt: 'consent' } : {}),
    ...provider.authorizationParams,
  };
  return { url: oidc.buildAuthorizationUrl(configuration, parameters), pending };
}

/**
 * Finishes the sign-in from the provider's redirect back: checks state,
 * exchanges the code with the PKCE verifier, validates the ID token (nonce)
 * and finds the POP3 user name.
 */
export async function finishAuthorization(provider: OAuthProvider, callbackQuery: URLSearchParams, pending: PendingAuthorization): Promise<SignIn> {
  const configuration = await configurationFor(provider);
  // The registered redirect URI plus the provider's answer: what openid-client checks the response against.
  const currentUrl = new URL(pending.redirectUri);
  currentUrl.search = callbackQuery.toString();
  let response: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
  try {
    response = await oidc.authorizationCodeGrant(configuration, currentUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      ...(wantsIdToken(provider) ? { expectedNonce: pending.nonce, idTokenExpected: true } : {}),
    });
  } catch (error) {
    throw signInError(provider, error);
  }
  const tokens = tokenSet(response);
  const username = await usernameFrom(provider, configuration, response.claims(), tokens.accessToken);
  return { tokens, username };
}

/** A new token set from the refresh token. The provider may rotate it: the answer's refresh token replaces the old one. */
export async function refreshTokens(provider: OAuthProvider, refreshToken: string): Promise<TokenSet> {
  const configuration = await configurationFor(provider);
  let response: Awaited<ReturnType<typeof oidc.refreshTokenGrant>>;
  try {
    response = await oidc.refreshTokenGrant(configuration, refreshToken);
  } catch (error) {
    if (error instanceof oidc.ResponseBodyError && error.status >= 400 && error.status < 500) {
      // invalid_grant and friends: expired, revoked or already used. Only a new sign-in helps.
      throw new AppError('REAUTH_REQUIRED', `Your sign-in with ${provider.label} has expired or was withdrawn. Please sign in again.`, { cause: error });
    }
    throw new AppError('OAUTH_FAILED', `${provider.label} could not renew the sign-in just now. Try again in a moment.`, { cause: error });
  }
  const tokens = tokenSet(response);
  return { ...tokens, refreshToken: tokens.refreshToken ?? refreshToken };
}

function tokenSet(response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): TokenSet {
  const expiresIn = response.expiresIn();
  return {
    accessToken: response.access_token,
    refreshToken: response.refresh_token,
    expiresAt: expiresIn === undefined ? undefined : Date.now() + expiresIn * 1000,
  };
}

async function usernameFrom(
  provider: OAuthProvider,
  configuration: oidc.Configuration,
  claims: oidc.IDToken | undefined,
  accessToken: string,
): Promise<string> {
  const pick = (source: Record<string, unknown> | undefined) => {
    for (const claim of provider.usernameClaims) {
      const value = source?.[claim];
      if (typeof value === 'string' && value.trim() !== '') return value.trim();
    }
    return undefined;
  };
  const fromIdToken = pick(claims);
  if (fromIdToken) return fromIdToken;
  if (configuration.serverMetadata().userinfo_endpoint) {
    try {
      const userinfo = await oidc.fetchUserInfo(configuration, accessToken, claims?.sub ?? oidc.skipSubjectCheck);
      const fromUserinfo = pick(userinfo);
      if (fromUserinfo) return fromUserinfo;
    } catch (error) {
      throw new SignInError('username', `${provider.label} did not tell which mailbox this is. Try again later.`, { cause: error });
    }
  }
  throw new SignInError(
    'username',
    `${provider.label} did not share the mailbox address (${provider.usernameClaims.join(' or ')}). Allow it on the consent screen and try again.`,
  );
}

/** Maps what the provider answered on the way back to a typed error with a sentence. */
function signInError(provider: OAuthProvider, error: unknown): SignInError {
  if (error instanceof oidc.AuthorizationResponseError) {
    if (error.error === 'access_denied') {
      return new SignInError('denied', `The sign-in with ${provider.label} was cancelled or not allowed. Nothing was shared.`, { cause: error });
    }
    return new SignInError('provider', `${provider.label} refused the sign-in (${error.error}). Try again.`, { cause: error });
  }
  if (error instanceof oidc.ResponseBodyError) {
    return new SignInError('provider', `${provider.label} did not accept the sign-in (${error.error}). Try again.`, { cause: error });
  }
  return new SignInError('provider', `The answer from ${provider.label} could not be verified. Try again.`, { cause: error });
}
