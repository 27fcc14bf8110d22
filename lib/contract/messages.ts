import { z } from 'zod';
import { MESSAGE_ID_PATTERN } from '../mail/ids';
import { addressSchema, headerFieldSchema } from './common';

/** Why a rule proposes deleting a message, in words ("from example.com", "larger than 5 MB"). */
export const proposalSchema = z.object({ rule: z.string(), reason: z.string() });
export type Proposal = z.infer<typeof proposalSchema>;

/** One row of the inbox (`GET /api/messages`): from `LIST`, `UIDL` and `TOP n 0` only. */
export const messageSummarySchema = z.object({
  id: z.string(),
  number: z.number().int(),
  size: z.number().int(),
  from: addressSchema.nullable(),
  to: z.array(addressSchema),
  cc: z.array(addressSchema),
  subject: z.string(),
  date: z.string().nullable(),
  contentType: z.string(),
  hasAttachments: z.boolean(),
  /** The Message-ID header, or null. */
  messageId: z.string().nullable(),
  /** Marked for deletion in this session. */
  deleted: z.boolean(),
  /** Read in full, or marked read by the person (per account, by id). */
  seen: z.boolean(),
  /** Arrived since the session's previous snapshot (true only after a refresh). */
  isNew: z.boolean(),
  /** The first rule that proposes deleting it, or null. */
  proposal: proposalSchema.nullable(),
});
export type MessageSummary = z.infer<typeof messageSummarySchema>;

export const messagePageSchema = z.object({
  total: z.number().int(),
  size: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  /** Messages in the whole maildrop. */
  count: z.number().int(),
  messages: z.array(messageSummarySchema),
  /** Seconds a `refresh=1` was put off because the server asked for a delay between logins (0: refreshed). */
  refreshDeferredSeconds: z.number().int().optional(),
  /** After `refresh=1`: how many messages arrived since the previous snapshot. */
  newCount: z.number().int().optional(),
});
export type MessagePage = z.infer<typeof messagePageSchema>;

/** One MIME part seen in the lines a peek fetched (`TOP n k`), never `RETR`. */
export const previewPartSchema = z.object({
  contentType: z.string(),
  filename: z.string().nullable(),
  /** `attachment`, `inline`, or null when the part has no Content-Disposition. */
  disposition: z.string().nullable(),
  /** Bytes, decoded where the transfer encoding is known (base64 × 3/4); estimated from LIST's size when the part runs past the lines fetched. */
  estimatedSize: z.number().int().nonnegative(),
  /** The part's end was within the lines fetched: the size is measured, not estimated. */
  complete: z.boolean(),
});
export type PreviewPart = z.infer<typeof previewPartSchema>;

export const messagePreviewSchema = z.object({
  id: z.string(),
  size: z.number().int(),
  headers: z.record(z.string(), z.string()),
  headerList: z.array(headerFieldSchema),
  text: z.string(),
  truncated: z.boolean(),
  /**
   * The text shown ended inside the lines read (the plain text part, or the message's other text parts when
   * it has none): more lines would bring no more of it. Judged on those lines alone, not on the further ones
   * read to find the attachments (`parts`).
   */
  textComplete: z.boolean(),
  /** Leaf parts (not the multipart containers), in message order. */
  parts: z.array(previewPartSchema),
});
export type MessagePreview = z.infer<typeof messagePreviewSchema>;

export const attachmentInfoSchema = z.object({
  id: z.string(),
  filename: z.string().nullable(),
  contentType: z.string(),
  size: z.number().int(),
  inline: z.boolean(),
  url: z.string(),
});
export type AttachmentInfo = z.infer<typeof attachmentInfoSchema>;

export const fullMessageSchema = z.object({
  id: z.string(),
  size: z.number().int(),
  from: addressSchema.nullable(),
  to: z.array(addressSchema),
  cc: z.array(addressSchema),
  replyTo: z.array(addressSchema),
  subject: z.string(),
  date: z.string().nullable(),
  text: z.string().nullable(),
  /** `text` escaped, with links made clickable (sanitized HTML), or null. */
  textHtml: z.string().nullable(),
  html: z.string().nullable(),
  htmlHasRemoteContent: z.boolean(),
  remoteImagesShown: z.boolean(),
  headerList: z.array(headerFieldSchema),
  attachments: z.array(attachmentInfoSchema),
});
export type FullMessage = z.infer<typeof fullMessageSchema>;

/** `POST /api/messages/seen`: mark read or unread (at most 10,000 ids). */
export const seenBodySchema = z.strictObject({
  ids: z.array(z.string().regex(MESSAGE_ID_PATTERN, 'is not a message id')).min(1, 'needs at least one id').max(10_000),
  seen: z.boolean(),
});
export type SeenBody = z.infer<typeof seenBodySchema>;
export const seenAnswerSchema = z.object({ ids: z.array(z.string()), seen: z.boolean() });
export type SeenAnswer = z.infer<typeof seenAnswerSchema>;

/** A message id as the API names messages (UIDL-based, opaque, URL-safe). */
export const messageIdSchema = z.string().regex(MESSAGE_ID_PATTERN, 'is not a message id');

/** `POST /api/messages/delete` and `POST /api/messages/undelete`: `{id: [...]}` is refused, not read as no ids. */
export const deleteBodySchema = z.strictObject({ ids: z.array(messageIdSchema).min(1, 'needs at least one id').max(10_000) });
export type DeleteBody = z.infer<typeof deleteBodySchema>;
export const deleteAnswerSchema = z.object({ deleted: z.array(z.string()) });
export type DeleteAnswer = z.infer<typeof deleteAnswerSchema>;
/** `DELETE /api/messages/:id`. */
export const deleteOneAnswerSchema = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeleteOneAnswer = z.infer<typeof deleteOneAnswerSchema>;

/** `GET /api/messages/ids`. */
export const idsAnswerSchema = z.object({ ids: z.array(z.string()) });
export type IdsAnswer = z.infer<typeof idsAnswerSchema>;

/** `POST /api/messages/headers` (202): the background header fill's progress. */
export const headerFillSchema = z.object({ total: z.number().int(), cached: z.number().int(), filling: z.boolean() });
export type HeaderFill = z.infer<typeof headerFillSchema>;

/** One line of `GET /api/messages/:id` with `Accept: application/x-ndjson`. */
export type MessageStreamLine =
  | { type: 'progress'; received: number; total: number | null }
  | { type: 'message'; message: FullMessage }
  | { type: 'error'; error: { code: string; message: string } };
