import { AppError } from '../errors';
import type { TokenSet } from './oidc-client';

/** Refresh this long before the provider's expiry, so a token never dies mid-command. */
export const REFRESH_MARGIN_MS = 60_000;

/**
 * One sign-in's tokens in server memory, behind the TokenSource interface the
 * mail session uses. Refreshes are single-flight: providers rotate refresh
 * tokens and treat a reused one as theft (revoking the whole grant), so two
 * refreshes of the same grant must never overlap, and each answer's refresh
 * token replaces the previous one. Once the provider refuses, the grant is
 * dead and every later call says "sign in again" without asking it again.
 */
export class RefreshingTokens {
  private tokens: TokenSet;
  private inflight: Promise<string> | undefined;
  private dead: AppError | undefined;

  constructor(
    tokens: TokenSet,
    private readonly renew: (refreshToken: string) => Promise<TokenSet>,
    private readonly label: string,
    private readonly now: () => number = Date.now,
    /** Told of every new token set (the session store keeps them, sealed: providers rotate refresh tokens). */
    private readonly renewed: (tokens: TokenSet) => void = () => undefined,
  ) {
    this.tokens = tokens;
  }

  /** A token that is valid for at least REFRESH_MARGIN_MS (as far as the provider told us). */
  async accessToken(): Promise<string> {
    if (this.inflight) return this.inflight;
    const { expiresAt } = this.tokens;
    if (expiresAt !== undefined && expiresAt - REFRESH_MARGIN_MS <= this.now() && this.tokens.refreshToken) return this.refresh();
    if (this.dead) throw this.dead;
    return this.tokens.accessToken;
  }

  /** The server refused the current token: a new one now (joins a refresh already under way). */
  refresh(): Promise<string> {
    this.inflight ??= this.renewOnce().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async renewOnce(): Promise<string> {
    if (this.dead) throw this.dead;
    const refreshToken = this.tokens.refreshToken;
    if (!refreshToken) {
      this.dead = new AppError('REAUTH_REQUIRED', `Your sign-in with ${this.label} has expired. Please sign in again.`);
      throw this.dead;
    }
    try {
      this.tokens = await this.renew(refreshToken);
      this.renewed(this.tokens);
      return this.tokens.accessToken;
    } catch (error) {
      if (error instanceof AppError && error.code === 'REAUTH_REQUIRED') this.dead = error;
      throw error;
    }
  }
}
