import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loginBody } from '../../../app/api/session/schema';

const valid = { host: 'mail.example', security: 'tls', username: 'alice', password: 'pässwörd with spaces' };

describe('login schema', () => {
  test('ordinary credentials pass', () => {
    assert.equal(loginBody.safeParse(valid).success, true);
  });

  test('control characters anywhere in host, user name or password are refused', () => {
    const controls = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u009f'];
    for (const control of controls) {
      for (const field of ['host', 'username', 'password'] as const) {
        const input = { ...valid, [field]: `a${control}b` };
        const result = loginBody.safeParse(input);
        assert.equal(result.success, false, `${field} with U+${control.charCodeAt(0).toString(16).padStart(4, '0')}`);
      }
      // Also at the edges, where trimming could hide it for the host.
      assert.equal(loginBody.safeParse({ ...valid, host: `mail.example${control}` }).success, false);
    }
  });
});
