import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseCapabilities } from '../../../lib/pop3/parse';

/** RFC 2449 EXPIRE and LOGIN-DELAY, in every spelling servers send. */
describe('EXPIRE and LOGIN-DELAY', () => {
  const caps = (...lines: string[]) => parseCapabilities(lines);

  test('EXPIRE 0 (Gmail), EXPIRE n, EXPIRE NEVER', () => {
    assert.equal(caps('EXPIRE 0').expire, 0);
    assert.equal(caps('EXPIRE 31').expire, 31);
    assert.equal(caps('EXPIRE NEVER').expire, 'never');
    assert.equal(caps('expire never').expire, 'never');
    assert.equal(caps('TOP').expire, undefined, 'not said');
  });

  test('EXPIRE n USER (Zimbra before login): the number, marked as per user', () => {
    const parsed = caps('EXPIRE 31 USER');
    assert.equal(parsed.expire, 31);
    assert.equal(parsed.expirePerUser, true);
    assert.equal(caps('EXPIRE 31').expirePerUser, undefined);
  });

  test("GNU Mailutils's EXPIRE30 (no space) and EXPIRENEVER", () => {
    assert.equal(caps('EXPIRE30').expire, 30);
    assert.equal(caps('EXPIRENEVER').expire, 'never');
  });

  test('nonsense is not a policy', () => {
    assert.equal(caps('EXPIRE soon').expire, undefined);
    assert.equal(caps('EXPIRE -1').expire, undefined);
    assert.equal(caps('EXPIRED 3').expire, undefined);
    assert.equal(caps('LOGIN-DELAY never').loginDelaySeconds, undefined);
  });

  test('LOGIN-DELAY 300 (Gmail) and LOGIN-DELAY n USER', () => {
    assert.equal(caps('LOGIN-DELAY 300').loginDelaySeconds, 300);
    assert.equal(caps('LOGIN-DELAY 900 USER').loginDelaySeconds, 900);
  });
});
