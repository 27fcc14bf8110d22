import { z } from 'zod';
import { decimalInteger } from '@/lib/contract/common';
import { flag, messageId } from '@/lib/http/schemas';

export const messageParams = z.object({ id: messageId });
export const messageQuery = z.strictObject({ remoteImages: flag });
export const previewQuery = z.strictObject({
  lines: decimalInteger(0, 1000).default(20),
});
export const attachmentParams = messageParams.extend({
  attachmentId: z.string().regex(/^a[1-9][0-9]{0,5}$/, 'is not an attachment id'),
});
