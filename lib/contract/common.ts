import { z } from 'zod';

/**
 * The JSON contract of the HTTP API (docs/API.md), written once: the server's
 * reshapers produce these shapes and components/api-client.ts imports the
 * types (type-only: no zod reaches the browser bundle). Request bodies are
 * validated with these schemas at the boundary; response schemas document the
 * shape and let tests check an answer.
 */

/**
 * A whole number as a person writes one in a URL: digits only, no sign, no leading zero, no spaces, no
 * exponent, hex or fraction (`Number()` and `z.coerce` take `0x10`, `1e1`, ` 5`, `+5` and `5.0` alike).
 */
export const DECIMAL_INTEGER = /^(0|[1-9][0-9]*)$/;

/** A query or path number: plain decimal text within [min, max], else INVALID_INPUT naming the field. */
export function decimalInteger(min: number, max: number) {
  const bounds = `must be a whole number from ${min} to ${max}`;
  return (
    z
      .string()
      .regex(DECIMAL_INTEGER, `${bounds}, written in digits`)
      // More digits than the bound has is over it (and keeps a thousand-digit string from becoming Infinity).
      .max(String(max).length, `must be at most ${max}`)
      .transform(Number)
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
  );
}

export const securitySchema = z.enum(['tls', 'starttls', 'none']);
export type Security = z.infer<typeof securitySchema>;

export const addressSchema = z.object({ name: z.string(), address: z.string() });
export type Address = z.infer<typeof addressSchema>;

export const headerFieldSchema = z.object({ name: z.string(), value: z.string() });
export type HeaderField = z.infer<typeof headerFieldSchema>;

/**
 * The body of a POST that takes no fields (`/api/session/reset`, `/api/session/commit`, `/api/messages/headers`):
 * nothing, or `{}`. Anything in it is refused by name, so `{"ids": […]}` sent to reset (which undoes every mark)
 * instead of to undelete fails instead of doing more than was asked.
 */
export const emptyBodySchema = z.strictObject({});
