/**
 * What every real POP3 server harness started by the tests exposes.
 * Harnesses live beside this file (dovecot.ts, mailutils.ts, popa3d.ts, ...),
 * each exporting `start<Name>(options: StartOptions): Promise<RunningServer>`.
 */

export type Security = 'tls' | 'starttls' | 'none';

export interface TestUser {
  name: string;
  password: string;
  /** Messages as stored on disk (LF line ends), oldest first: message 1 is the first. */
  messages: Buffer[];
}

export interface StartOptions {
  users: TestUser[];
  /** Server-specific switches, e.g. dovecot's pop3_lock_session. */
  lockSession?: boolean;
}

export interface RunningServer {
  /** 'dovecot' | 'mailutils' | 'popa3d' | ... */
  name: string;
  version: string;
  host: '127.0.0.1';
  /** Plain port (STLS available when `supports.stls`). */
  port: number;
  /** Implicit TLS port, when the server has one. */
  tlsPort?: number;
  /** PEM of the self-signed server certificate and its SHA-256 fingerprint (hex, lowercase, no colons). */
  certPem?: string;
  certFingerprint256?: string;
  /** What this server can do, for parameterised suites. */
  supports: {
    stls: boolean;
    implicitTls: boolean;
    apop: boolean;
    saslPlain: boolean;
    user: boolean;
    capa: boolean;
  };
  /** The exact bytes a user's message i (1-based) is served as by RETR, per RFC 1939 (CRLF line ends, unstuffed). */
  expectedRetr(user: string, number: number): Buffer;
  /** Deliver one more message into the user's maildrop (appears in new sessions). */
  deliver(user: string, message: Buffer): Promise<void>;
  /** How many messages are stored for the user right now (read from disk). */
  storedCount(user: string): Promise<number>;
  /** The protocol log lines of the server, if it keeps one (for asserting which commands it saw). */
  logText(): Promise<string>;
  stop(): Promise<void>;
}
