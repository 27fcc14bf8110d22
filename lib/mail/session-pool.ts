import { randomBytes } from 'node:crypto';
import { AppError } from '../errors';
import type { MailSession } from './mail-session';

export interface PoolOptions {
  maxSessions: number;
  idleMs: number;
  /** NOOP a connection idle this long, so the server does not drop it. */
  keepAliveMs: number;
}

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
  /** Places taken by logins still connecting. */
  private reserved = 0;

  constructor(private readonly options: PoolOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(30_000, options.keepAliveMs));
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
      this.remove(token);
      return undefined;
    }
    return session;
  }

  remove(token: string): void {
    const session = this.sessions.get(token);
    this.sessions.delete(token);
    session?.close();
  }

  private expired(session: MailSession): boolean {
    return !session.busy && Date.now() - session.lastUsed > this.options.idleMs;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [token, session] of this.sessions) {
      if (this.expired(session)) this.remove(token);
      else if (now - session.lastActivity > this.options.keepAliveMs) void session.keepAlive();
    }
  }
}
