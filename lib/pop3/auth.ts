import { createHash } from 'node:crypto';
import { Pop3Error } from './errors';
import type { Capabilities } from './parse';

export type PasswordMechanism = 'user' | 'apop' | 'sasl-plain';
/** OAuth 2.0 bearer tokens over SASL: Google's and Microsoft's XOAUTH2, and RFC 7628 OAUTHBEARER. */
export type TokenMechanism = 'xoauth2' | 'oauthbearer';
export type AuthMechanism = PasswordMechanism | TokenMechanism;
export type AuthChoice = 'auto' | AuthMechanism;

/** What the person proves who they are with. */
export type SecretKind = 'password' | 'token';

export interface AuthContext {
  capabilities: Capabilities;
  /** True when CAPA answered at all; RFC 1939-only servers still accept USER/PASS. */
  capaKnown: boolean;
  apopTimestamp?: string;
  secure: boolean;
}

/**
 * One way to log in: a mechanism, and for SASL whether the response rides on
 * the AUTH line (RFC 5034 initial response, Google's one-line XOAUTH2) or
 * follows the server's `+ ` (Microsoft's two-line form).
 */
export interface AuthAttempt {
  mechanism: AuthMechanism;
  initialResponse: boolean;
}

const SASL_NAME: Record<AuthMechanism, string | undefined> = {
  user: undefined,
  apop: undefined,
  'sasl-plain': 'PLAIN',
  xoauth2: 'XOAUTH2',
  oauthbearer: 'OAUTHBEARER',
};

export function isTokenMechanism(mechanism: AuthMechanism): mechanism is TokenMechanism {
  return mechanism === 'xoauth2' || mechanism === 'oauthbearer';
}

export function isSasl(mechanism: AuthMechanism): boolean {
  return SASL_NAME[mechanism] !== undefined;
}

function offered(mechanism: AuthMechanism, ctx: AuthContext): boolean {
  switch (mechanism) {
    case 'sasl-plain':
    case 'xoauth2':
    case 'oauthbearer':
      return ctx.capabilities.sasl.includes(SASL_NAME[mechanism]!);
    case 'user':
      return ctx.capabilities.user || !ctx.capaKnown;
    case 'apop':
      return ctx.apopTimestamp !== undefined;
  }
}

/**
 * The order `auto` tries mechanisms in, strongest first; a mechanism that
 * fails for a reason other than the credentials hands over to the next one.
 *
 * Passwords over TLS: SASL PLAIN (the standard, RFC 5034), then USER/PASS,
 * then APOP (it needs the server to keep the password in the clear and rests
 * on MD5; some servers put a timestamp in the greeting and never accept it).
 * Over a plain connection (only when the person allowed it) APOP comes first:
 * it is the only one that does not put the password itself on the wire.
 * Tokens: OAUTHBEARER (the standard, RFC 7628), then XOAUTH2.
 */
export function mechanismOrder(kind: SecretKind, secure: boolean): AuthMechanism[] {
  if (kind === 'token') return ['oauthbearer', 'xoauth2'];
  return secure ? ['sasl-plain', 'user', 'apop'] : ['apop', 'sasl-plain', 'user'];
}

/** The single mechanism `choice` means on this server (the first of `authPlan`). */
export function chooseMechanism(choice: AuthChoice, ctx: AuthContext, kind: SecretKind = 'password'): AuthMechanism {
  return authPlan(choice, ctx, kind)[0]!.mechanism;
}

/**
 * Every attempt a login may make, in order. An explicit choice is one
 * mechanism (its SASL forms both, the preferred first); `auto` is every
 * offered mechanism of `mechanismOrder`. `remembered` (what worked on this
 * server before) goes first when it is part of the plan.
 */
