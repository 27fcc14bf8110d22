import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { forgetLogin, readSavedLogin, saveLogin, type SavedLogin } from '../../../components/saved-login';

/** A Storage of this process's own, as the browser's localStorage behaves. */
class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, String(value));
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

const scope = globalThis as unknown as { window?: { localStorage: MemoryStorage } };
let storage: MemoryStorage;

beforeEach(() => {
  storage = new MemoryStorage();
  scope.window = { localStorage: storage };
});
afterEach(() => {
  delete scope.window;
});

describe('login settings remembered in the browser', () => {
  test('the four fields go in and come back; a password handed along is never written', () => {
    const saved: SavedLogin = { host: 'mail.example.org', security: 'starttls', port: '110', username: 'ada' };
    saveLogin({ ...saved, password: 'secret' } as SavedLogin);
    assert.equal([...storage.items.values()].join('').includes('secret'), false);
    assert.deepEqual(readSavedLogin(), saved);
    forgetLogin();
    assert.equal(readSavedLogin(), null);
  });

  test('whatever else is in the slot is read field by field, and bad values are dropped', () => {
    storage.setItem('postern.login', JSON.stringify({ host: 7, security: 'telnet', port: '99999x', username: 'bob', extra: true }));
    assert.deepEqual(readSavedLogin(), { host: '', security: 'auto', port: '', username: 'bob' });
    storage.setItem('postern.login', 'not json');
    assert.equal(readSavedLogin(), null);
  });

  test('no storage (switched off, or on the server): nothing is remembered and nothing fails', () => {
    delete scope.window;
    saveLogin({ host: 'a', security: 'tls', port: '', username: 'b' });
    assert.equal(readSavedLogin(), null);
  });
});
