import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { appEnv, resetAppEnv } from '../../../lib/config/env';

const NAMES = ['POP3_ALLOWED_HOSTS', 'POP3_ALLOWED_PORTS', 'POP3_TLS_CA_FILE'] as const;
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));

afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  resetAppEnv();
});

function withEnv(values: Partial<Record<(typeof NAMES)[number], string>>): void {
  for (const name of NAMES) delete process.env[name];
  Object.assign(process.env, values);
  resetAppEnv();
}

describe('appEnv, read once at start-up', () => {
  test('a host policy it cannot read stops the start, in the parser\'s words (not at the first login)', () => {
    withEnv({ POP3_ALLOWED_PORTS: 'abc' });
    assert.throws(() => appEnv(), /^Error: Invalid configuration: POP3_ALLOWED_PORTS: "abc" is not a port or a range of ports/);
    withEnv({ POP3_ALLOWED_HOSTS: '10.0.0.0/99' });
    assert.throws(() => appEnv(), /^Error: Invalid configuration: POP3_ALLOWED_HOSTS: "10.0.0.0\/99" has a bad prefix length/);
    withEnv({ POP3_ALLOWED_HOSTS: '10.0.0.0/8, localhost', POP3_ALLOWED_PORTS: '110,1024-65535' });
    assert.equal(appEnv().POP3_ALLOWED_PORTS, '110,1024-65535');
  });

  test('POP3_TLS_CA_FILE that cannot be read, or holds no certificate, is named', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'postern-ca-'));
    const missing = path.join(dir, 'missing.pem');
    withEnv({ POP3_TLS_CA_FILE: missing });
    assert.throws(() => appEnv(), new RegExp(`^Error: Invalid configuration: POP3_TLS_CA_FILE: cannot read "${missing}" \\(no such file\\)`));
    withEnv({ POP3_TLS_CA_FILE: dir });
    assert.throws(() => appEnv(), /POP3_TLS_CA_FILE: cannot read ".*" \(a directory\)/);
    const notPem = path.join(dir, 'key.txt');
    writeFileSync(notPem, 'not a certificate\n');
    withEnv({ POP3_TLS_CA_FILE: notPem });
    assert.throws(() => appEnv(), /POP3_TLS_CA_FILE: ".*key\.txt" holds no PEM certificate/);
    const pem = path.join(dir, 'ca.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    withEnv({ POP3_TLS_CA_FILE: pem });
    assert.match(appEnv().tlsCa ?? '', /BEGIN CERTIFICATE/);
  });
});
