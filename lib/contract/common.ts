import { z } from 'zod';

/**
 * The JSON contract of the HTTP API (docs/API.md), written once: the server's
 * reshapers produce these shapes and components/api-client.ts imports the
 * types (type-only: no zod reaches the browser bundle). Request bodies are
 * validated with these schemas at the boundary; response schemas document the
 * shape and let tests check an answer.
 */

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
