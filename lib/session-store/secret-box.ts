import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for what a session store must never hold in clear: passwords
 * and OAuth tokens. Keys come from POSTERN_SESSION_KEY (base64 of 32 random
 * bytes, a comma list for rotation): the first key encrypts, any key
 * decrypts. The sealed form names its key by a short fingerprint, so a
 * rotation needs no trial decryption.
 *
 * Sealed: `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url parts).
 * The additional data binds a sealed value to its session, so a value copied
 * to another session's record does not open.
 */
export class SecretBox {
  private readonly keys: { id: string; key: Buffer }[];

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    this.keys = keys.map((key) => {
      if (key.length !== 32) throw new Error('a session key must be 32 bytes');
      return { id: keyId(key), key };
    });
  }

  /** POSTERN_SESSION_KEY's form: base64 keys, comma separated. Throws on anything else. */
  static fromEnv(value: string): SecretBox {
    return new SecretBox(parseSessionKeys(value));
  }

  seal(plain: string, context: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The fingerprint of the key a sealed value names (8 hex digits, public), or undefined when it is not sealed. */
  static keyIdOf(sealed: string): string | undefined {
    const [version, id] = sealed.split('.');
    return version === 'v1' && id ? id : undefined;
  }

  /** True when one of this box's keys has that fingerprint. */
  hasKey(id: string): boolean {
    return this.keys.some((candidate) => candidate.id === id);
  }

  /** True when the value is sealed under the key that seals now (the first): otherwise it is worth sealing again. */
  isCurrent(sealed: string): boolean {
    return SecretBox.keyIdOf(sealed) === this.keys[0]!.id;
  }

  /** The plain text; throws when no key opens it or it was altered. */
  open(sealed: string, context: string): string {
    const [version, id, iv, data, tag] = sealed.split('.');
    if (version !== 'v1' || id === undefined || iv === undefined || data === undefined || tag === undefined) {
      throw new Error('not a sealed session secret');
    }
    const entry = this.keys.find((candidate) => candidate.id === id);
    if (!entry) throw new Error('sealed with a key that is no longer configured');
    const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** The keys of POSTERN_SESSION_KEY; throws with a sentence saying what is wrong. */
export function parseSessionKeys(value: string): Buffer[] {
  const parts = value.split(',').map((part) => part.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('POSTERN_SESSION_KEY is empty');
  return parts.map((part, i) => {
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(part)) throw new Error(`POSTERN_SESSION_KEY key ${i + 1} is not base64`);
    const key = Buffer.from(part, 'base64');
    if (key.length !== 32) throw new Error(`POSTERN_SESSION_KEY key ${i + 1} must be 32 bytes (base64 of \`openssl rand -base64 32\`), not ${key.length}`);
    return key;
  });
}

/** A key's public name: 8 hex digits of a hash, reveals nothing usable about the key. */
function keyId(key: Buffer): string {
  return createHash('sha256').update('postern-session-key-id').update(key).digest('hex').slice(0, 8);
}
