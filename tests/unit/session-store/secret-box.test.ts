import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { appEnv, resetAppEnv } from '../../../lib/config/env';
import { SecretBox, parseSessionKeys } from '../../../lib/session-store/secret-box';
import { openSecret, sealSecret } from '../../../lib/session-store/stored-credentials';

const key = () => randomBytes(32).toString('base64');

describe('SecretBox', () => {
  test('seals with AES-256-GCM: the password is not in the sealed form, and it opens again', () => {
    const box = SecretBox.fromEnv(key());
    const sealed = sealSecret(box, 'token-1', { kind: 'password', password: 'correct horse', mechanism: 'auto', allowInsecure: false });
    assert.ok(!sealed.includes('correct'), sealed);
    assert.ok(!Buffer.from(sealed.split('.')[3]!, 'base64url').toString('latin1').includes('correct horse'));
    assert.deepEqual(openSecret(box, 'token-1', sealed), { kind: 'password', password: 'correct horse', mechanism: 'auto', allowInsecure: false });
  });

  test('a sealed secret is bound to its session: moved to another token it does not open', () => {
    const box = SecretBox.fromEnv(key());
    const sealed = box.seal('secret', 'postern-session:a');
    assert.throws(() => box.open(sealed, 'postern-session:b'));
  });

  test('an altered byte is refused (the tag is checked)', () => {
    const box = SecretBox.fromEnv(key());
    const parts = box.seal('secret', 'ctx').split('.');
    const data = Buffer.from(parts[3]!, 'base64url');
    data[0]! ^= 1;
    parts[3] = data.toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'ctx'));
  });

  test('rotation: the first key seals, any listed key opens; a key taken off the list no longer opens', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealedOld = SecretBox.fromEnv(oldKey).seal('kept', 'ctx');
    const rotated = SecretBox.fromEnv(`${newKey},${oldKey}`);
    assert.equal(rotated.open(sealedOld, 'ctx'), 'kept');
    const sealedNew = rotated.seal('fresh', 'ctx');
    assert.equal(SecretBox.fromEnv(newKey).open(sealedNew, 'ctx'), 'fresh');
    assert.throws(() => SecretBox.fromEnv(oldKey).open(sealedNew, 'ctx'), /no longer configured/);
  });

  test('a sealed value names its key by a public fingerprint: known or not here, current or worth sealing again', () => {
    const [oldKey, newKey] = [key(), key()];
    const sealedOld = SecretBox.fromEnv(oldKey).seal('kept', 'ctx');
    const id = SecretBox.keyIdOf(sealedOld);
    assert.match(id ?? '', /^[0-9a-f]{8}$/);
    assert.ok(!Buffer.from(oldKey, 'base64').toString('hex').includes(id!), 'the fingerprint is not part of the key');
    assert.equal(SecretBox.keyIdOf('not sealed'), undefined);
    const rotated = SecretBox.fromEnv(`${newKey},${oldKey}`);
    assert.ok(rotated.hasKey(id!));
    assert.ok(!SecretBox.fromEnv(newKey).hasKey(id!));
    assert.ok(!rotated.isCurrent(sealedOld), 'sealed under the second key: seal again');
    assert.ok(rotated.isCurrent(rotated.seal('fresh', 'ctx')));
  });

  test('keys must be base64 of 32 bytes', () => {
    assert.throws(() => parseSessionKeys(randomBytes(16).toString('base64')), /32 bytes/);
    assert.throws(() => parseSessionKeys('not base64!'), /not base64/);
    assert.throws(() => parseSessionKeys(' , '), /empty/);
    assert.equal(parseSessionKeys(`${key()}, ${key()}`).length, 2);
  });
});

describe('POSTERN_SESSION_STORE and POSTERN_SESSION_KEY at start-up', () => {
  function withEnv(values: Record<string, string | undefined>, check: () => void): void {
    const saved = { store: process.env.POSTERN_SESSION_STORE, key: process.env.POSTERN_SESSION_KEY };
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetAppEnv();
    try {
      check();
    } finally {
      for (const [name, value] of [['POSTERN_SESSION_STORE', saved.store], ['POSTERN_SESSION_KEY', saved.key]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      resetAppEnv();
    }
  }

  test('a shared store without a key refuses to start, saying what to set', () => {
    withEnv({ POSTERN_SESSION_STORE: 'redis://127.0.0.1:6379/0', POSTERN_SESSION_KEY: undefined }, () => {
      assert.throws(() => appEnv(), /POSTERN_SESSION_KEY.*openssl rand -base64 32/);
    });
  });

  test('a wrong key or store URL refuses to start; a good pair starts', () => {
    withEnv({ POSTERN_SESSION_STORE: 'redis://127.0.0.1:6379/0', POSTERN_SESSION_KEY: 'c2hvcnQ=' }, () => {
      assert.throws(() => appEnv(), /POSTERN_SESSION_KEY.*32 bytes/);
    });
    withEnv({ POSTERN_SESSION_STORE: 'memcached://x', POSTERN_SESSION_KEY: key() }, () => {
      assert.throws(() => appEnv(), /POSTERN_SESSION_STORE must be redis/);
    });
    withEnv({ POSTERN_SESSION_STORE: 'redis://127.0.0.1:6379/2', POSTERN_SESSION_KEY: `${key()},${key()}` }, () => {
      assert.equal(appEnv().POSTERN_SESSION_STORE, 'redis://127.0.0.1:6379/2');
    });
    withEnv({ POSTERN_SESSION_STORE: undefined, POSTERN_SESSION_KEY: undefined }, () => {
      assert.equal(appEnv().POSTERN_SESSION_STORE, undefined);
    });
  });
});
