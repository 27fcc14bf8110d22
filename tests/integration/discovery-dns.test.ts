/**
 * Discovery against a real DNS server: dnsmasq on a loopback high port serves
 * RFC 6186 SRV records for a `.test` zone, and `discover()` asks it through
 * node:dns with POSTERN_DNS_SERVERS-style settings. Asserts what is offered,
 * what the host policy refuses, and which DNS names were asked (nothing else).
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../lib/discovery/discover';
import { parseHostPolicy } from '../../lib/security/host-policy';
import { startDnsmasq, type DnsmasqServer } from '../support/servers/dnsmasq';

let dns: DnsmasqServer;

before(async () => {
  dns = await startDnsmasq({
    zones: ['test'],
    srv: [
      // Both services, TLS at the better priority.
      { name: '_pop3s._tcp.both.test', target: 'pop.both.test', port: 995, priority: 0, weight: 1 },
      { name: '_pop3._tcp.both.test', target: 'pop.both.test', port: 110, priority: 10, weight: 1 },
      // Only STARTTLS.
      { name: '_pop3._tcp.starttls.test', target: 'mail.starttls.test', port: 110, priority: 0, weight: 0 },
      // "." for both: decidedly no POP3 here.
      { name: '_pop3s._tcp.nopop.test' },
      { name: '_pop3._tcp.nopop.test' },
      // A target on a private network, and one on loopback with an allowed high port.
      { name: '_pop3s._tcp.internal.test', target: 'pop.internal.test', port: 995 },
      { name: '_pop3s._tcp.local.test', target: 'pop.local.test', port: 1995 },
      // Priorities: the backup must not be chosen while the main one exists.
      { name: '_pop3s._tcp.prio.test', target: 'backup.prio.test', port: 995, priority: 20, weight: 100 },
      { name: '_pop3s._tcp.prio.test', target: 'main.prio.test', port: 995, priority: 10, weight: 0 },
      // Names a host that has no address.
      { name: '_pop3s._tcp.dangling.test', target: 'nowhere.dangling.test', port: 995 },
    ],
    hosts: {
      'pop.both.test': ['203.0.114.10'],
      'mail.starttls.test': ['198.51.101.7'],
      'pop.internal.test': ['10.1.2.3'],
      'pop.local.test': ['127.0.0.1'],
      'main.prio.test': ['203.0.114.20'],
      'backup.prio.test': ['203.0.114.21'],
    },
  });
});

after(async () => {
  await dns?.stop();
});

const publicOnly = parseHostPolicy('', '110,995');
const deps = () => ({ policy: publicOnly, dns: { servers: [dns.address], timeoutMs: 3000 } });

describe('discovery through DNS SRV records (dnsmasq)', () => {
  test('_pop3s wins over _pop3 by priority and is offered as TLS', async () => {
    const result = await discover('ann@both.test', deps());
    assert.deepEqual(result, { found: { host: 'pop.both.test', port: 995, security: 'tls', source: 'srv' } });
  });

  test('only _pop3: offered as STARTTLS on its port', async () => {
    const result = await discover('Ann@STARTTLS.test', deps());
    assert.deepEqual(result, { found: { host: 'mail.starttls.test', port: 110, security: 'starttls', source: 'srv' } });
  });

  test('the "." target is a plain sentence, not a server', async () => {
    const result = await discover('ann@nopop.test', deps());
    assert.equal(result.found, null);
    assert.equal(result.noPop3, 'The DNS records of nopop.test say it offers no POP3 service.');
  });

  test('the lower priority is chosen whatever the weights', async () => {
    for (let i = 0; i < 5; i += 1) {
      const result = await discover('ann@prio.test', deps());
      assert.equal(result.found?.host, 'main.prio.test');
    }
  });

  test('a server the host policy refuses is said to be refused, and not named', async () => {
    const result = await discover('ann@internal.test', deps());
    assert.equal(result.found, null);
    assert.match(result.refused ?? '', /does not allow/);
    assert.doesNotMatch(JSON.stringify(result), /internal\.test|10\.1\.2\.3|995/);

    // Loopback on a high port: refused by default, offered where the deployment allows it.
    assert.ok((await discover('ann@local.test', deps())).refused);
    const allowing = { ...deps(), policy: parseHostPolicy('127.0.0.1', '1024-65535') };
    assert.deepEqual(await discover('ann@local.test', allowing), {
      found: { host: 'pop.local.test', port: 1995, security: 'tls', source: 'srv' },
    });
  });

  test('no records, and a target without addresses: nothing found, nothing refused', async () => {
    assert.deepEqual(await discover('ann@unknown.test', deps()), { found: null });
    assert.deepEqual(await discover('ann@dangling.test', deps()), { found: null });
  });

  test('the provider table answers without asking DNS at all', async () => {
    const before = dns.queries().length;
    const result = await discover('someone@gmail.com', deps());
    assert.equal(result.found?.host, 'pop.gmail.com');
    assert.equal(result.found?.source, 'table');
    assert.equal(result.found?.provider, 'Gmail');
    assert.equal(dns.queries().length, before);
    // The port is still the deployment's to allow.
    const highPortsOnly = { ...deps(), policy: parseHostPolicy('', '1024-65535') };
    const refused = await discover('someone@gmail.com', highPortsOnly);
    assert.equal(refused.found, null);
    assert.match(refused.refused ?? '', /does not allow/);
  });

  test('only the two SRV names and the found host are asked about', async () => {
    const before = dns.queries().length;
    await discover('ann@both.test', deps());
    const asked = dns.queries().slice(before).sort();
    assert.deepEqual([...new Set(asked)], ['_pop3._tcp.both.test', '_pop3s._tcp.both.test', 'pop.both.test']);
  });

  test('a DNS server that answers garbage gives nothing, without waiting out the budget', async () => {
    // A scripted fake: echoes the query id, then bytes that are no DNS message.
    const liar = dgram.createSocket('udp4');
    liar.on('message', (query, peer) => {
      liar.send(Buffer.concat([query.subarray(0, 2), Buffer.from([0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 0x00])]), peer.port, peer.address);
    });
    await new Promise<void>((resolve) => liar.bind(0, '127.0.0.1', () => resolve()));
    try {
      const started = Date.now();
      const result = await discover('ann@both.test', { policy: publicOnly, dns: { servers: [`127.0.0.1:${liar.address().port}`], timeoutMs: 20_000 } });
      assert.deepEqual(result, { found: null });
      // Measured: about 30 ms; the budget is 20 s and one try 10 s.
      assert.ok(Date.now() - started < 5_000, 'waited for the budget instead of giving up on a bad answer');
    } finally {
      liar.close();
    }
  });

  test('a DNS server that never answers costs the budget, not more, and gives nothing', async () => {
    // A UDP socket that reads and never replies: a black-holed resolver.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address();
    try {
      const started = Date.now();
      const result = await discover('ann@both.test', { policy: publicOnly, dns: { servers: [`127.0.0.1:${port}`], timeoutMs: 400 } });
      const elapsed = Date.now() - started;
      assert.deepEqual(result, { found: null });
      assert.ok(elapsed < 3000, `took ${elapsed} ms with a 400 ms budget`);
    } finally {
      silent.close();
    }
  });
});
