import { randomBytes } from 'node:crypto';
import { AppError } from '../errors';
import type { MailSession } from './mail-session';

export interface PoolOptions {
  maxSessions: number;
  idleMs: number;
  /** NOOP a connection idle this long, so the server does not drop it. */
  keepAliveMs: number;
  /** Close the POP3 connection of a session its person has not used for this long (0: never); the session stays. */
  closeIdleMs?: number;
}

/** However short the idle times configured, sessions are looked at no more often than this. */
const MIN_SWEEP_MS = 1_000;

export interface PoolSlot {
  release(): void;
}

/**
 * Server-held sessions by random token. Bounded (max sessions, idle expiry).
 * Idle expiry closes the connection WITHOUT QUIT: the server forgets the
 * marks, so nothing is ever deleted that the person did not apply.
 */
export class SessionPool {
  private readonly sessions = new Map<string, MailSession>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly sweepMs: number;
  private readonly closeIdleMs: number;
  /** Places taken by logins still connecting. */
  private reserved = 0;

  constructor(private readonly options: PoolOptions) {
    this.closeIdleMs = options.closeIdleMs ?? 0;
    this.sweepMs = Math.max(MIN_SWEEP_MS, Math.min(30_000, options.keepAliveMs, this.closeIdleMs > 0 ? this.closeIdleMs / 2 : Infinity));
    this.sweeper = setInterval(() => this.sweep(), this.sweepMs);
    this.sweeper.unref();
  }

  static newToken(): string {
    return randomBytes(32).toString('base64url');
  }

  get size(): number {
    return this.sessions.size;
  }

  /**
   * Takes a place for a session about to be opened, before any connection is
   * made: a full pool answers SERVICE_BUSY without a byte sent to a mail
   * server, and parallel logins cannot all pass one check. The place is given
   * back with `release()` (failed login) or taken over by `add()`.
   */
  reserve(): PoolSlot {
    this.sweep();
    if (this.sessions.size + this.reserved >= this.options.maxSessions) {
      throw new AppError('SERVICE_BUSY', 'Too many people are signed in right now. Try again in a few minutes.');
    }
    this.reserved++;
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.reserved--;
      },
    };
  }

  /** Keeps an opened session in the place `slot` reserved for it. */
  add(session: MailSession, slot: PoolSlot): void {
    slot.release();
    this.sessions.set(session.token, session);
  }

  /** This process holds the session (expired or not). */
  has(token: string): boolean {
    return this.sessions.has(token);
  }

  get(token: string | undefined): MailSession | undefined {
    if (!token) return undefined;
    const session = this.sessions.get(token);
    if (!session) return undefined;
    if (this.expired(session)) {
      this.expire(token);
      return undefined;
    }
    return session;
  }

  remove(token: string): void {
    const session = this.sessions.get(token);
    this.sessions.delete(token);
    session?.close();
  }

  /** Told of each session that ended idle here (the in-process store forgets it too). */
  onExpired: ((token: string) => void) | undefined;

  private expire(token: string): void {
    this.remove(token);
    this.onExpired?.(token);
  }

  private expired(session: MailSession): boolean {
    return !session.busy && Date.now() - session.lastUsed > this.options.idleMs;
  }

  /**
   * Connected, and not used by its person for `closeIdleMs`, nor within the delay the server asks for
   * between logins (LOGIN-DELAY): the next request's login must not be one the server refuses. Nor while
   * work of its own is still going (the background header fill takes the lock chunk by chunk): closed
   * between two chunks, the connection would be opened again for the next one.
   */
  private unused(session: MailSession, now: number): boolean {
    return (
      this.closeIdleMs > 0 &&
      session.connected &&
      now - session.lastUsed > Math.max(this.closeIdleMs, session.loginDelayMs) &&
      now - session.lastActivity > this.sweepMs
    );
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, session] of this.sessions) {
      if (this.expired(session)) this.expire(token);
      else if (this.unused(session, now)) void session.releaseConnection().catch(() => undefined);
      else if (now - session.lastActivity > this.options.keepAliveMs) void session.keepAlive();
    }
  }
}
