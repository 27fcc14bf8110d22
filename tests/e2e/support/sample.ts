import { formatSize } from '../../../components/format-size';
import { crlfLineEnds, sampleAttachments, sampleMaildrop, type MaildropMessage } from '../../support/maildrop';

/** The sample maildrop every test user but `demo`, `empty` and `many` holds, oldest first. */
export const SAMPLE: readonly MaildropMessage[] = sampleMaildrop({ big: false });

export function sampleMessage(name: string): MaildropMessage {
  const message = SAMPLE.find((candidate) => candidate.name === name);
  if (!message) throw new Error(`no sample message named ${name}`);
  return message;
}

/** 1-based POP3 number of a sample message (its position on disk). */
export function sampleNumber(name: string): number {
  return SAMPLE.findIndex((candidate) => candidate.name === name) + 1;
}

/** The size POP3 LIST reports: the message with CRLF line ends. */
export function listedSize(message: MaildropMessage): number {
  return crlfLineEnds(message.raw).length;
}

/** The size as the inbox shows it. */
export function shownSize(message: MaildropMessage): string {
  return formatSize(listedSize(message));
}

export function attachmentBytes(filename: string): Buffer {
  const attachment = sampleAttachments.find((candidate) => candidate.filename === filename);
  if (!attachment) throw new Error(`no sample attachment named ${filename}`);
  return attachment.bytes;
}
