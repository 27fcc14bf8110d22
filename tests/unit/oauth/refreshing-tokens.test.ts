import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import type { TokenSet } from '../../../lib/oauth/oidc-client';
import { REFRESH_MARGIN_MS, RefreshingTokens } from '../../../lib/oauth/refreshing-tokens';

/** A provider that rotates refresh tokens and, like oidc-provider, refuses a refresh token used twice. */
function rotatingProvider() {
  const used = new Set<string>();
  const calls: string[] = [];
  let serial = 0;
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  return {
    calls,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release?.(),
    async renew(refreshToken: string): Promise<TokenSet> {
      calls.push(refreshToken);
      if (gate) await gate;
      if (used.has(refreshToken) || refreshToken === 'revoked') throw new AppError('REAUTH_REQUIRED', 'sign in again');
      used.add(refreshToken);
      serial++;
      return { accessToken: `access-${serial}`, refreshToken: `refresh-${serial}`, expiresAt: clock.now + 3600_000 };
    },
  };
}

const clock = { now: 1_000_000 };
const now = () => clock.now;

describe('refreshing tokens', () => {
  test('a valid token is handed out without asking the provider', async () => {
    const provider = rotatingProvider();
    const tokens = new RefreshingTokens({ accessToken: 'a0', refreshToken: 'r0', expiresAt: clock.now + 3600_000 }, provider.renew, 'Test', now);
    assert.equal(await tokens.accessToken(), 'a0');
    assert.deepEqual(provider.calls, []);
  });

  test('a token about to expire is refreshed first, and the rotated refresh token is kept', async () => {
    const provider = rotatingProvider();
    const tokens = new RefreshingTokens({ accessToken: 'a0', refreshToken: 'r0', expiresAt: clock.now + REFRESH_MARGIN_MS - 1 }, provider.renew, 'Test', now);
    assert.equal(await tokens.accessToken(), 'access-1');
    assert.equal(await tokens.refresh(), 'access-2');
    assert.deepEqual(provider.calls, ['r0', 'refresh-1']);
  });

  test('concurrent callers share one refresh (a rotated token is never used twice)', async () => {
    const provider = rotatingProvider();
    const tokens = new RefreshingTokens({ accessToken: 'a0', refreshToken: 'r0', expiresAt: clock.now - 1 }, provider.renew, 'Test', now);
    provider.hold();
    const waiting = [tokens.accessToken(), tokens.refresh(), tokens.accessToken(), tokens.refresh()];
    provider.release();
    assert.deepEqual(await Promise.all(waiting), ['access-1', 'access-1', 'access-1', 'access-1']);
    assert.deepEqual(provider.calls, ['r0']);
  });

  test('a refused refresh ends the grant: REAUTH_REQUIRED, and the provider is not asked again', async () => {
    const provider = rotatingProvider();
    const tokens = new RefreshingTokens({ accessToken: 'a0', refreshToken: 'revoked', expiresAt: clock.now + 3600_000 }, provider.renew, 'Test', now);
    await assert.rejects(tokens.refresh(), (error: AppError) => error.code === 'REAUTH_REQUIRED');
    await assert.rejects(tokens.refresh(), (error: AppError) => error.code === 'REAUTH_REQUIRED');
    await assert.rejects(tokens.accessToken(), (error: AppError) => error.code === 'REAUTH_REQUIRED');
    assert.deepEqual(provider.calls, ['revoked']);
  });

  test('without a refresh token, a refused token means signing in again', async () => {
    const provider = rotatingProvider();
    const tokens = new RefreshingTokens({ accessToken: 'a0' }, provider.renew, 'Test', now);
    assert.equal(await tokens.accessToken(), 'a0');
    await assert.rejects(tokens.refresh(), (error: AppError) => error.code === 'REAUTH_REQUIRED');
    assert.deepEqual(provider.calls, []);
  });

  test('a passing provider failure is not the end of the grant', async () => {
    let fail = true;
    const tokens = new RefreshingTokens(
      { accessToken: 'a0', refreshToken: 'r0' },
      async () => {
        if (fail) throw new AppError('OAUTH_FAILED', 'provider down');
        return { accessToken: 'a1', refreshToken: 'r1' };
      },
      'Test',
      now,
    );
    await assert.rejects(tokens.refresh(), (error: AppError) => error.code === 'OAUTH_FAILED');
    fail = false;
    assert.equal(await tokens.refresh(), 'a1');
  });
});
