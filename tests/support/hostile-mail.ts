/**
 * Mail written to break a reader: the fixtures in tests/fixtures/mail (real-world
 * charset and bidi trouble) and MIME trees built beyond the parser's bounds.
 * Deterministic; LF line ends, as stored (the server serves CRLF).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type HostileFixture = 'bidi-invoice' | 'utf7-outlook-express' | 'eudora-8bit-encoded-words';

export function hostileFixture(name: HostileFixture): Buffer {
  return readFileSync(path.join(__dirname, '..', 'fixtures', 'mail', `${name}.eml`));
}

/** Multiparts nested `levels` deep, the text at the bottom, every multipart closed. */
export function nestedMessage(levels: number, eol = '\n'): Buffer {
  let text = `From: deep@example.org${eol}Subject: nested deep${eol}MIME-Version: 1.0${eol}Content-Type: multipart/mixed; boundary="b0"${eol}${eol}`;
  for (let i = 0; i < levels; i++) text += `--b${i}${eol}Content-Type: multipart/mixed; boundary="b${i + 1}"${eol}${eol}`;
  text += `--b${levels}${eol}Content-Type: text/plain${eol}${eol}innermost${eol}--b${levels}--${eol}`;
  for (let i = levels - 1; i >= 0; i--) text += `--b${i}--${eol}`;
  return Buffer.from(text);
}

/** One multipart of `parts` parts, the readable text first. */
export function wideMessage(parts: number, eol = '\n'): Buffer {
  let text = `From: wide@example.org${eol}Subject: very wide${eol}MIME-Version: 1.0${eol}Content-Type: multipart/mixed; boundary="w"${eol}${eol}--w${eol}Content-Type: text/plain${eol}${eol}the text comes first${eol}`;
  for (let i = 1; i < parts; i++) text += `--w${eol}Content-Type: application/octet-stream${eol}Content-Disposition: attachment; filename="p${i}.bin"${eol}${eol}x${eol}`;
  return Buffer.from(`${text}--w--${eol}`);
}

/** A forwarded message, inline, whose part ends before its header block does: mailparser alone never finishes it. */
export function openInlineMessage(): Buffer {
  return Buffer.from(
    'From: forward@example.org\nSubject: forward left open\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="f"\n\nForwarded below.\n--f\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n--f--\n',
  );
}
