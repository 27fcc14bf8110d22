import { createHash } from 'node:crypto';
import { Pop3Error } from './errors';
import type { Capabilities } from './parse';

export type AuthMechanism = 'user' | 'apop' | 'sasl-plain';
export type AuthChoice = 'auto' | AuthMechanism;

export interface AuthContext {
  capabilities: Capabilities;
  /** True when CAPA answered at all; RFC 1939-only servers still accept USER/PASS. */
  capaKnown: boolean;
  apopTimestamp?: string;
  secure: boolean;
}

/**
 * `auto` picks the strongest mechanism the server offers. Over TLS the channel
 * already protects the password, so SASL PLAIN (the standard, RFC 5034) comes
 * first, then USER/PASS; APOP last, because it needs the server to store the
 * password in the clear and rests on MD5. Over a plain connection (only when
 * the caller allowed it) APOP comes first: it is the only one that does not
 * put the password itself on the wire.
 */
export function chooseMechanism(choice: AuthChoice, ctx: AuthContext): AuthMechanism {
  const offers: Record<AuthMechanism, boolean> = {
    'sasl-plain': ctx.capabilities.sasl.includes('PLAIN'),
    user: ctx.capabilities.user || !ctx.capaKnown,
    apop: ctx.apopTimestamp !== undefined,
  };
  if (choice !== 'auto') {
    if (!offers[choice]) {
      throw new Pop3Error('UNSUPPORTED', `The server does not offer ${describeMechanism(choice)} login.`);
    }
    return choice;
  }
  const order: AuthMechanism[] = ctx.secure ? ['sasl-plain', 'user', 'apop'] : ['apop', 'sasl-plain', 'user'];
  const found = order.find((mechanism) => offers[mechanism]);
  // A server that advertises nothing usable may still take USER/PASS: RFC 1939 makes it the baseline.
  return found ?? 'user';
}

export function describeMechanism(mechanism: AuthMechanism): string {
  switch (mechanism) {
    case 'user':
      return 'USER/PASS';
    case 'apop':
      return 'APOP';
    case 'sasl-plain':
      return 'SASL PLAIN';
  }
}

/** RFC 1939 §7: MD5 of the greeting's timestamp followed by the shared secret, in lower-case hex. */
export function apopDigest(timestamp: string, password: string): string {
  return createHash('md5').update(timestamp + password, 'utf8').digest('hex');
}

/** RFC 4616 PLAIN message: authzid NUL authcid NUL passwd, base64. */
export function saslPlainResponse(username: string, password: string): string {
  return Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
}
