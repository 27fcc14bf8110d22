import { z } from 'zod';
import { flag, messageId } from '@/lib/http/schemas';

export const messageParams = z.object({ id: messageId });
export const messageQuery = z.object({ remoteImages: flag });
export const previewQuery = z.object({
  lines: z.coerce.number().int().min(0).max(1000, 'must be at most 1000').default(20),
});
export const attachmentParams = messageParams.extend({
  attachmentId: z.string().regex(/^a[0-9]{1,6}$/, 'is not an attachment id'),
});
