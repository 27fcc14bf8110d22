import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefreshingTokens } from '../../../lib/oauth/refreshing-tokens';
import type { TokenSet } from '../../../lib/oauth/oidc-client';

test('every refresh hands its new token set (the rotated refresh token too) to be stored', async () => {
  const stored: TokenSet[] = [];
  let n = 0;
  const tokens = new RefreshingTokens(
    { accessToken: 'a0', refreshToken: 'r0' },
    async (refreshToken) => ({ accessToken: `a${++n}`, refreshToken: `r${n}-after-${refreshToken}` }),
    'Test',
    Date.now,
    (next) => stored.push(next),
  );
  assert.equal(await tokens.refresh(), 'a1');
  assert.equal(await tokens.refresh(), 'a2');
  assert.deepEqual(stored, [
    { accessToken: 'a1', refreshToken: 'r1-after-r0' },
    { accessToken: 'a2', refreshToken: 'r2-after-r1-after-r0' },
  ]);
});
