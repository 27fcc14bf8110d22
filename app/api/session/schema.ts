import { z } from 'zod';

const host = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(253)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._:-]+)$/, 'is not a host name or address')
  .transform((value) => value.replace(/^\[|\]$/g, ''));

const credentials = {
  username: z.string().min(1, 'is required').max(255),
  password: z.string().min(1, 'is required').max(1024),
};

export const loginBody = z.object({
  host: host.optional(),
  port: z.coerce.number().int().min(1).max(65535).optional(),
  security: z.enum(['tls', 'starttls', 'none']).optional(),
  ...credentials,
  auth: z.enum(['auto', 'user', 'apop', 'sasl-plain']).default('auto'),
  allowInsecure: z.boolean().default(false),
});

export type LoginBody = z.infer<typeof loginBody>;
