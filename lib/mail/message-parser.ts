import { PassThrough, type Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from 'mailparser';

export interface AttachmentInfo {
  /** Position-based and stable for the same message bytes: `a1`, `a2`, … */
  id: string;
  filename: string | null;
  contentType: string;
  size: number;
  /** Content-ID without brackets, for `cid:` references. */
  cid: string | null;
  inline: boolean;
}

export interface ParsedMessage {
  headers: Headers;
  headerLines: HeaderLines;
  text: string | null;
  textAsHtml: string | null;
  html: string | null;
  attachments: AttachmentInfo[];
  /**
   * Small inline images by Content-ID, as data: URLs. The HTML frame is
   * sandboxed (opaque origin), so it cannot send our session cookie to the
   * attachment route; embedding is what makes `cid:` images show.
   */
  inlineImages: Map<string, string>;
}

const INLINE_IMAGE_TYPES = /^image\/(png|gif|jpeg|webp)$/;
const MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024;
const MAX_INLINE_TOTAL_BYTES = 8 * 1024 * 1024;

/**
 * Streams a message through mailparser's streaming parser. Attachment bytes
 * are counted and discarded (each released), so memory holds the text parts
 * only; the attachment route streams one part on its own.
 */
export function parseMessageStream(source: Readable): Promise<ParsedMessage> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipImageLinks: true });
    const result: ParsedMessage = {
      headers: new Map(),
      headerLines: [],
      text: null,
      textAsHtml: null,
      html: null,
      attachments: [],
      inlineImages: new Map(),
    };
    let index = 0;
    let inlineBudget = MAX_INLINE_TOTAL_BYTES;
    parser.on('headers', (headers: Headers) => (result.headers = headers));
    parser.on('headerLines', (lines: HeaderLines) => (result.headerLines = lines));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        if (typeof data.text === 'string') result.text = data.text;
        if (typeof data.textAsHtml === 'string') result.textAsHtml = data.textAsHtml;
        if (typeof data.html === 'string') result.html = data.html;
        return;
      }
      index += 1;
      const info: AttachmentInfo = {
        id: `a${index}`,
        filename: data.filename ?? null,
        contentType: data.contentType,
        size: 0,
        cid: data.cid ?? (data.contentId ? data.contentId.replace(/^<|>$/g, '') : null),
        inline: data.related === true || data.contentDisposition === 'inline',
      };
      result.attachments.push(info);
      const content = data.content as Readable;
      const keep = info.cid !== null && INLINE_IMAGE_TYPES.test(info.contentType.toLowerCase());
      const kept: Buffer[] = [];
      content.on('data', (chunk: Buffer) => {
        info.size += chunk.length;
        if (keep && info.size <= Math.min(MAX_INLINE_IMAGE_BYTES, inlineBudget)) kept.push(chunk);
      });
      content.on('end', () => {
        if (keep && info.cid && info.size <= Math.min(MAX_INLINE_IMAGE_BYTES, inlineBudget)) {
          inlineBudget -= info.size;
          result.inlineImages.set(info.cid, `data:${info.contentType.toLowerCase()};base64,${Buffer.concat(kept).toString('base64')}`);
        }
        data.release?.();
      });
      content.on('error', reject);
    });
    parser.on('end', () => resolve(result));
    parser.on('error', reject);
    source.on('error', (error) => parser.destroy(error));
    source.pipe(parser);
  });
}

export interface AttachmentStreamResult {
  info: AttachmentInfo;
  stream: Readable;
}

/**
 * Finds one attachment in a message stream and hands back its decoded bytes
 * as a stream; the other parts are discarded as they pass.
 */
export function extractAttachment(source: Readable, attachmentId: string): Promise<AttachmentStreamResult | null> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipImageLinks: true, skipHtmlToText: true, skipTextToHtml: true });
    let index = 0;
    let found = false;
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') return;
      index += 1;
      const content = data.content as Readable;
      if (`a${index}` !== attachmentId || found) {
        content.on('end', () => data.release?.());
        content.resume();
        return;
      }
      found = true;
      const out = new PassThrough();
      content.on('end', () => data.release?.());
      content.on('error', (error) => out.destroy(error));
      content.pipe(out);
      resolve({
        info: {
          id: attachmentId,
          filename: data.filename ?? null,
          contentType: data.contentType,
          size: data.size ?? 0,
          cid: data.cid ?? null,
          inline: data.related === true,
        },
        stream: out,
      });
    });
    parser.on('end', () => {
      if (!found) resolve(null);
    });
    parser.on('error', (error) => (found ? undefined : reject(error)));
    source.on('error', (error) => parser.destroy(error));
    source.pipe(parser);
  });
}
