import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expireDays, expireSentence } from '../../../components/expire-policy';
import type { SessionInfo } from '../../../components/api-client';

const withPolicies = (policies: unknown) => ({ policies }) as Pick<SessionInfo, 'policies'>;

describe('EXPIRE policy from the session JSON', () => {
  test('a whole number of days is the policy; 0 is a policy too', () => {
    assert.equal(expireDays(withPolicies({ expireDays: 0, loginDelaySeconds: 300 })), 0);
    assert.equal(expireDays(withPolicies({ expireDays: 30, loginDelaySeconds: null })), 30);
  });

  test('absent, null ("never" or not said) or malformed: nothing to warn about', () => {
    for (const policies of [undefined, null, {}, { expireDays: null }, { expireDays: '0' }, { expireDays: -1 }, { expireDays: 1.5 }, 'EXPIRE 0', []]) {
      assert.equal(expireDays(withPolicies(policies)), null, JSON.stringify(policies));
    }
    assert.equal(expireDays({}), null);
  });

  test('said in words', () => {
    assert.equal(expireSentence(0), 'This server removes messages from POP3 as soon as they are downloaded (EXPIRE 0).');
    assert.equal(expireSentence(1), 'This server removes messages from POP3 within 1 day after they are downloaded (EXPIRE 1).');
    assert.equal(expireSentence(30), 'This server removes messages from POP3 within 30 days after they are downloaded (EXPIRE 30).');
  });
});