export function authPlan(
  choice: AuthChoice,
  ctx: AuthContext,
  kind: SecretKind,
  options: { initialResponse?: boolean; remembered?: AuthAttempt } = {},
): AuthAttempt[] {
  const preferInitial = options.initialResponse ?? true;
  let mechanisms: AuthMechanism[];
  if (choice !== 'auto') {
    if (isTokenMechanism(choice) !== (kind === 'token')) {
      throw new Pop3Error('INVALID_ARGUMENT', `${describeMechanism(choice)} needs ${kind === 'token' ? 'a password' : 'an access token'}.`);
    }
    // Token mechanisms are tried even when CAPA does not list them: providers that take OAuth
    // do not always advertise it before login, and a refusal costs nothing but a round trip.
    if (!isTokenMechanism(choice) && !offered(choice, ctx)) {
      throw new Pop3Error('UNSUPPORTED', `The server does not offer ${describeMechanism(choice)} login.`);
    }
    mechanisms = [choice];
  } else {
    const order = mechanismOrder(kind, ctx.secure);
    mechanisms = order.filter((mechanism) => offered(mechanism, ctx));
    if (mechanisms.length === 0) {
      // A server that advertises nothing usable may still take USER/PASS (RFC 1939's baseline);
      // with a token, XOAUTH2 is what the big providers take.
      mechanisms = [kind === 'token' ? 'xoauth2' : 'user'];
    }
  }
  const plan: AuthAttempt[] = mechanisms.flatMap((mechanism) =>
    isSasl(mechanism)
      ? [
          { mechanism, initialResponse: preferInitial },
          { mechanism, initialResponse: !preferInitial },
        ]
      : [{ mechanism, initialResponse: false }],
  );
  const remembered = options.remembered;
  if (remembered) {
    const index = plan.findIndex((a) => a.mechanism === remembered.mechanism && a.initialResponse === remembered.initialResponse);
    if (index > 0) plan.unshift(...plan.splice(index, 1));
  }
  return plan;
}

export function describeMechanism(mechanism: AuthMechanism): string {
  switch (mechanism) {
    case 'user':
      return 'USER/PASS';
    case 'apop':
      return 'APOP';
    case 'sasl-plain':
      return 'SASL PLAIN';
    case 'xoauth2':
      return 'XOAUTH2';
    case 'oauthbearer':
      return 'OAUTHBEARER';
  }
}

export function saslName(mechanism: AuthMechanism): string {
  const name = SASL_NAME[mechanism];
  if (!name) throw new Pop3Error('INVALID_ARGUMENT', `${describeMechanism(mechanism)} is not a SASL mechanism.`);
  return name;
}

/** RFC 1939 §7: MD5 of the greeting's timestamp followed by the shared secret, in lower-case hex. */
export function apopDigest(timestamp: string, password: string): string {
  return createHash('md5').update(timestamp + password, 'utf8').digest('hex');
}

/** RFC 4616 PLAIN message: authzid NUL authcid NUL passwd, base64. */
export function saslPlainResponse(username: string, password: string): string {
  return Buffer.from(`\0${username}\0${password}`, 'utf8').toString('base64');
}

/** Google's and Microsoft's XOAUTH2: `user=U ^A auth=Bearer T ^A ^A`, base64. */
export function xoauth2Response(username: string, accessToken: string): string {
  return Buffer.from(`user=${username}\x01auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
}

/**
 * RFC 7628 OAUTHBEARER: a GS2 header naming the user (RFC 5801 saslname:
 * `,` and `=` escaped), then host and port of the server the token is for,
 * then the bearer token, base64.
 */
export function oauthBearerResponse(username: string, accessToken: string, server?: { host: string; port: number }): string {
  const authzid = username.replace(/=/g, '=3D').replace(/,/g, '=2C');
  const where = server ? `host=${server.host}\x01port=${server.port}\x01` : '';
  return Buffer.from(`n,a=${authzid},\x01${where}auth=Bearer ${accessToken}\x01\x01`, 'utf8').toString('base64');
}

/**
 * RFC 7628 §3.2.2: what the client sends after an error challenge, to let the
 * server finish with -ERR. XOAUTH2 (Google's documentation) takes an empty line.
 */
export function errorChallengeReply(mechanism: TokenMechanism): string {
  return mechanism === 'oauthbearer' ? 'AQ==' : '';
}

/** Why the server refused a token, decoded from its `+ <base64 JSON>` error challenge. */
export interface OAuthRefusal {
  status?: string;
  scope?: string;
  schemes?: string;
}

/** Decodes an error challenge; undefined when it is not base64 JSON (then it says nothing we can use). */
export function decodeErrorChallenge(text: string): OAuthRefusal | undefined {
  const trimmed = text.trim();
  if (!trimmed || !/^[A-Za-z0-9+/]+=*$/.test(trimmed) || trimmed.length > 4096) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(trimmed, 'base64').toString('utf8'));
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    const field = (name: string) => (typeof record[name] === 'string' || typeof record[name] === 'number' ? String(record[name]) : undefined);
    return { status: field('status'), scope: field('scope'), schemes: field('schemes') };
  } catch {
    return undefined;
  }
}

/** The refusal in words, for logs and error details. */
export function describeRefusal(refusal: OAuthRefusal): string {
  const parts: string[] = [];
  if (refusal.status) parts.push(`status ${refusal.status}`);
  if (refusal.scope) parts.push(`scope needed: ${refusal.scope}`);
  if (refusal.schemes) parts.push(`schemes: ${refusal.schemes}`);
  return parts.join('; ');
}
