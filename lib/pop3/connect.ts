import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { Pop3Client, type Pop3ClientOptions } from './client';
import { Pop3Error } from './errors';
import { resolveLimits } from './limits';

export type Security = 'tls' | 'starttls' | 'none';

export interface TlsTrust {
  /** Trust exactly this certificate (SHA-256 fingerprint, hex, colons optional) instead of the CA chain. */
  fingerprint256?: string;
  /** Extra CA certificates (PEM). */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface ConnectOptions extends Omit<Pop3ClientOptions, 'secure' | 'startTls'> {
  /** The name the person gave: used for SNI and certificate verification. */
  host: string;
  port: number;
  security: Security;
  /** The already-resolved, already-checked address to connect to; resolved here when absent. */
  address?: string;
  trust?: TlsTrust;
}

/**
 * Opens a connection and returns a client that has read the greeting and,
 * for STARTTLS, upgraded (fail closed: no STLS, no session) and read CAPA.
 * DNS, TCP and TLS share one connect deadline; everything up to the end of
 * the caller's `login()` shares one login deadline, which the client enforces
 * once it exists. Each step gets what is left, never a fresh budget.
 */
export async function connectPop3(options: ConnectOptions): Promise<Pop3Client> {
  const limits = resolveLimits(options.limits);
  const started = Date.now();
  // A try of a login that began earlier (a retry after [IN-USE]) spends what is left of that login's budget.
  const loginDeadline = Math.min(started + limits.loginTimeoutMs, options.loginDeadline ?? Infinity);
  const connectDeadline = Math.min(started + limits.connectTimeoutMs, loginDeadline);
  const left = (deadline: number) => Math.max(1, deadline - Date.now());

  const address = options.address ?? (await withTimeout(resolveHost(options.host), left(connectDeadline), 'looking up the server'));
  const raw = await openSocket(address, options.port, left(connectDeadline));
  let transport: Duplex = raw;
  try {
    if (options.security === 'tls') transport = await secureSocket(raw, options, left(connectDeadline));
  } catch (error) {
    raw.destroy();
    throw error;
  }

  const client = await Pop3Client.open(transport, {
    limits: options.limits,
    onTranscript: options.onTranscript,
    secure: options.security === 'tls',
    // The STLS handshake spends what is left of the login, not a connect budget of its own.
    startTls: (socket) => secureSocket(socket, options, left(loginDeadline)),
    loginDeadline,
  });
  try {
    await client.capa();
    if (options.security === 'starttls') {
      if (!client.capabilities.stls && client.capaKnown) {
        throw new Pop3Error('TLS_FAILED', 'The server does not offer STARTTLS (STLS); nothing was sent.');
      }
      await client.stls();
      await client.capa();
    }
  } catch (error) {
    client.close();
    throw error;
  }
  return client;
}

async function resolveHost(host: string): Promise<string> {
  if (net.isIP(host)) return host;
  try {
    const found = await lookup(host);
    return found.address;
  } catch (cause) {
    throw new Pop3Error('CONNECT_FAILED', `The server name "${host}" could not be found.`, { cause });
  }
}

function openSocket(address: string, port: number, ms: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Pop3Error('TIMEOUT', 'Timed out connecting to the server.'));
    }, ms);
    socket.once('error', (cause: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new Pop3Error('CONNECT_FAILED', 'The server could not be reached.', { cause }));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
  });
}

function normalizeFingerprint(value: string): string {
  return value.replace(/:/g, '').toLowerCase();
}

function secureSocket(socket: Duplex, options: ConnectOptions, ms: number): Promise<tls.TLSSocket> {
  const pinned = options.trust?.fingerprint256 ? normalizeFingerprint(options.trust.fingerprint256) : undefined;
  return new Promise((resolve, reject) => {
    const secured = tls.connect({
      socket,
      host: options.host,
      servername: net.isIP(options.host) ? undefined : options.host,
      ca: options.trust?.ca,
      // With a pinned fingerprint the chain is not checked; the pin is, below, before any byte is read.
      rejectUnauthorized: pinned === undefined,
      minVersion: 'TLSv1.2',
    });
    const timer = setTimeout(() => {
      secured.destroy();
      reject(new Pop3Error('TIMEOUT', 'Timed out during the TLS handshake.'));
    }, ms);
    const onError = (cause: Error) => {
      clearTimeout(timer);
      secured.destroy();
      reject(new Pop3Error('TLS_FAILED', tlsMessage(cause), { cause }));
    };
    secured.once('error', onError);
    secured.once('secureConnect', () => {
      clearTimeout(timer);
      secured.off('error', onError);
      if (pinned !== undefined) {
        const actual = normalizeFingerprint(secured.getPeerCertificate().fingerprint256 ?? '');
        if (actual !== pinned) {
          secured.destroy();
          reject(new Pop3Error('TLS_FAILED', "The server's certificate does not match the trusted fingerprint."));
          return;
        }
      }
      resolve(secured);
    });
  });
}

function tlsMessage(cause: Error): string {
  const code = (cause as NodeJS.ErrnoException).code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|HOSTNAME|ALTNAME/.test(code) || /certificate/i.test(cause.message)) {
    return "The server's certificate could not be verified.";
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'The server closed the connection during the TLS handshake.';
  // What a plain POP3 greeting looks like to a TLS client.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER') return 'The server did not answer in TLS on this port: it may be a port for STARTTLS or plain connections.';
  return 'The TLS handshake with the server failed.';
}

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Pop3Error('TIMEOUT', `Timed out ${what}.`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
