import { readFileSync } from 'node:fs';
import net from 'node:net';
import { z } from 'zod';
import type { Pop3Limits } from '../pop3';
import { parseHostPolicy } from '../security/host-policy';
import { parseSessionKeys } from '../session-store/secret-box';

/** Everything the app reads from its environment, validated once. */
const schema = z.object({
  POP3_ALLOWED_HOSTS: z.string().default(''),
  POP3_ALLOWED_PORTS: z.string().default('110,995'),
  POP3_SERVER: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}:(tls|starttls|none)$/, 'POP3_SERVER must be host:port:security (tls, starttls or none)')
    .optional(),
  /** A PEM file of extra CA certificates to trust (for self-signed test or company servers). */
  POP3_TLS_CA_FILE: z.string().optional(),
  /** Reverse proxies in front of the app that append the client address to X-Forwarded-For. */
  POSTERN_TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Set by scripts/serve.mjs in each worker: how many share the port (and the login limits, without a shared store). */
  POSTERN_WORKER_COUNT: z.coerce.number().int().min(1).max(64).default(1),
  /** Login attempts allowed per client address per 10 minutes. */
  POSTERN_LOGINS_PER_CLIENT: z.coerce.number().int().min(1).max(100_000).default(30),
  POSTERN_MAX_SESSIONS: z.coerce.number().int().min(1).max(100_000).default(1000),
  POSTERN_SESSION_IDLE_MINUTES: z.coerce.number().min(1).max(24 * 60).default(30),
  /**
   * A session its person has not used for this long lets go of its POP3 connection (the session lives on;
   * its next request logs in again): connections follow the people using Postern, not the ones merely
   * logged in, which is what a provider's per-IP connection limit counts. 0: kept until the session expires.
   */
  POSTERN_POP3_IDLE_CLOSE_MINUTES: z.coerce.number().min(0).max(24 * 60).default(10),
  /** Messages larger than this are not parsed (they can still be downloaded raw). */
  POSTERN_MAX_PARSE_BYTES: z.coerce.number().int().min(1024).default(50 * 1024 * 1024),
  POP3_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).optional(),
  /** The whole login (connect, greeting, STLS, authentication) in one budget. */
  POP3_LOGIN_TIMEOUT_MS: z.coerce.number().int().min(100).optional(),
  POP3_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).optional(),
  POP3_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).optional(),
  /** DNS servers for address discovery (`ip`, `ip:port`, `[v6]:port`, comma separated); empty: the system's. */
  POSTERN_DNS_SERVERS: z
    .string()
    .default('')
    .refine((value) => splitList(value).every(isDnsServer), 'POSTERN_DNS_SERVERS must be IP addresses, each with an optional :port'),
  /** One budget for all DNS questions of one address discovery. */
  POSTERN_DISCOVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  /** Transcripts of POP3 traffic (credentials redacted) on the server console. */
  POSTERN_POP3_TRACE: z.enum(['0', '1']).default('0'),
  /** Where sessions live: unset = this process (default); `redis://host:port/db` = shared by every instance. */
  POSTERN_SESSION_STORE: z
    .string()
    .regex(/^rediss?:\/\/[^\s/]+(\/\d{1,2})?$/, 'POSTERN_SESSION_STORE must be redis://host:port/db (or rediss:// for TLS)')
    .optional(),
  /** base64 of 32 random bytes (`openssl rand -base64 32`); a comma list rotates: the first seals, any opens. */
  POSTERN_SESSION_KEY: z
    .string()
    .optional()
    .superRefine((value, context) => {
      if (value === undefined) return;
      try {
        parseSessionKeys(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'invalid' });
      }
    }),
}).superRefine((env, context) => {
  // Read here, not at the first login: a policy that cannot be read would otherwise answer every login 500.
  try {
    parseHostPolicy(env.POP3_ALLOWED_HOSTS, env.POP3_ALLOWED_PORTS);
  } catch (error) {
    // The parser's sentence names its variable.
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'POP3_ALLOWED_HOSTS or POP3_ALLOWED_PORTS: invalid' });
  }
  // A shared store holds passwords and tokens for every instance: never without a key to seal them with.
  if (env.POSTERN_SESSION_STORE && !env.POSTERN_SESSION_KEY) {
    context.addIssue({
      code: 'custom',
      path: ['POSTERN_SESSION_KEY'],
      message: 'a shared session store (POSTERN_SESSION_STORE) needs POSTERN_SESSION_KEY: base64 of 32 random bytes (`openssl rand -base64 32`)',
    });
  }
});

function splitList(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

function isDnsServer(entry: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  const plain = /^([^:]+)(?::(\d{1,5}))?$/.exec(entry);
  const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : plain ? [plain[1], plain[2]] : [entry, undefined];
  if (!host || net.isIP(host) === 0) return false;
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/** The DNS servers address discovery asks (empty: the system's resolvers). */
export function dnsServers(): string[] {
  return splitList(appEnv().POSTERN_DNS_SERVERS);
}

export type AppEnv = z.infer<typeof schema> & { pop3Limits: Partial<Pop3Limits>; tlsCa?: string };

let cached: AppEnv | undefined;

export function appEnv(): AppEnv {
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
      .join('; ');
    throw new Error(`Invalid configuration: ${detail}`);
  }
  const env = parsed.data;
  const pop3Limits: Partial<Pop3Limits> = {};
  if (env.POP3_CONNECT_TIMEOUT_MS) pop3Limits.connectTimeoutMs = env.POP3_CONNECT_TIMEOUT_MS;
  if (env.POP3_LOGIN_TIMEOUT_MS) pop3Limits.loginTimeoutMs = env.POP3_LOGIN_TIMEOUT_MS;
  if (env.POP3_COMMAND_TIMEOUT_MS) pop3Limits.commandTimeoutMs = env.POP3_COMMAND_TIMEOUT_MS;
  if (env.POP3_MAX_MESSAGE_BYTES) pop3Limits.maxMessageBytes = env.POP3_MAX_MESSAGE_BYTES;
  const tlsCa = env.POP3_TLS_CA_FILE ? readCaFile(env.POP3_TLS_CA_FILE) : undefined;
  cached = { ...env, pop3Limits, tlsCa };
  return cached;
}

/** The PEM text of POP3_TLS_CA_FILE; a file that cannot be read, or holds no certificate, stops the start naming the variable. */
function readCaFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory' : String(code ?? error);
    throw new Error(`Invalid configuration: POP3_TLS_CA_FILE: cannot read "${file}" (${why})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`Invalid configuration: POP3_TLS_CA_FILE: "${file}" holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  return text;
}

/** For tests that change the environment between cases. */
export function resetAppEnv(): void {
  cached = undefined;
}

export interface PinnedServer {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
}

export function pinnedServer(): PinnedServer | null {
  const value = appEnv().POP3_SERVER;
  if (!value) return null;
  const [host = '', port = '', security = 'tls'] = value.split(':');
  return { host, port: Number(port), security: security as PinnedServer['security'] };
}
