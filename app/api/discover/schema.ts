import { z } from 'zod';

/** `?address=name@example.com`: bounded like an address (RFC 5321 path limit), exactly one "@" not at either end. */
export const discoverQuery = z.object({
  address: z
    .string()
    .trim()
    .min(3)
    .max(254)
    .regex(/^[^@\s]+@[^@\s]+$/, 'must be an address like name@example.com'),
});
