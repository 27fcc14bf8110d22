import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { appEnv, dnsServers, resetAppEnv } from '../../../lib/config/env';

const saved = process.env.POSTERN_DNS_SERVERS;

afterEach(() => {
  if (saved === undefined) delete process.env.POSTERN_DNS_SERVERS;
  else process.env.POSTERN_DNS_SERVERS = saved;
  resetAppEnv();
});

function withServers(value: string): void {
  process.env.POSTERN_DNS_SERVERS = value;
  resetAppEnv();
}

describe('POSTERN_DNS_SERVERS', () => {
  test('IP addresses with optional ports, in the forms node:dns takes', () => {
    withServers(' 127.0.0.1:5353, 192.0.2.53 ,[::1]:5353, 2001:db8::53 ');
    assert.deepEqual(dnsServers(), ['127.0.0.1:5353', '192.0.2.53', '[::1]:5353', '2001:db8::53']);
    withServers('');
    assert.deepEqual(dnsServers(), []);
  });

  test('names, bad ports and junk are refused at start-up', () => {
    for (const value of ['dns.example.com', '127.0.0.1:0', '127.0.0.1:70000', '[::1]:x', '1.2.3.4:53:53', 'http://1.1.1.1']) {
      withServers(value);
      assert.throws(() => appEnv(), /POSTERN_DNS_SERVERS/, value);
    }
  });
});
