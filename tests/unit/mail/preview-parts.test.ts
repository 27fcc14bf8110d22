/**
 * The peek's part scanner (issue 11, item 1): parts named from the first lines
 * of a message, sizes measured where a part ends within them and estimated
 * from LIST's size where it does not; nested multiparts, missing boundaries,
 * RFC 2231 and encoded-word file names; the MIME bounds.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MIME_BOUNDS } from '../../../lib/mail/mime-guard';
import { decodedSize, scanPreviewParts, textPartsComplete } from '../../../lib/mail/preview-parts';
import { wideMessage } from '../../support/hostile-mail';

const CRLF = '\r\n';

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function mixed(parts: string[], boundary = 'b1', eol = CRLF): Buffer {
  const head = [`From: a@example.com`, `Subject: test`, `MIME-Version: 1.0`, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', 'preamble', ''];
  const body = parts.map((part) => `--${boundary}${eol}${part}`).join(eol);
  return Buffer.from(`${head.join(eol)}${body}${eol}--${boundary}--${eol}`.replaceAll(CRLF, eol));
}

const textPart = (text: string) => `Content-Type: text/plain; charset=utf-8${CRLF}${CRLF}${text}`;
const attachment = (name: string, data: Buffer, disposition = `attachment; filename="${name}"`) =>
  `Content-Type: application/zip${CRLF}Content-Transfer-Encoding: base64${CRLF}Content-Disposition: ${disposition}${CRLF}${CRLF}${base64Lines(data)}`;

/** The first `bodyLines` lines after the header section, as `TOP n bodyLines` answers. */
function top(message: Buffer, bodyLines: number): Buffer {
  const text = message.toString('latin1');
  const headerEnd = text.indexOf('\r\n\r\n') + 4;
  let at = headerEnd;
  for (let i = 0; i < bodyLines && at < text.length; i++) {
    const lf = text.indexOf('\n', at);
    at = lf < 0 ? text.length : lf + 1;
  }
  return message.subarray(0, at);
}

test('a plain message is one part, measured', () => {
  const message = Buffer.from(`Subject: hi${CRLF}${CRLF}Hello${CRLF}there${CRLF}`);
  const scan = scanPreviewParts(message, message.length, true);
  assert.deepEqual(scan.parts, [{ contentType: 'text/plain', filename: null, disposition: null, estimatedSize: 12, complete: true }]);
  assert.equal(scan.wantsMore, false);
});

test('a whole multipart: every leaf, base64 measured decoded', () => {
  const zip = randomBytes(10_000);
  const message = mixed([textPart('Photos attached.'), attachment('holiday-photos.zip', zip)]);
  const scan = scanPreviewParts(message, message.length, true);
  assert.equal(scan.parts.length, 2);
  assert.deepEqual(scan.parts[0], { contentType: 'text/plain', filename: null, disposition: null, estimatedSize: 16, complete: true });
  assert.deepEqual(scan.parts[1], { contentType: 'application/zip', filename: 'holiday-photos.zip', disposition: 'attachment', estimatedSize: 10_000, complete: true });
  assert.equal(scan.wantsMore, false);
});

test('lines that end inside an attachment: its size is estimated from LIST within 1 %', () => {
  const zip = randomBytes(5_700_000);
  const message = mixed([textPart('Photos attached.'), attachment('holiday-photos.zip', zip)]);
  const scan = scanPreviewParts(top(message, 40), message.length, false);
  assert.equal(scan.parts.length, 2);
  const last = scan.parts[1]!;
  assert.equal(last.filename, 'holiday-photos.zip');
  assert.equal(last.complete, false);
  assert.ok(Math.abs(last.estimatedSize - zip.length) / zip.length < 0.01, `estimated ${last.estimatedSize} for ${zip.length}`);
  assert.equal(scan.wantsMore, false, 'the attachment is named: nothing more to fetch');
});

