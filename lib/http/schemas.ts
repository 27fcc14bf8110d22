import { z } from 'zod';
import { decimalInteger } from '../contract/common';
import { MESSAGE_ID_PATTERN } from '../mail/ids';

/** Shared pieces of the route schemas. */
export const messageId = z.string().regex(MESSAGE_ID_PATTERN, 'is not a message id');

/** A query flag: present as 1/true/yes. */
export const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'yes');

export const filterQuery = z.strictObject({
  q: z.string().trim().max(200).optional().transform((v) => (v ? v : undefined)),
  minSize: decimalInteger(0, Number.MAX_SAFE_INTEGER).optional(),
  /** Only the messages a rule proposes to delete. */
  proposed: flag,
});
