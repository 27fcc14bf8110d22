import { z } from 'zod';

/** C0, DEL and C1 controls: no mail server needs them, and they must never reach one (refused before connecting). */
const CONTROL = /\p{Cc}/u;
const noControls = (value: string) => !CONTROL.test(value);
const NO_CONTROLS = 'must not contain control characters';

const host = z
  .string()
  .refine(noControls, NO_CONTROLS)
  .trim()
  .min(1, 'is required')
  .max(253)
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._:-]+)$/, 'is not a host name or address')
  .transform((value) => value.replace(/^\[|\]$/g, ''));

const credentials = {
  username: z.string().min(1, 'is required').max(255).refine(noControls, NO_CONTROLS),
  password: z.string().min(1, 'is required').max(1024).refine(noControls, NO_CONTROLS),
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
