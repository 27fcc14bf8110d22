/**
 * `GET /api/discover` end to end: the production build of the app asks a real
 * DNS server (dnsmasq, POSTERN_DNS_SERVERS) for RFC 6186 records, and the
 * settings it offers log in to a real Dovecot.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerDiscovery } from '../../lib/contract/session';
import { startApp, type RunningApp } from '../support/app-server';
import { HttpClient } from '../support/http-client';
import { smallMessages } from '../support/maildrop';
import { startDnsmasq, type DnsmasqServer } from '../support/servers/dnsmasq';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';

const PASSWORD = 'Disc0very-Pa55!';

let dovecot: DovecotServer;
let dns: DnsmasqServer;
let app: RunningApp;
let tmp: string;

before(async () => {
  dovecot = await startDovecot({ users: [{ name: 'ann@mail.test', password: PASSWORD, messages: smallMessages(3).map((m) => m.raw) }] });
  dns = await startDnsmasq({
    zones: ['test'],
    srv: [
      // The Dovecot on loopback, by the name its certificate carries.
      { name: '_pop3s._tcp.mail.test', target: 'localhost', port: dovecot.tlsPort, priority: 0, weight: 0 },
      { name: '_pop3._tcp.mail.test', target: 'localhost', port: dovecot.port, priority: 5, weight: 0 },
      { name: '_pop3s._tcp.private.test', target: 'pop.private.test', port: 995 },
      { name: '_pop3s._tcp.nopop.test' },
    ],
    hosts: { localhost: ['127.0.0.1'], 'pop.private.test': ['192.168.7.7'] },
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-discover-'));
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, dovecot.certPem!);
  app = await startApp({
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '110,995,1024-65535',
    POP3_TLS_CA_FILE: caFile,
    POSTERN_DNS_SERVERS: dns.address,
    POSTERN_DISCOVERY_TIMEOUT_MS: '3000',
    // Each test client is told apart by the X-Forwarded-For it sends, as if from behind one proxy.
    POSTERN_TRUSTED_PROXY_HOPS: '1',
  });
});

after(async () => {
  await app?.stop();
  await dns?.stop();
  await dovecot?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Each test its own client address, so the per-client throttle of one does not touch another. */
let clients = 0;
function client(): { http: HttpClient; headers: Record<string, string> } {
  clients += 1;
  return { http: new HttpClient(app.url), headers: { 'x-forwarded-for': `198.51.100.${clients}` } };
}

async function discover(address: string, who = client()): Promise<ServerDiscovery> {
  const response = await who.http.get(`/api/discover?address=${encodeURIComponent(address)}`, who.headers);
  assert.equal(response.status, 200, response.body.toString());
  assert.equal(response.headers.get('cache-control'), 'no-store');
  return response.json<ServerDiscovery>();
}

describe('GET /api/discover', () => {
  test('a provider from the table, with its note', async () => {
    const result = await discover('someone@gmail.com');
    assert.equal(result.found?.host, 'pop.gmail.com');
    assert.equal(result.found?.port, 995);
    assert.equal(result.found?.security, 'tls');
    assert.equal(result.found?.source, 'table');
    assert.equal(result.found?.provider, 'Gmail');
    assert.match(result.found?.note ?? '', /app password/);
    assert.deepEqual(await discover('someone@icloud.com'), { found: null, noPop3: 'iCloud Mail offers no POP3; use IMAP.' });
  });

  test('SRV records found by the server, and the settings they give log in to the real Dovecot', async () => {
    const result = await discover('ann@mail.test');
    assert.deepEqual(result.found, { host: 'localhost', port: dovecot.tlsPort, security: 'tls', source: 'srv' });
    const login = await new HttpClient(app.url).logIn({
      host: result.found.host,
      port: result.found.port,
      security: result.found.security,
      username: 'ann@mail.test',
      password: PASSWORD,
    });
    assert.equal(login.json<{ session: { count: number } }>().session.count, 3);
  });

  test('a found server the host policy refuses is said to be refused, not offered', async () => {
    const result = await discover('ann@private.test');
    assert.equal(result.found, null);
    assert.match(result.refused ?? '', /does not allow/);
    assert.doesNotMatch(JSON.stringify(result), /192\.168|private\.test/);
  });

  test('"." says no POP3; an unknown domain finds nothing', async () => {
    assert.match((await discover('ann@nopop.test')).noPop3 ?? '', /offers no POP3/);
    assert.deepEqual(await discover('ann@unknown.test'), { found: null });
  });

  test('address literals and IP addresses are not looked up at all', async () => {
    const before = dns.queries().length;
    for (const address of ['ann@[127.0.0.1]', 'ann@127.0.0.1', 'ann@2130706433', 'ann@localhost']) {
      assert.deepEqual(await discover(address), { found: null }, address);
    }
    assert.equal(dns.queries().length, before);
  });

  test('bad input is INVALID_INPUT with a sentence', async () => {
    const who = client();
    for (const query of ['', '?address=', '?address=not-an-address', `?address=${'a'.repeat(250)}@example.com`, '?address=a@b@c.test']) {
      const response = await who.http.get(`/api/discover${query}`, who.headers);
      assert.equal(response.status, 400, query);
      const body = response.json<{ error: { code: string; message: string } }>();
      assert.equal(body.error.code, 'INVALID_INPUT');
      assert.match(body.error.message, /^address/);
    }
  });

  test('with POP3_SERVER pinned there is nothing to discover, and no DNS question is asked', async () => {
    const pinned = await startApp({
      POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
      POP3_ALLOWED_PORTS: '110,995,1024-65535',
      POP3_SERVER: `localhost:${dovecot.tlsPort}:tls`,
      POSTERN_DNS_SERVERS: dns.address,
    });
    try {
      const before = dns.queries().length;
      const response = await new HttpClient(pinned.url).get('/api/discover?address=ann%40mail.test');
      assert.equal(response.status, 200);
      assert.deepEqual(response.json(), { found: null });
      assert.equal(dns.queries().length, before);
    } finally {
      await pinned.stop();
    }
  });

  test('a client asking too often is throttled with Retry-After', async () => {
    const who = client();
    let limited: Awaited<ReturnType<HttpClient['get']>> | undefined;
    for (let i = 0; i < 40 && !limited; i += 1) {
      const response = await who.http.get(`/api/discover?address=a${i}@gmail.com`, who.headers);
      if (response.status === 429) limited = response;
      else assert.equal(response.status, 200);
    }
    assert.ok(limited, 'never throttled');
    assert.equal(limited.json<{ error: { code: string } }>().error.code, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    // Another client is not affected.
    assert.equal((await discover('b@gmail.com')).found?.host, 'pop.gmail.com');
  });
});
