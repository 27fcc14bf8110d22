/**
 * Random MIME messages for the read path's fuzz tests: deep and wide trees,
 * broken and missing boundaries, odd charsets and transfer encodings, 8-bit
 * and UTF-7 encoded words, bidi characters, truncation. Deterministic for a
 * seed (mulberry32), so a failure names the seed and the index that reproduce it.
 */

import type { Random } from './seeded-random';

/** A seed from FUZZ_SEED, or a fresh one; the caller prints it. */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  if (given !== undefined && /^\d+$/.test(given)) return Number(given) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function chance(random: Random, p: number): boolean {
  return random() < p;
}

const CHARSETS = [
  'utf-8', 'us-ascii', 'iso-8859-1', 'iso-8859-15', 'windows-1252', 'koi8-r', 'iso-2022-jp', 'shift_jis', 'gb18030', 'big5',
  'utf-7', 'unicode-1-1-utf-7', 'UTF7', 'utf-16', 'utf-16le', 'ucs-2', 'x-unknown', 'base64', 'hex', '', '"', '__proto__',
  'iso-8859-8-i', 'ks_c_5601-1987', 'x-mac-roman', 'utf-8\u0000',
];
const ENCODINGS = ['7bit', '8bit', 'binary', 'quoted-printable', 'base64', 'x-uuencode', 'uuencode', 'bogus', ''];
const LEAF_TYPES = [
  'text/plain', 'text/html', 'text/enriched', 'application/octet-stream', 'application/pdf', 'image/png', 'image/svg+xml',
  'message/delivery-status', 'text/rfc822-headers', 'application/ms-tnef', 'text/calendar', 'x/unknown', 'text',
];
const MULTIPART_TYPES = ['mixed', 'alternative', 'related', 'digest', 'report', 'signed', 'encrypted', 'x-unknown', 'parallel'];
const WORDS = ['über', 'Frösche', 'naïve', 'Ω', 'παράδειγμα', 'привет', '日本語', 'مرحبا', 'שלום', 'emoji 👍', 'plain', 'a+b', '=?', '?=', '<script>', '\u202Egnp.exe', '\u200B', '\uFEFF'];

function words(random: Random, n: number): string {
  return Array.from({ length: n }, () => pick(random, WORDS)).join(' ');
}

function randomBytes(random: Random, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** A header value: plain, encoded words in odd charsets, raw 8-bit bytes inside words, broken words. */
function headerValue(random: Random): Buffer {
  const text = words(random, between(random, 1, 5));
  switch (between(random, 0, 7)) {
    case 0:
      return Buffer.from(text.replace(/[^\x20-\x7e]/g, 'x'), 'latin1');
    case 1:
      return Buffer.from(`=?utf-8?B?${Buffer.from(text).toString('base64')}?=`, 'latin1');
    case 2: // UTF-7, as Outlook Express wrote it
      return Buffer.from(`=?${pick(random, ['utf-7', 'unicode-1-1-utf-7', 'UTF-7'])}?Q?${pick(random, ['Fr+APY-sche', '+APw-ber', '+ADw-b+AD4-', '+2D3cDQ-', '+2D3-', 'a+-b', '+ZeVnLIqe-', 'trunc+AP'])}?=`, 'latin1');
    case 3: // raw 8-bit bytes inside a Q word (Eudora)
      return Buffer.concat([Buffer.from(`=?${pick(random, ['iso-8859-1', 'utf-8', 'koi8-r', 'x-unknown'])}?Q?Fr`), randomBytes(random, between(random, 1, 4)), Buffer.from('sche?=')]);
    case 4: // raw 8-bit UTF-8
      return Buffer.from(text, 'utf8');
    case 5: // broken words
      return Buffer.from(pick(random, ['=?utf-8?B?####?=', '=?utf-8?Q?=ZZ=?=', '=??Q?x?=', '=?utf-8?X?abc?=', '=?utf-8*en?Q?a?= =?utf-8?Q?b?=', '=?'.repeat(50)]), 'latin1');
    case 6:
      return Buffer.from(`=?${pick(random, CHARSETS)}?${pick(random, ['Q', 'B', 'q', 'b'])}?${Buffer.from(text).toString('base64')}?=`, 'latin1');
    default: {
      const bytes = randomBytes(random, between(random, 0, 40));
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a || bytes[i] === 0x0d) bytes[i] = 0x20;
      return bytes;
    }
  }
}

