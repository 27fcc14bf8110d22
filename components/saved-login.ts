import type { Security } from './api-client';

/**
 * The login form's settings remembered in this browser after a login that worked: server,
 * security, port and user name, so the next visit only asks for the password. Never the
 * password (it stays in the Postern server's memory only while logged in).
 */
export interface SavedLogin {
  host: string;
  security: 'auto' | Security;
  port: string;
  username: string;
}

const KEY = 'postern.login';
const SECURITIES: ReadonlySet<string> = new Set(['auto', 'tls', 'starttls', 'none']);

function storage(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    // Storage can be switched off (privacy settings); the form then simply starts empty.
    return null;
  }
}

/** What was saved, checked field by field: anything else in the slot is ignored. */
export function readSavedLogin(): SavedLogin | null {
  const raw = storage()?.getItem(KEY);
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const record = value as Record<string, unknown>;
    const text = (field: string, max: number) => {
      const found = record[field];
      return typeof found === 'string' && found.length <= max ? found : '';
    };
    const security = text('security', 10);
    return {
      host: text('host', 253),
      security: SECURITIES.has(security) ? (security as SavedLogin['security']) : 'auto',
      port: /^\d{1,5}$/.test(text('port', 5)) ? text('port', 5) : '',
      username: text('username', 320),
    };
  } catch {
    return null;
  }
}

export function saveLogin(saved: SavedLogin): void {
  try {
    // Only these four fields, spelled out, so nothing else (a password) can ever be written here.
    const { host, security, port, username } = saved;
    storage()?.setItem(KEY, JSON.stringify({ host, security, port, username }));
  } catch {
    // Full or switched off: remembering is a convenience.
  }
}

export function forgetLogin(): void {
  try {
    storage()?.removeItem(KEY);
  } catch {
    // As above.
  }
}