test('lines that end inside a long text part first: more lines are wanted, and the text part is not complete', () => {
  const longText = Array.from({ length: 500 }, (_, i) => `line ${i} of a long letter`).join(CRLF);
  const message = mixed([textPart(longText), attachment('report.pdf', randomBytes(3000))]);
  const scan = scanPreviewParts(top(message, 20), message.length, false);
  assert.equal(scan.parts.length, 1);
  assert.equal(scan.parts[0]!.contentType, 'text/plain');
  assert.equal(scan.parts[0]!.complete, false);
  assert.equal(scan.wantsMore, true);
  const more = scanPreviewParts(top(message, 520), message.length, false);
  assert.deepEqual(more.parts.map((part) => part.filename), [null, 'report.pdf']);
  assert.equal(more.parts[0]!.complete, true);
  assert.equal(more.wantsMore, false);
});

test('a multipart/alternative cut short wants no more lines (it holds no attachments)', () => {
  const message = Buffer.from(
    [`Content-Type: multipart/alternative; boundary=alt`, '', '--alt', 'Content-Type: text/plain', '', ...Array(100).fill('text'), '--alt', 'Content-Type: text/html', '', '<p>x</p>', '--alt--', ''].join(CRLF),
  );
  const scan = scanPreviewParts(top(message, 10), message.length, false);
  assert.equal(scan.wantsMore, false);
});

test('nested multiparts: mixed > alternative (text, html) + related image + attachment, in order', () => {
  const message = Buffer.from(
    [
      'Content-Type: multipart/mixed; boundary=outer',
      '',
      '--outer',
      'Content-Type: multipart/alternative; boundary=inner',
      '',
      '--inner',
      'Content-Type: text/plain',
      '',
      'plain',
      '--inner',
      'Content-Type: multipart/related; boundary=rel',
      '',
      '--rel',
      'Content-Type: text/html',
      '',
      '<p>html</p>',
      '--rel',
      'Content-Type: image/png; name="logo.png"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: inline',
      '',
      Buffer.alloc(300).toString('base64'),
      '--rel--',
      '--inner--',
      '--outer',
      'Content-Type: application/pdf',
      'Content-Disposition: attachment; filename=a.pdf',
      '',
      'PDF',
      '--outer--',
      '',
    ].join(CRLF),
  );
  const scan = scanPreviewParts(message, message.length, true);
  assert.deepEqual(
    scan.parts.map((part) => [part.contentType, part.filename, part.disposition, part.estimatedSize]),
    [
      ['text/plain', null, null, 5],
      ['text/html', null, null, 11],
      ['image/png', 'logo.png', 'inline', 300],
      ['application/pdf', 'a.pdf', 'attachment', 3],
    ],
  );
  assert.ok(scan.parts.every((part) => part.complete));
});

test('a delimiter of an outer multipart closes the inner one that never closed', () => {
  const message = Buffer.from(
    ['Content-Type: multipart/mixed; boundary=o', '', '--o', 'Content-Type: multipart/alternative; boundary=i', '', '--i', '', 'text', '--o', 'Content-Type: text/csv', 'Content-Disposition: attachment; filename=x.csv', '', 'a,b', '--o--', ''].join(CRLF),
  );
  const scan = scanPreviewParts(message, message.length, true);
  assert.deepEqual(scan.parts.map((part) => [part.contentType, part.filename, part.estimatedSize]), [['text/plain', null, 4], ['text/csv', 'x.csv', 3]]);
});

