import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mailDomain } from '../../../lib/discovery/address';
import { PROVIDERS, lookupProvider } from '../../../lib/discovery/providers';

describe('provider table', () => {
  test('well-known addresses find their POP3 settings', () => {
    const cases: Array<[string, string, number]> = [
      ['gmail.com', 'pop.gmail.com', 995],
      ['googlemail.com', 'pop.gmail.com', 995],
      ['hotmail.co.uk', 'outlook.office365.com', 995],
      ['live.com', 'outlook.office365.com', 995],
      ['yahoo.com', 'pop.mail.yahoo.com', 995],
      ['aol.com', 'pop.aol.com', 995],
      ['gmx.de', 'pop.gmx.net', 995],
      ['gmx.com', 'pop.gmx.com', 995],
      ['web.de', 'pop3.web.de', 995],
      ['yandex.ru', 'pop.yandex.com', 995],
      ['mail.ru', 'pop.mail.ru', 995],
      ['zoho.com', 'pop.zoho.com', 995],
      ['fastmail.com', 'pop.fastmail.com', 995],
      ['t-online.de', 'securepop.t-online.de', 995],
      ['orange.fr', 'pop.orange.fr', 995],
      ['libero.it', 'popmail.libero.it', 995],
      ['comcast.net', 'mail.comcast.net', 995],
    ];
    for (const [domain, host, port] of cases) {
      const entry = lookupProvider(domain);
      assert.ok(entry, domain);
      assert.deepEqual(entry.pop3, { host, port, security: 'tls' }, domain);
    }
  });

  test('providers without POP3 say so in a sentence', () => {
    const icloud = lookupProvider('icloud.com');
    assert.equal(icloud?.pop3, null);
    assert.equal(icloud?.noPop3, 'iCloud Mail offers no POP3; use IMAP.');
    assert.equal(lookupProvider('me.com')?.id, 'icloud');
  });

  test('the notes that decide whether a login can work are there', () => {
    assert.match(lookupProvider('gmail.com')?.note ?? '', /app password/);
    assert.match(lookupProvider('outlook.com')?.note ?? '', /OAuth/);
    assert.match(lookupProvider('yahoo.com')?.note ?? '', /app password/);
  });

  test('only exact domains match: subdomains and look-alikes are not the provider', () => {
    assert.equal(lookupProvider('mail.gmail.com'), undefined);
    assert.equal(lookupProvider('gmail.com.evil.example'), undefined);
    assert.equal(lookupProvider('example.com'), undefined);
  });

  test('every entry is well formed: a source URL, one owner per domain, a sentence where there is no POP3', () => {
    const seen = new Map<string, string>();
    for (const entry of PROVIDERS) {
      assert.match(entry.source, /^https:\/\//, entry.id);
      if (entry.crossCheck) assert.match(entry.crossCheck, /^https:\/\//, entry.id);
      if (entry.pop3 === null) assert.ok(entry.noPop3, entry.id);
      else {
        assert.ok(entry.pop3.port > 0 && entry.pop3.port < 65536, entry.id);
        assert.match(entry.pop3.host, /^[a-z0-9.-]+$/, entry.id);
      }
      for (const domain of entry.domains) {
        assert.equal(domain, domain.toLowerCase(), domain);
        assert.equal(seen.get(domain), undefined, `${domain} in ${entry.id} and ${seen.get(domain)}`);
        seen.set(domain, entry.id);
        // Each domain is one a person can type and mailDomain() hands on unchanged.
        assert.equal(mailDomain(`someone@${domain}`), domain);
      }
    }
  });
});

describe('mail domain of an address', () => {
  test('lower case, trailing dot dropped, IDN as punycode', () => {
    assert.equal(mailDomain('Ann@Example.COM'), 'example.com');
    assert.equal(mailDomain('ann@example.com.'), 'example.com');
    assert.equal(mailDomain('ann@bücher.example'), 'xn--bcher-kva.example');
    assert.equal(mailDomain('"a@b"@example.org'), 'example.org');
  });

  test('anything that is not a DNS name gives nothing to look up', () => {
    for (const address of [
      'ann', 'ann@', '@example.com', 'ann@localhost', 'ann@[127.0.0.1]', 'ann@127.0.0.1', 'ann@2130706433',
      'ann@0x7f.1', 'ann@0x7f.0x1', 'ann@::1', 'ann@exa mple.com', 'ann@-bad.example', 'ann@bad-.example',
      'ann@example..com', `ann@${'a'.repeat(64)}.example`, 'ann@example.123',
    ]) {
      assert.equal(mailDomain(address), undefined, address);
    }
  });
});
