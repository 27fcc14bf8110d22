import { z } from 'zod';
import { DECIMAL_INTEGER, securitySchema } from './common';

/** RFC 2449 EXPIRE and LOGIN-DELAY as the server stated them after login; null: not said (or never expires). */
export const sessionPoliciesSchema = z.object({
  expireDays: z.number().int().nullable(),
  loginDelaySeconds: z.number().int().nullable(),
});
export type SessionPolicies = z.infer<typeof sessionPoliciesSchema>;

/** `GET /api/session`, and the login's answer. */
export const sessionInfoSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  security: securitySchema,
  username: z.string(),
  mechanism: z.string().nullable(),
  capabilities: z.array(z.string()),
  count: z.number().int(),
  size: z.number().int(),
  pendingDeletion: z.array(z.string()),
  /** Always sent by this server; optional for the client, which also talks to older servers of this API (expire-policy.ts). */
  policies: sessionPoliciesSchema.optional(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export const transcriptLineSchema = z.object({
  /** ISO 8601. */
  at: z.string(),
  direction: z.enum(['client', 'server']),
  /** Redacted: the user name is kept; passwords, AUTH data and tokens never appear. */
  text: z.string(),
});
export type TranscriptLine = z.infer<typeof transcriptLineSchema>;

/** `GET /api/session/server`: the server, in words, and this session's last POP3 commands and replies. */
export const serverPanelSchema = z.object({
  capabilities: z.array(z.string()),
  policies: sessionPoliciesSchema.extend({
    pipelining: z.boolean(),
    top: z.boolean(),
    uidl: z.boolean(),
  }),
  transcript: z.array(transcriptLineSchema),
});
export type ServerPanel = z.infer<typeof serverPanelSchema>;

/** C0, DEL and C1 controls: no mail server needs them, and they must never reach one (refused before connecting). */
const CONTROL = /\p{Cc}/u;
const noControls = (value: string) => !CONTROL.test(value);
const NO_CONTROLS = 'must not contain control characters';

const hostSchema = z
  .string()
  .refine(noControls, NO_CONTROLS)
  .trim()
  .min(1, 'is required')
  .max(253)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._:-]+)$/, 'is not a host name or address')
  .transform((value) => value.replace(/^\[|\]$/g, ''));

const PORT_RANGE = 'must be a whole number from 1 to 65535';
/** A JSON number, or the same written in decimal digits ("995"); not `"0x3e3"`, `"9.95e2"`, `" 995"` or `true`. */
const portSchema = z.preprocess(
  (value) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) && value.length <= 5 ? Number(value) : value),
  z.number({ error: PORT_RANGE }).int(PORT_RANGE).min(1, PORT_RANGE).max(65535, PORT_RANGE),
);

/**
 * `POST /api/session` (with `POP3_SERVER` set, only username and password count). Strict: a field it does
 * not take (`usrname`, `securty`) is refused by name, not ignored into a login with a default.
 */
export const loginBodySchema = z.strictObject({
  host: hostSchema.optional(),
  port: portSchema.optional(),
  security: securitySchema.optional(),
  username: z.string().min(1, 'is required').max(255).refine(noControls, NO_CONTROLS),
  password: z.string().min(1, 'is required').max(1024).refine(noControls, NO_CONTROLS),
  auth: z.enum(['auto', 'user', 'apop', 'sasl-plain']).default('auto'),
  allowInsecure: z.boolean().default(false),
});
export type LoginBody = z.infer<typeof loginBodySchema>;
/** What a client sends (`port` a number; `auth` and `allowInsecure` have defaults). */
export type LoginRequest = Omit<z.input<typeof loginBodySchema>, 'port'> & { port?: number };
export type LoginAuth = LoginBody['auth'];

export const loginAnswerSchema = z.object({ session: sessionInfoSchema });
export type LoginAnswer = z.infer<typeof loginAnswerSchema>;

/** `DELETE /api/session`. */
export const logoutAnswerSchema = z.object({ deleted: z.number().int(), applied: z.boolean(), warning: z.string().optional() });
export type LogoutAnswer = z.infer<typeof logoutAnswerSchema>;

/** `POST /api/session/reset`. */
export const resetAnswerSchema = z.object({ restored: z.number().int() });
export type ResetAnswer = z.infer<typeof resetAnswerSchema>;

/** `POST /api/session/commit`: the deletions stand even when the login after QUIT was refused. */
export const commitAnswerSchema = z.object({
  deleted: z.number().int(),
  count: z.number().int(),
  size: z.number().int(),
  reconnected: z.boolean(),
  /** Seconds the server asked to wait before the next login. */
  retryAfter: z.number().int().optional(),
});
export type CommitAnswer = z.infer<typeof commitAnswerSchema>;

/** `GET /api/config`. */
export const serverConfigSchema = z.object({
  pinned: z.object({ host: z.string(), port: z.number().int(), security: securitySchema }).nullable(),
  defaults: z.object({ port: z.record(securitySchema, z.number().int()) }),
  /** "Sign in with …" providers configured on the server: nothing secret (no client ids, no endpoints). */
  providers: z.array(z.object({ name: z.string(), label: z.string(), host: z.string() })).optional(),
});
export type ServerConfig = z.infer<typeof serverConfigSchema>;

/** `GET /api/discover?address=`: bounded like an address (RFC 5321 path limit), exactly one "@" not at either end. */
export const discoverQuerySchema = z.strictObject({
  address: z
    .string()
    .trim()
    .min(3)
    .max(254)
    .regex(/^[^@\s]+@[^@\s]+$/, 'must be an address like name@example.com'),
});

/** `GET /api/discover`: settings for an address, from the provider table or the domain's SRV records. */
export const serverDiscoverySchema = z.object({
  found: z
    .object({
      host: z.string(),
      port: z.number().int(),
      security: z.enum(['tls', 'starttls']),
      source: z.enum(['table', 'srv']),
      provider: z.string().optional(),
      note: z.string().optional(),
    })
    .nullable(),
  /** A plain sentence where the provider (or the domain's DNS) says there is no POP3. */
  noPop3: z.string().optional(),
  /** A server was found but this deployment would refuse it: said in words instead of offered. */
  refused: z.string().optional(),
});
export type ServerDiscovery = z.infer<typeof serverDiscoverySchema>;
