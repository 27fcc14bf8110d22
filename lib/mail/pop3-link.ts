import { AppError } from '../errors';
import { loginDelays, type LoginDelayRecord } from './login-delays';
import {
  AuthMemory,
  connectPop3,
  isPop3Error,
  loginWithFallback,
  resolveLimits,
  type AuthChoice,
  type AuthMechanism,
  type LoginOptions,
  type Pop3Client,
  type Pop3Limits,
  type Security,
  type TranscriptEntry,
} from '../pop3';

export interface ServerTarget {
  host: string;
  port: number;
  security: Security;
  /** The checked address to connect to (no second DNS lookup). */
  address: string;
}

/**
 * How the session logs in. Passwords and tokens live in server memory only.
 * `saslInitialResponse: false` starts SASL with the two-line form (Microsoft's
 * XOAUTH2); left out, the one-line form is tried first and the other one
 * follows when the server refuses it as a protocol error.
 */
export type Credentials =
  | { kind: 'password'; username: string; password: string; mechanism: AuthChoice; allowInsecure: boolean; saslInitialResponse?: boolean }
  | {
      kind: 'oauth';
      username: string;
      mechanism: 'xoauth2' | 'oauthbearer';
      tokens: TokenSource;
      saslInitialResponse?: boolean;
      /** Only for a test server on a plain port: a bearer token is as good as a password to whoever reads it. */
      allowInsecure?: boolean;
    };

/** Where an OAuth session gets its access tokens (the OAuth layer keeps the refresh token). */
export interface TokenSource {
  /** A currently valid access token (refreshing first when it is about to expire). */
  accessToken(): Promise<string>;
  /** The server refused the token: refresh now and return the new one; throws AppError('REAUTH_REQUIRED') when that is impossible. */
  refresh(): Promise<string>;
}

/** What the server said about its policies (RFC 2449 EXPIRE and LOGIN-DELAY), for the person. */
export interface ServerPolicies {
  /** Days a retrieved message stays on the server; 0: it may go at once; null: never expires, or not said. */
  expireDays: number | null;
  /** Seconds the server asks for between logins; null: not said. */
  loginDelaySeconds: number | null;
}

export interface LinkDeps {
  limits?: Partial<Pop3Limits>;
  tlsCa?: string;
  onTranscript?: (entry: TranscriptEntry) => void;
  /** Before every login (after any login delay): resolves once this process may hold the connection (the session store's lease). */
  beforeLogin?: () => Promise<void>;
  /** Throws when the session ended meanwhile: it must never log in again. */
  assertLive: () => void;
}

/** A logged-in connection and what the login learned. */
export interface LinkLogin {
  client: Pop3Client;
  /** STAT, queued with the login. */
  figures: { count: number; size: number };
  capabilities: string[];
  mechanism: AuthMechanism;
  policies: ServerPolicies;
}

/**
 * Logins per account, shared by every session (and every instance, with a shared store: login-delays.ts).
 * An advertised LOGIN-DELAY is a hint (Gmail advertises 300 s and does not enforce it): logins are tried,
 * and only a server that refused one (`[LOGIN-DELAY]`, or a refusal within the delay) is waited for afterwards.
 */
async function recordLogin(key: string, delaySeconds: number, enforced: boolean, at = Date.now()): Promise<void> {
  // A record that cannot be written (Redis away) costs at most one early login: the login itself stands.
  await loginDelays().set(key, { at, delaySeconds, enforced }).catch(() => undefined);
}

async function lastLogin(key: string): Promise<LoginDelayRecord | undefined> {
  return loginDelays().get(key).catch(() => undefined);
}

/** Time left of the delay a record asks for (0 when none or over; `onlyEnforced`: only a delay the server enforced). */
function delayLeftMs(last: LoginDelayRecord | undefined, onlyEnforced = false): number {
  if (!last || last.delaySeconds <= 0 || (onlyEnforced && !last.enforced)) return 0;
  return Math.max(0, last.at + last.delaySeconds * 1000 - Date.now());
}

/** The login form that worked per server (`host:port`), for the life of the process. */
const authMemory = new AuthMemory();

/**
 * `[IN-USE]` is tried again (our own previous connection, or another instance's, may be letting go), up to
 * this many tries, and only while the login's one budget (`loginTimeoutMs`) has room for another try as long
 * as the last one took: a server that waits for its lock before it refuses (Dovecot: about 10 s) is not
 * asked four times over (49 s), and the person hears MAILBOX_IN_USE instead of a TIMEOUT.
 */
const IN_USE_RETRIES = 4;
const IN_USE_BACKOFF_MS = 500;
/** A login delay up to this long is waited out; a longer one is reported. */
const MAX_LOGIN_DELAY_WAIT_MS = 10_000;

/**
 * The way to a logged-in POP3 connection for one account: the server's login
 * delay honoured (waited out when short, reported when long), the connection
 * lease taken, `[IN-USE]` retried while a previous connection lets go, a
 * refused OAuth token refreshed once, and a login refused for another reason
 * than the credentials tried another way (loginWithFallback). Callers hold
 * the session's lock.
 */
export class Pop3Link {
  constructor(
    private readonly target: ServerTarget,
    private readonly credentials: Credentials,
    private readonly deps: LinkDeps,
  ) {}

  /** Time left of the delay the server asked for since our last login (0 when none or over). */
  async loginDelayRemainingMs(onlyEnforced = false): Promise<number> {
    return delayLeftMs(await lastLogin(this.accountKey()), onlyEnforced);
  }