function encodeBody(random: Random, encoding: string, body: Buffer): Buffer {
  if (chance(random, 0.15)) return randomBytes(random, between(random, 0, 300)); // whatever the header says
  switch (encoding) {
    case 'base64': {
      const text = body.toString('base64').replace(/.{76}/g, '$&\n');
      return Buffer.from(chance(random, 0.2) ? text.slice(0, Math.max(0, text.length - between(random, 1, 5))) + '!*' : text, 'latin1');
    }
    case 'quoted-printable':
      return Buffer.from(body.toString('latin1').replace(/[=\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`) + (chance(random, 0.2) ? '=Z\n=' : ''), 'latin1');
    case 'x-uuencode':
    case 'uuencode':
      return Buffer.from(`begin 644 ${pick(random, ['a.txt', 'b\u202Egnp.exe'])}\nM86)C\n\`\nend\n`, 'utf8');
    default:
      return body;
  }
}

export interface FuzzMessage {
  raw: Buffer;
  /** What went into it, for the failure message. */
  notes: string[];
}

interface Budget {
  parts: number;
}

function leaf(random: Random, notes: string[]): Buffer {
  const type = pick(random, LEAF_TYPES);
  const charset = pick(random, CHARSETS);
  const encoding = pick(random, ENCODINGS);
  const headers: string[] = [];
  if (!chance(random, 0.1)) headers.push(`Content-Type: ${type}${charset ? `; charset="${charset}"` : ''}${chance(random, 0.3) ? '; format=flowed; delsp=yes' : ''}`);
  if (encoding) headers.push(`Content-Transfer-Encoding: ${encoding}`);
  if (chance(random, 0.3)) headers.push(`Content-Disposition: ${pick(random, ['attachment', 'inline', 'bogus'])}; filename="${pick(random, ['invoice\u202Efdp.exe', 'a.txt', '', '../../etc/passwd', '=?utf-7?Q?M+AOQ-use.txt?='])}"`);
  if (chance(random, 0.1)) headers.push(`Content-ID: <${between(random, 0, 9)}@fuzz>`);
  let body: Buffer;
  if (type === 'text/html') body = Buffer.from(`<html><body><p>${words(random, 8)}</p><a href="\x01javascript:alert(1)">x</a><img src="cid:${pick(random, [`${between(random, 0, 9)}@fuzz`, '%', '%E0%A4%A', '%3C1@fuzz%3E', ''])}">${pick(random, ['<div>', '<font>', '<p>', '<table><tr><td>']).repeat(chance(random, 0.05) ? between(random, 20_000, 200_000) : between(random, 0, 300))}</body></html>`);
  else if (type.startsWith('text')) body = Buffer.from(words(random, between(random, 0, 30)) + '\n' + (chance(random, 0.2) ? '+APw-ber +ADw-script+AD4-\n' : ''));
  else body = randomBytes(random, between(random, 0, 2000));
  notes.push(`${type};${charset};${encoding}`);
  return Buffer.concat([Buffer.from(headers.join('\n') + '\n\n', 'utf8'), encodeBody(random, encoding, body)]);
}

function node(random: Random, depth: number, budget: Budget, notes: string[], boundaries: string[]): Buffer {
  budget.parts -= 1;
  const deep = depth < 400 && budget.parts > 0;
  const roll = random();
  if (deep && roll < 0.15) {
    // an embedded message
    notes.push(`rfc822@${depth}`);
    // Inline and unencoded, mailparser reads it as a message of its own; else as an opaque attachment.
    const disposition = pick(random, ['Content-Disposition: inline\n', 'Content-Disposition: inline\nContent-Transfer-Encoding: base64\n', 'Content-Disposition: attachment\n', '']);
    return Buffer.concat([Buffer.from(`Content-Type: message/rfc822\n${disposition}\n`), message(random, depth + 1, budget, notes, boundaries)]);
  }
  if (deep && roll < 0.55) return multipart(random, depth, budget, notes, boundaries);
  return leaf(random, notes);
}

function multipart(random: Random, depth: number, budget: Budget, notes: string[], boundaries: string[]): Buffer {
  const subtype = pick(random, MULTIPART_TYPES);
  const boundaryKind = random();
  // Reused, missing, empty, 8-bit, spaced, or a fresh one.
  const boundary =
    boundaryKind < 0.08 && boundaries.length > 0
      ? pick(random, boundaries)
      : boundaryKind < 0.12
        ? ''
        : boundaryKind < 0.15
          ? 'b\xe9\xff'
          : boundaryKind < 0.18
            ? `sp ace ${depth}  `
            : `=_b${depth}_${between(random, 0, 1e6)}`;
  const param = boundaryKind >= 0.08 && boundaryKind < 0.1 ? '' : `; boundary="${boundary}"`;
  // Mostly narrow; sometimes very wide; depth comes from a chain of narrow ones.
  const width = chance(random, 0.05) ? between(random, 300, 1200) : chance(random, 0.6) ? 1 : between(random, 0, 6);
  notes.push(`multipart/${subtype} depth ${depth} width ${width} boundary ${JSON.stringify(boundary)}`);
  const parts: Buffer[] = [Buffer.from(`Content-Type: multipart/${subtype}${param}\n\n${chance(random, 0.3) ? 'preamble\n' : ''}`, 'latin1')];
  const inner = [...boundaries, boundary];
  for (let i = 0; i < width && budget.parts > 0; i++) {
    parts.push(Buffer.from(`\n--${boundary}${chance(random, 0.05) ? '   ' : ''}\n`, 'latin1'));
    parts.push(width > 50 ? leafSmall(random, budget) : node(random, depth + 1, budget, notes, inner));
  }
  const close = random();
  if (close < 0.75) parts.push(Buffer.from(`\n--${boundary}--\n`, 'latin1'));
  else if (close < 0.85 && boundaries.length > 0) parts.push(Buffer.from(`\n--${pick(random, boundaries)}--\n`, 'latin1')); // closes an outer one
  else if (close < 0.9) parts.push(Buffer.from(`\n--${boundary}-\n`, 'latin1')); // broken close
  // else: never closed
  if (chance(random, 0.2)) parts.push(Buffer.from('epilogue\n'));
  return Buffer.concat(parts);
}

function leafSmall(random: Random, budget: Budget): Buffer {
  budget.parts -= 1;
  return Buffer.from(`Content-Type: ${pick(random, ['text/plain', 'application/octet-stream'])}\n\n${between(random, 0, 9)}\n`);
}

function message(random: Random, depth: number, budget: Budget, notes: string[], boundaries: string[]): Buffer {
  const headers = [
    Buffer.from('From: '),
    headerValue(random),
    Buffer.from(` <${pick(random, ['a@example.org', 'bad address', '', '"x\u202Ey"@example.org'])}>\nTo: `),
    headerValue(random),
    Buffer.from('\nSubject: '),
    headerValue(random),
    Buffer.from(`\nDate: ${pick(random, ['Mon, 03 Mar 2025 08:00:00 +0000', 'yesterday', '', 'Thu, 31 Feb 2099 25:61:61 +9999'])}\nMessage-ID: <${between(random, 0, 1e9)}@fuzz>\nMIME-Version: 1.0\n`),
  ];
  return Buffer.concat([...headers, node(random, depth, budget, notes, boundaries)]);
}

/**
 * One random message. About one in ten is a straight chain hundreds of levels
 * deep (the case that used to give a 500); the rest are random trees, some
 * very wide. Line ends are LF or CRLF; some messages are cut short.
 */
export function randomMessage(random: Random): FuzzMessage {
  const notes: string[] = [];
  let raw: Buffer;
  if (chance(random, 0.1)) {
    const depth = between(random, 30, 1500);
    notes.push(`chain of ${depth}`);
    const open = Array.from({ length: depth }, (_, i) => `--c${i}\nContent-Type: ${chance(random, 0.1) ? 'message/rfc822\nContent-Disposition: inline\n\nContent-Type: ' : ''}multipart/mixed; boundary="c${i + 1}"\n\n`).join('');
    const close = chance(random, 0.5) ? Array.from({ length: depth }, (_, i) => `--c${depth - i}--\n`).join('') : '';
    raw = Buffer.from(`From: chain@example.org\nSubject: deep\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="c0"\n\n${open}--c${depth}\nContent-Type: text/plain\n\ninnermost text\n${close}--c0--\n`);
  } else {
    raw = message(random, 1, { parts: between(random, 1, chance(random, 0.1) ? 2000 : 60) }, notes, []);
  }
  if (chance(random, 0.5)) raw = Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
  if (chance(random, 0.1)) {
    const cut = between(random, 0, raw.length);
    notes.push(`cut at ${cut}`);
    raw = raw.subarray(0, cut);
  }
  return { raw, notes };
}
