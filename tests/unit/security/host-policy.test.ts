import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { canonicalAddress, checkServer, isPublicAddress, parseHostPolicy, parseLooseIPv4 } from '../../../lib/security/host-policy';

const deny = parseHostPolicy('', '110,995');

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.code;
  }
  return 'allowed';
}

describe('host policy', () => {
  test('odd IPv4 spellings are read as resolvers read them', () => {
    assert.equal(parseLooseIPv4('2130706433'), '127.0.0.1');
    assert.equal(parseLooseIPv4('0x7f.1'), '127.0.0.1');
    assert.equal(parseLooseIPv4('017700000001'), '127.0.0.1');
    assert.equal(parseLooseIPv4('127.1'), '127.0.0.1');
    assert.equal(parseLooseIPv4('10.0.0.1'), '10.0.0.1');
    assert.equal(parseLooseIPv4('256.1.1.1'), undefined);
    assert.equal(parseLooseIPv4('mail.example.com'), undefined);
    assert.deepEqual(canonicalAddress('::ffff:127.0.0.1'), { address: '127.0.0.1', family: 'ipv4' });
    assert.deepEqual(canonicalAddress('::ffff:7f00:1'), { address: '127.0.0.1', family: 'ipv4' });
  });

  test('non-public ranges are recognised, public ones are not', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', 'fe80::1', 'fd00::1', '::', '::ffff:10.0.0.1', '64:ff9b::a00:1', '::127.0.0.1', '::ffff:0:7f00:1', '::ffff:0:a00:1']) {
      assert.equal(isPublicAddress(address), false, address);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2a00:1450:4001::1']) assert.equal(isPublicAddress(address), true, address);
  });

  test('every spelling of a private address gets the same refusal, before any DNS', async () => {
    const resolver = async () => assert.fail('no lookup for literals');
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '::ffff:127.0.0.1', '10.0.0.1', '[::1]']) {
      assert.equal(await refusal(checkServer(deny, host, 995, resolver)), 'HOST_NOT_ALLOWED', host);
    }
  });

  test('a name is checked by every address it resolves to, and the checked one is returned', async () => {
    const rebinding = async () => ['93.184.216.34', '127.0.0.1'];
    assert.equal(await refusal(checkServer(deny, 'evil.example', 995, rebinding)), 'HOST_NOT_ALLOWED');
    const publicOnly = async () => ['93.184.216.34'];
    assert.equal(await checkServer(deny, 'mail.example', 995, publicOnly), '93.184.216.34');
  });

  test('ports outside the list are refused', async () => {
    assert.equal(await refusal(checkServer(deny, '93.184.216.34', 22)), 'HOST_NOT_ALLOWED');
  });

  test('a refused port is named with the allowed ones; a refused host says only that, whatever rule matched', async () => {
    const messageOf = async (promise: Promise<unknown>) => {
      try {
        await promise;
      } catch (error) {
        assert.ok(error instanceof AppError);
        // The port's refusal says so for the login form (the port field, not the host's).
        return `${error.message}${error.hint ? ` [${error.hint}]` : ''}`;
      }
      return 'allowed';
    };
    const ranges = parseHostPolicy('', '110,995,1024-65535');
    assert.equal(await messageOf(checkServer(ranges, '93.184.216.34', 25)), 'Port 25 is not allowed here; allowed: 110, 995, 1024–65535. [change-port]');
    for (const host of ['127.0.0.1', '10.0.0.1', '[::1]']) {
      assert.equal(await messageOf(checkServer(deny, host, 995)), 'This server is not allowed here.', host);
    }
    assert.equal(await messageOf(checkServer(deny, 'evil.example', 995, async () => ['192.168.0.1'])), 'This server is not allowed here.');
  });

  test('POP3_ALLOWED_HOSTS opens names, addresses and CIDR ranges', async () => {
    const policy = parseHostPolicy('localhost, 10.0.0.0/8, 192.168.1.5', '110,995,1024-65535');
    assert.equal(await checkServer(policy, 'localhost', 995, async () => ['127.0.0.1']), '127.0.0.1');
    assert.equal(await checkServer(policy, '10.9.8.7', 110), '10.9.8.7');
    assert.equal(await checkServer(policy, '192.168.1.5', 2000), '192.168.1.5');
    assert.equal(await refusal(checkServer(policy, '192.168.1.6', 995)), 'HOST_NOT_ALLOWED');
    assert.equal(await refusal(checkServer(policy, 'other.example', 995, async () => ['127.0.0.1'])), 'HOST_NOT_ALLOWED');
    assert.throws(() => parseHostPolicy('', '0-99999'));
  });

  test('a list it cannot read is refused with a sentence naming the variable and the entry', () => {
    assert.throws(() => parseHostPolicy('', 'abc'), /^Error: POP3_ALLOWED_PORTS: "abc" is not a port or a range of ports/);
    assert.throws(() => parseHostPolicy('', '110,995-110'), /^Error: POP3_ALLOWED_PORTS: "995-110" is not within 1-65535/);
    assert.throws(() => parseHostPolicy('10.0.0.0/99', '110'), /^Error: POP3_ALLOWED_HOSTS: "10.0.0.0\/99" has a bad prefix length \(0 to 32\)/);
    assert.throws(() => parseHostPolicy('fd00::/200', '110'), /POP3_ALLOWED_HOSTS: "fd00::\/200" has a bad prefix length \(0 to 128\)/);
    for (const entry of ['mail.example/24', 'http://mail.example', 'mail example', '-mail.example']) {
      assert.throws(() => parseHostPolicy(entry, '110'), /POP3_ALLOWED_HOSTS: ".*" is not a host name, an IP address or a CIDR range/, entry);
    }
    assert.deepEqual([...parseHostPolicy('Mail.Example., pop_3.corp.example', '110').allowedNames], ['mail.example', 'pop_3.corp.example']);
  });
});
