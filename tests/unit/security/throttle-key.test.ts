import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { throttleKey } from '../../../lib/security/throttle-key';

describe('throttle key', () => {
  test('every address of one IPv6 /64 is one client, however it is written', () => {
    const keys = ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:abcd', '[2001:db8:1:2::9]', '2001:db8:1:2::7%eth0'].map(throttleKey);
    assert.deepEqual(new Set(keys), new Set(['2001:db8:1:2::/64']));
  });

  test('another /64 is another client', () => {
    assert.notEqual(throttleKey('2001:db8:1:2::1'), throttleKey('2001:db8:1:3::1'));
    assert.equal(throttleKey('::1'), '0:0:0:0::/64');
    assert.equal(throttleKey('fe80::1:2:3:4'), 'fe80:0:0:0::/64');
    assert.equal(throttleKey('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
  });

  test('IPv4, and IPv4 written as mapped IPv6, is the address itself', () => {
    assert.equal(throttleKey('203.0.113.7'), '203.0.113.7');
    assert.equal(throttleKey('::ffff:203.0.113.7'), '203.0.113.7');
    assert.notEqual(throttleKey('203.0.113.7'), throttleKey('203.0.113.8'));
  });

  test('what is not an address is kept as it is', () => {
    assert.equal(throttleKey('unknown'), 'unknown');
  });
});