  async login(): Promise<LinkLogin> {
    // Only a delay the server has enforced is waited for; an advertised one is tried.
    const last = await lastLogin(this.accountKey());
    const wait = delayLeftMs(last, true);
    if (wait > MAX_LOGIN_DELAY_WAIT_MS) {
      throw new AppError('LOGIN_DELAY', 'The mail server asks to wait before logging in again.', { retryAfter: Math.ceil(wait / 1000) });
    }
    if (wait > 0) await sleep(wait);
    // Another instance may hold this session's connection: it lets go first (lib/session-store, docs/session-store.md).
    await this.deps.beforeLogin?.();
    this.deps.assertLive();

    const credentials = this.credentials;
    let accessToken = credentials.kind === 'oauth' ? await credentials.tokens.accessToken() : undefined;
    let refreshed = false;
    const deadline = Date.now() + resolveLimits(this.deps.limits).loginTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      const tried = Date.now();
      try {
        return await this.loginOnce(accessToken, last?.enforced ?? false, deadline);
      } catch (error) {
        // Our own previous connection (or another instance's) may still hold the maildrop lock for a moment.
        const backoff = IN_USE_BACKOFF_MS * attempt;
        const roomForAnother = Date.now() + backoff + (Date.now() - tried) <= deadline;
        if (isPop3Error(error) && error.code === 'IN_USE' && attempt < IN_USE_RETRIES && roomForAnother) {
          await sleep(backoff);
          continue;
        }
        // A refused token is refreshed once; a refresh that fails (REAUTH_REQUIRED) propagates.
        if (credentials.kind === 'oauth' && isPop3Error(error) && error.code === 'AUTH_FAILED' && !refreshed) {
          refreshed = true;
          accessToken = await credentials.tokens.refresh();
          continue;
        }
        throw (await this.loginDelayError(error)) ?? error;
      }
    }
  }

  private accountKey(): string {
    return `${this.target.host.toLowerCase()}:${this.target.port}:${this.credentials.username}`;
  }

  private serverKey(): string {
    return `${this.target.host.toLowerCase()}:${this.target.port}`;
  }

  /** `[LOGIN-DELAY]`, or a code-less refusal within the delay the server advertised, as LOGIN_DELAY (429). */
  private async loginDelayError(error: unknown): Promise<AppError | undefined> {
    if (!isPop3Error(error)) return undefined;
    const last = await lastLogin(this.accountKey());
    const remaining = delayLeftMs(last);
    const explicit = error.code === 'LOGIN_DELAY';
    const withinDelay = error.code === 'AUTH_FAILED' && error.respCode === undefined && remaining > 0;
    if (!explicit && !withinDelay) return undefined;
    const retryAfter = remaining > 0 ? Math.ceil(remaining / 1000) : last?.delaySeconds || 60;
    // From now on this server's delay is real: wait it out (or report it) instead of trying.
    await recordLogin(this.accountKey(), last?.delaySeconds || retryAfter, true, last?.at ?? Date.now());
    return new AppError('LOGIN_DELAY', 'The mail server asks to wait before logging in again.', { retryAfter, cause: error });
  }

  private loginOptions(accessToken: string | undefined): LoginOptions {
    const credentials = this.credentials;
    const server = { host: this.target.host, port: this.target.port };
    if (credentials.kind === 'oauth') {
      return {
        username: credentials.username,
        accessToken,
        mechanism: credentials.mechanism,
        allowInsecure: credentials.allowInsecure ?? false,
        saslInitialResponse: credentials.saslInitialResponse,
        server,
      };
    }
    return {
      username: credentials.username,
      password: credentials.password,
      mechanism: credentials.mechanism,
      allowInsecure: credentials.allowInsecure,
      saslInitialResponse: credentials.saslInitialResponse,
      server,
    };
  }

  private openConnection(loginDeadline: number): Promise<Pop3Client> {
    return connectPop3({
      loginDeadline,
      host: this.target.host,
      port: this.target.port,
      security: this.target.security,
      address: this.target.address,
      trust: this.deps.tlsCa ? { ca: this.deps.tlsCa } : undefined,
      limits: this.deps.limits,
      onTranscript: this.deps.onTranscript,
    });
  }

  /** `enforced`: the server was known to enforce its delay before this login (kept in the new record); `deadline`: the end of the whole login, retries included. */
  private async loginOnce(accessToken: string | undefined, enforced: boolean, deadline: number): Promise<LinkLogin> {
    const first = await this.openConnection(deadline);
    let client = first;
    try {
      // The login, CAPA and STAT are queued at once: with PIPELINING, one round trip for all of it.
      // A login refused for a reason other than the credentials is tried another way (loginWithFallback).
      const loggedIn = await loginWithFallback(first, this.loginOptions(accessToken), {
        reopen: () => this.openConnection(deadline),
        remembered: authMemory.get(this.serverKey()),
        queueAfterLogin: (next) => {
          const capa = next.capa();
          const stat = next.stat();
          capa.catch(() => undefined);
          stat.catch(() => undefined);
          return { capa, stat };
        },
      });
      client = loggedIn.client;
      authMemory.remember(this.serverKey(), loggedIn.attempt);
      const [caps, figures] = await Promise.all([loggedIn.queued.capa, loggedIn.queued.stat]);
      // What the server says after login is what holds for this user (RFC 2449: `EXPIRE n USER` before
      // login only says it varies); a server that does not answer CAPA then has stated nothing.
      const stated = client.capaKnown ? caps : undefined;
      const policies = {
        expireDays: typeof stated?.expire === 'number' ? stated.expire : null,
        loginDelaySeconds: stated?.loginDelaySeconds ?? null,
      };
      await recordLogin(this.accountKey(), caps.loginDelaySeconds ?? 0, enforced);
      this.deps.assertLive(); // closed during the login
      return { client, figures, capabilities: caps.names, mechanism: loggedIn.mechanism, policies };
    } catch (error) {
      first.close();
      client.close();
      throw error;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
