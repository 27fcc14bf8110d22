import * as libmime from 'libmime';
import { simpleParser, type HeaderLines } from 'mailparser';
import { flattenAddresses, type MailAddress } from './addresses';

/** What the inbox shows of a message, from its header section alone (`TOP n 0`). */
export interface HeaderSummary {
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  /** ISO 8601, or null when missing or unreadable. */
  date: string | null;
  contentType: string;
  /** A multipart/mixed (or similar) message probably carries attachments. */
  hasAttachments: boolean;
  messageId: string | null;
}

export interface HeaderLine {
  name: string;
  value: string;
}

const PARSE_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true } as const;

/** Parses a bounded header section. simpleParser is only ever given bounded input. */
export async function summarizeHeaders(headerBytes: Buffer): Promise<HeaderSummary> {
  const parsed = await simpleParser(headerBytes, PARSE_OPTIONS);
  const contentTypeHeader = parsed.headers.get('content-type');
  const contentType =
    typeof contentTypeHeader === 'object' && contentTypeHeader !== null && 'value' in contentTypeHeader
      ? String(contentTypeHeader.value).toLowerCase()
      : 'text/plain';
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null;
  return {
    from: flattenAddresses(parsed.from)[0] ?? null,
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: parsed.subject ?? '',
    date,
    contentType,
    hasAttachments: /^multipart\/(mixed|related|report)/.test(contentType),
    messageId: parsed.messageId ?? null,
  };
}

/** Header lines as the person would read them: RFC 2047 words decoded, folding removed. */
export function decodeHeaderLines(lines: HeaderLines): HeaderLine[] {
  return lines.map(({ line }) => {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : line.trim();
    const value = colon > 0 ? line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim() : '';
    return { name, value: decodeWords(value) };
  });
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}
