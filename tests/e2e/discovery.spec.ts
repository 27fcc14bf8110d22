/**
 * Settings from the address, in Chromium at desktop width: typing an address
 * offers the server, one click fills the form. This file runs its own app
 * (with POSTERN_DNS_SERVERS), a real DNS server (dnsmasq) serving RFC 6186
 * records, and a Dovecot whose user name is an address, so the offered
 * settings are also used to log in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp, type RunningApp } from '../support/app-server';
import { smallMessages } from '../support/maildrop';
import { startDnsmasq, type DnsmasqServer } from '../support/servers/dnsmasq';
import { startDovecot, type DovecotServer } from '../support/servers/dovecot';
import { expect, test } from './fixtures';
import { LoginPage } from './pages/login-page';
import { seriousViolations } from './support/axe';

const PASSWORD = 'Disc0very-in-Chromium';
const ADDRESS = 'ann@mail.test';

let dovecot: DovecotServer;
let dns: DnsmasqServer;
let app: RunningApp;
let tmp: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  dovecot = await startDovecot({ users: [{ name: ADDRESS, password: PASSWORD, messages: smallMessages(4).map((m) => m.raw) }] });
  dns = await startDnsmasq({
    zones: ['test'],
    srv: [{ name: '_pop3s._tcp.mail.test', target: 'localhost', port: dovecot.tlsPort, priority: 0, weight: 0 }],
    hosts: { localhost: ['127.0.0.1'] },
  });
  tmp = mkdtempSync(path.join(os.tmpdir(), 'postern-e2e-discovery-'));
  const caFile = path.join(tmp, 'ca.pem');
  writeFileSync(caFile, dovecot.certPem ?? '');
  app = await startApp({
    POP3_ALLOWED_HOSTS: '127.0.0.1,localhost',
    POP3_ALLOWED_PORTS: '110,995,1024-65535',
    POP3_TLS_CA_FILE: caFile,
    POSTERN_DNS_SERVERS: dns.address,
  });
});

test.afterAll(async () => {
  await app?.stop();
  await dns?.stop();
  await dovecot?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test.describe('settings from the address', () => {
  test.use({ viewport: { width: 1280, height: 900 } });

  test('a Gmail address offers pop.gmail.com with its note, and one click fills the server fields', async ({ page, snap }) => {
    const login = new LoginPage(page);
    await login.goto(app.url);
    const offer = page.getByTestId('server-discovery');
    await login.username.fill('someone@gmail.com');
    await expect(offer).toContainText('Known settings for Gmail. Use pop.gmail.com, port 995, TLS?');
    await expect(offer).toContainText('app password');
    await snap('discovery-offer');
    expect(await seriousViolations(page)).toEqual([]);

    await offer.getByRole('button', { name: 'Use these settings' }).click();
    await expect(login.host).toHaveValue('pop.gmail.com');
    await expect(login.security).toHaveValue('tls');
    await expect(login.port).toHaveValue('995');
    await expect(login.password).toBeFocused();
    await expect(offer).toContainText('Using pop.gmail.com, port 995, TLS (known settings for Gmail).');
    await snap('discovery-filled');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await seriousViolations(page)).toEqual([]);
    await page.emulateMedia({ colorScheme: 'light' });

    // A server typed by hand is the person's choice: no offer talks over it.
    await login.host.fill('mail.example.org');
    await expect(offer).toBeEmpty();
    await login.username.fill('someone@yahoo.com');
    await expect(offer).toBeEmpty();
    await expect(login.host).toHaveValue('mail.example.org');
  });

  test('SRV records found by the server are offered, and the filled settings log in', async ({ page, inbox }) => {
    const login = new LoginPage(page);
    await login.goto(app.url);
    const offer = page.getByTestId('server-discovery');
    await login.username.fill(ADDRESS);
    await expect(offer).toContainText(`The DNS records of mail.test name this server. Use localhost, port ${dovecot.tlsPort}, TLS?`);
    await offer.getByRole('button', { name: 'Use these settings' }).click();
    await expect(login.host).toHaveValue('localhost');
    await expect(login.port).toHaveValue(String(dovecot.tlsPort));
    await login.password.fill(PASSWORD);
    await login.submit.click();
    await inbox.waitForList();
    await expect(inbox.stats).toContainText('4 messages');
  });

  test('a provider without POP3 is told in a sentence and nothing is filled', async ({ page }) => {
    const login = new LoginPage(page);
    await login.goto(app.url);
    await login.username.fill('someone@icloud.com');
    await expect(page.getByTestId('server-discovery')).toHaveText('iCloud Mail offers no POP3; use IMAP.');
    await expect(page.getByRole('button', { name: 'Use these settings' })).toHaveCount(0);
    await expect(login.host).toHaveValue('');
  });
});
