import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attachmentDisposition } from '../../../lib/http/content-disposition';

/** The name a browser saves under: filename* (RFC 5987) when present. */
function savedName(disposition: string): string {
  const star = /filename\*=UTF-8''([^;]+)/.exec(disposition);
  assert.ok(star, disposition);
  return decodeURIComponent(star[1]!);
}

test('a right-to-left override cannot make an .exe look like a PDF', () => {
  const disposition = attachmentDisposition('invoice\u202Efdp.exe');
  assert.equal(savedName(disposition), 'invoicefdp.exe');
  assert.match(disposition, /filename="invoicefdp\.exe"/);
  assert.doesNotMatch(disposition, /%E2%80%AE|\u202E/i);
});

test('bidi isolates, marks and invisible characters are gone from both names', () => {
  const disposition = attachmentDisposition('\u2067report\u2069\u200E\u200B\uFEFF.pdf\u061C');
  assert.equal(savedName(disposition), 'report.pdf');
  assert.match(disposition, /filename="report\.pdf"/);
});

test('path parts, quotes and controls stay out; long names are cut by characters, never inside a pair', () => {
  assert.equal(savedName(attachmentDisposition('..\\..\\evil"\r\n.bat')), 'evil .bat');
  const long = '👍'.repeat(300);
  assert.equal(savedName(attachmentDisposition(long)), '👍'.repeat(200));
  assert.equal(savedName(attachmentDisposition('a\uD83D.txt')), 'a\uFFFD.txt');
  assert.equal(savedName(attachmentDisposition('\u202E')), 'attachment');
});
