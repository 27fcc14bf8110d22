import { z } from 'zod';
import { filterQuery, flag } from '@/lib/http/schemas';

export const listQuery = filterQuery.extend({
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200, 'must be at most 200').default(50),
  refresh: flag,
});

/** In the one contract module (lib/contract/messages.ts). */
export { deleteBodySchema as deleteBody } from '@/lib/contract/messages';
