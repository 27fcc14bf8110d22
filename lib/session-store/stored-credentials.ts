import type { Credentials } from '../mail/mail-session';
import type { AuthChoice } from '../pop3';
import type { SecretBox } from './secret-box';

/** OAuth tokens as a store keeps them (inside the sealed secret). */
export interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt?: number;
}

/** The credentials as sealed into a session record: everything needed to log in again, from any instance. */
export type StoredSecret =
  | { kind: 'password'; password: string; mechanism: AuthChoice; allowInsecure: boolean; saslInitialResponse?: boolean }
  | {
      kind: 'oauth';
      /** The configured provider's name, to refresh with. */
      provider: string;
      mechanism: 'xoauth2' | 'oauthbearer';
      tokens: StoredTokens;
      saslInitialResponse?: boolean;
      allowInsecure?: boolean;
    };

/** A password login's secret (OAuth sessions build theirs from their token source). */
export function passwordSecret(credentials: Extract<Credentials, { kind: 'password' }>): StoredSecret {
  const { password, mechanism, allowInsecure, saslInitialResponse } = credentials;
  return { kind: 'password', password, mechanism, allowInsecure, ...(saslInitialResponse === undefined ? {} : { saslInitialResponse }) };
}

/** Sealed under the session's token: a sealed secret moved to another record does not open. */
export function sealSecret(box: SecretBox, token: string, secret: StoredSecret): string {
  return box.seal(JSON.stringify(secret), `postern-session:${token}`);
}

export function openSecret(box: SecretBox, token: string, sealed: string): StoredSecret {
  return JSON.parse(box.open(sealed, `postern-session:${token}`)) as StoredSecret;
}