test('a multipart without a boundary is one opaque part; a multipart that never closes ends with the message', () => {
  const noBoundary = Buffer.from(`Content-Type: multipart/mixed${CRLF}${CRLF}--x${CRLF}${CRLF}body${CRLF}`);
  assert.deepEqual(scanPreviewParts(noBoundary, noBoundary.length, true).parts.map((part) => part.contentType), ['multipart/mixed']);
  const unclosed = Buffer.from(['Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'hello', ''].join(CRLF));
  const scan = scanPreviewParts(unclosed, unclosed.length, true);
  assert.deepEqual(scan.parts, [{ contentType: 'text/plain', filename: null, disposition: null, estimatedSize: 5, complete: true }]);
});

test('file names: RFC 2231 continuations with a charset, RFC 2047 encoded words, the Content-Type name as a fallback', () => {
  const message = mixed([
    attachment('', Buffer.from('x'), `attachment;${CRLF} filename*0*=utf-8''%E2%82%AC%20rates;${CRLF} filename*1*=%20for%202026.pdf`),
    attachment('', Buffer.from('y'), `attachment; filename="=?UTF-8?B?w6lsw6hvbi56aXA=?="`),
    `Content-Type: image/jpeg; name="=?ISO-8859-1?Q?f=F6to.jpg?="${CRLF}${CRLF}jpeg`,
    attachment('', Buffer.from('z'), `attachment; filename="\u202Egpj.exe"`),
  ]);
  const scan = scanPreviewParts(message, message.length, true);
  assert.deepEqual(scan.parts.map((part) => part.filename), ['€ rates for 2026.pdf', 'élèon.zip', 'föto.jpg', 'gpj.exe']);
  assert.equal(scan.parts[2]!.disposition, null);
});

test('LF-only line ends are read the same way', () => {
  const zip = randomBytes(2000);
  const message = mixed([textPart('hi'), attachment('a.zip', zip)], 'b1', '\n');
  const scan = scanPreviewParts(message, message.length, true);
  assert.deepEqual(scan.parts.map((part) => [part.filename, part.estimatedSize]), [[null, 2], ['a.zip', 2000]]);
});

test('quoted-printable is measured decoded', () => {
  assert.equal(decodedSize(Buffer.from('caf=C3=A9 au lait=\r\nsuite'), 'quoted-printable'), 'café au laitsuite'.length + 1);
  assert.equal(decodedSize(Buffer.from('AAAA\r\nAA=='), 'base64'), 4);
});

test('lines that end inside a part\'s header block: the part is named as far as its headers go', () => {
  const message = mixed([textPart('short'), attachment('big.bin', randomBytes(50_000))]);
  const text = message.toString('latin1');
  const cut = message.subarray(0, text.indexOf('Content-Disposition') + 10); // mid-line, in the attachment's headers
  const scan = scanPreviewParts(cut, message.length, false);
  assert.equal(scan.parts.length, 2);
  assert.equal(scan.parts[1]!.contentType, 'application/zip');
  assert.equal(scan.parts[1]!.complete, false);
  assert.ok(scan.parts[1]!.estimatedSize > 30_000);
});

test(`bounds: a message wider than ${MIME_BOUNDS.maxParts} parts stops the scan there`, () => {
  const message = wideMessage(MIME_BOUNDS.maxParts + 100, CRLF);
  const scan = scanPreviewParts(message, message.length, true);
  assert.ok(scan.parts.length < MIME_BOUNDS.maxParts, `${scan.parts.length} parts`);
  assert.equal(scan.wantsMore, false);
});

test('the text shown is whole when its plain part ended in the lines read; an HTML alternative or an attachment after it does not count', () => {
  const zip = base64Lines(Buffer.alloc(3000, 1));
  const textThenZip = (text: string) =>
    mixed([`Content-Type: text/plain${CRLF}${CRLF}${text}`, `Content-Type: application/zip; name="a.zip"${CRLF}Content-Transfer-Encoding: base64${CRLF}Content-Disposition: attachment; filename="a.zip"${CRLF}${CRLF}${zip}`]);
  const whole = textThenZip('One line.');
  // Cut inside the zip: the text part ended before it.
  assert.equal(textPartsComplete(scanPreviewParts(whole.subarray(0, whole.length - 2000), 10_000, false).parts), true);
  // Cut inside the text part: not whole, whatever comes after.
  const long = textThenZip(Array.from({ length: 200 }, (_, i) => `Line ${i}`).join(CRLF));
  assert.equal(textPartsComplete(scanPreviewParts(long.subarray(0, 400), 10_000, false).parts), false);
  // multipart/alternative: the plain part is what is shown; the HTML part after it, cut short, does not count.
  const alternative = mixed([`Content-Type: text/plain${CRLF}${CRLF}Short.`, `Content-Type: text/html${CRLF}${CRLF}<p>${'x'.repeat(3000)}</p>`], 'alt');
  assert.equal(textPartsComplete(scanPreviewParts(alternative.subarray(0, 300), 10_000, false).parts), true);
  // No part at all is not "whole".
  assert.equal(textPartsComplete([]), false);
});
