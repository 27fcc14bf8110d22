import { decimalInteger } from '@/lib/contract/common';
import { filterQuery, flag } from '@/lib/http/schemas';

export const listQuery = filterQuery.extend({
  offset: decimalInteger(0, 10_000_000).default(0),
  limit: decimalInteger(1, 200).default(50),
  refresh: flag,
});

/** In the one contract module (lib/contract/messages.ts). */
export { deleteBodySchema as deleteBody } from '@/lib/contract/messages';
