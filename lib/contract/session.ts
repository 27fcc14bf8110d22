import { z } from 'zod';
import { securitySchema } from './common';

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
