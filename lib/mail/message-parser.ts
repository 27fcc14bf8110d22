import { PassThrough, type Readable, type Transform } from 'node:stream';
import iconv from 'iconv-lite';
import libmime from 'libmime';
import { MailParser, type AttachmentStream, type HeaderLines, type Headers, type MailParserOptions, type MessageText } from 'mailparser';
import { AppError } from '../errors';
import { isUtf7Charset } from './encoded-words';
import { MimeGuard, type MimeShape } from './mime-guard';

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
  /** Depth and parts of the MIME tree; `tooComplex` when it went beyond the bounds and only a first part was parsed. */
  shape: MimeShape;
}

const charsets = libmime as unknown as { createDecodeStream(charset: string): Transform };

/**
 * mailparser that decodes UTF-7 text parts. mailparser refuses UTF-7 on
 * purpose (`+ADw-script+AD4-` is "<script>" to a filter that only looks for
 * "<"); here every HTML part is sanitized after decoding and text is shown as
 * text, so refusing would only show "+APw-ber" for "über". Everything else is
 * mailparser's own decoder (libmime's, with its charset aliases).
 */
class CharsetMailParser extends MailParser {
  getDecoder(): { decodeStream(charset: string): Transform } {
    return {
      decodeStream: (charset: string) =>
        isUtf7Charset(charset) ? (iconv.decodeStream('utf7') as unknown as Transform) : charsets.createDecodeStream(charset || 'ascii'),
    };
  }
}

/** The sentence for a message the parser cannot take apart; the source view still shows every byte. */
export const TOO_COMPLEX_MESSAGE = 'This message is built in a way too complex to display. Its source can still be viewed and downloaded.';

/**
 * How long the parser may take once every byte is in. It needs milliseconds;
 * this only ends a parser that would never finish (the guard prevents the one
 * such case known, see mime-guard.ts), which would hold the session's lock.
 */
const PARSE_AFTER_INPUT_MS = 30_000;

/**
 * Pipes a message through the MIME guard into a parser, and turns a parser
 * failure into a typed error. A failure of the source itself (the POP3
 * connection) is passed on as it is. After a parser failure the rest of the
 * source is still read (and dropped), so the connection stays in order.
 */
function feed(source: Readable, parser: MailParser, reject: (error: unknown) => void): MimeGuard {
  const guard = new MimeGuard();
  let sourceFailed = false;
  let watchdog: NodeJS.Timeout | undefined;
  guard.once('end', () => {
    watchdog = setTimeout(() => {
      parser.destroy();
      reject(new AppError('MESSAGE_TOO_COMPLEX', TOO_COMPLEX_MESSAGE));
    }, PARSE_AFTER_INPUT_MS);
    watchdog.unref();
  });
  parser.once('end', () => clearTimeout(watchdog));
  parser.once('close', () => clearTimeout(watchdog));
  source.on('error', (error) => {
    sourceFailed = true;
    guard.destroy(error);
    parser.destroy(error);
    reject(error);
  });
  guard.on('error', (error) => (sourceFailed ? undefined : reject(error)));
  parser.on('error', (error) => {
    if (sourceFailed) return;
    guard.unpipe(parser);
    guard.resume();
    reject(new AppError('MESSAGE_TOO_COMPLEX', TOO_COMPLEX_MESSAGE, { cause: error }));
  });
  source.pipe(guard).pipe(parser);
  return guard;
}

const INLINE_IMAGE_TYPES = /^image\/(png|gif|jpeg|webp)$/;
const MAX_INLINE_IMAGE_BYTES = 2 * 1024 * 1024;
const MAX_INLINE_TOTAL_BYTES = 8 * 1024 * 1024;

/**
 * Streams a message through mailparser's streaming parser. Attachment bytes
 * are counted and discarded (each released), so memory holds the text parts
 * only; the attachment route streams one part on its own.
 */
export function parseMessageStream(source: Readable, options: Pick<MailParserOptions, 'skipTextToHtml'> = {}): Promise<ParsedMessage> {
  return new Promise((resolve, reject) => {
    const parser = new CharsetMailParser({ skipImageLinks: true, ...options });
    const guard = feed(source, parser, reject);
    const result: ParsedMessage = {
      headers: new Map(),
      headerLines: [],
      text: null,
      textAsHtml: null,
      html: null,
      attachments: [],
      inlineImages: new Map(),
      shape: guard.shape,
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
    const parser = new CharsetMailParser({ skipImageLinks: true, skipHtmlToText: true, skipTextToHtml: true });
    let found = false;
    feed(source, parser, (error) => (found ? undefined : reject(error)));
    let index = 0;
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
  });
}
