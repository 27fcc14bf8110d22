/**
 * Real-world charset trouble (issue 12, item 14), on both decoding paths: the
 * inbox's (`summarizeHeaders`, from `TOP n 0`) and the reader's (mailparser
 * behind the MIME guard, from `RETR`). Fixtures: tests/fixtures/mail/.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import type { AddressObject } from 'mailparser';
import { repairEncodedWords } from '../../../lib/mail/encoded-words';
import { decodeHeaderLines, summarizeHeaders } from '../../../lib/mail/header-summary';
import { parseMessageStream } from '../../../lib/mail/message-parser';
import { sanitizeEmailHtml } from '../../../lib/mail/sanitize-email-html';
import { hostileFixture, type HostileFixture } from '../../support/hostile-mail';
import { crlfLineEnds } from '../../support/maildrop';

const fixture = (name: HostileFixture) => crlfLineEnds(hostileFixture(name));
const parse = (raw: Buffer) => parseMessageStream(Readable.from([raw]));
const headerValue = (lines: { name: string; value: string }[], name: string) => lines.find((line) => line.name.toLowerCase() === name)?.value;

test('UTF-7 encoded words decode in the inbox listing', () => {
  const summary = summarizeHeaders(fixture('utf7-outlook-express'));
  assert.equal(summary.subject, 'Frösche im Teich');
  assert.deepEqual(summary.from, { name: 'Jürgen Müller', address: 'juergen@example.de' });
});

test('UTF-7 decodes in a read message: headers, the text part and the HTML part (sanitized after decoding)', async () => {
  const parsed = await parse(fixture('utf7-outlook-express'));
  assert.equal(parsed.headers.get('subject'), 'Frösche im Teich');
  assert.equal((parsed.headers.get('from') as AddressObject).value[0]?.name, 'Jürgen Müller');
  assert.equal(headerValue(decodeHeaderLines(parsed.headerLines), 'subject'), 'Frösche im Teich');
  assert.match(parsed.text ?? '', /^Ärger über die Frösche: sie quaken äußerst laut\.\nGrüße, Jürgen/);
  assert.match(parsed.html ?? '', /<P>Ärger über die Frösche<\/P>/);
  // Decoded, the HTML holds a script and a javascript: link: the sanitizer sees them, and drops them.
  const { html } = sanitizeEmailHtml(parsed.html ?? '', { remoteImages: false, resolveCid: () => undefined });
  assert.match(html, /<p>Ärger über die Frösche<\/p>/);
  assert.doesNotMatch(html, /script|alert|javascript|\+AD/i);
});

test('raw 8-bit bytes inside encoded words are the charset they name, in the listing', () => {
  const summary = summarizeHeaders(fixture('eudora-8bit-encoded-words'));
  assert.equal(summary.subject, 'Frösche und Mäuse');
  assert.deepEqual(summary.from, { name: 'Renée Dupré', address: 'renee@example.fr' });
  assert.deepEqual(summary.to, [{ name: 'Jürgen', address: 'juergen@example.de' }]);
});

test('raw 8-bit bytes inside encoded words are the charset they name, in a read message and its attachment name', async () => {
  const parsed = await parse(fixture('eudora-8bit-encoded-words'));
  assert.equal(parsed.headers.get('subject'), 'Frösche und Mäuse');
  assert.equal((parsed.headers.get('from') as AddressObject).value[0]?.name, 'Renée Dupré');
  const lines = decodeHeaderLines(parsed.headerLines);
  assert.equal(headerValue(lines, 'subject'), 'Frösche und Mäuse');
  assert.equal(headerValue(lines, 'from'), 'Renée Dupré <renee@example.fr>');
  assert.equal(parsed.text?.trim(), 'Voilà la liste des frösche.');
  assert.deepEqual(parsed.attachments.map((a) => a.filename), ['Mäuse.txt']);
  for (const value of [parsed.headers.get('subject'), parsed.text, ...lines.map((l) => l.value)]) {
    assert.doesNotMatch(String(value), /\uFFFD|ï¿½/);
  }
});

test('repairEncodedWords: only UTF-7 and 8-bit words change, into ASCII; everything else byte for byte', () => {
  const latin1 = (bytes: number[] | string) => Buffer.from(bytes as never).toString('latin1');
  assert.equal(repairEncodedWords('=?utf-8?Q?caf=C3=A9?= plain =?iso-8859-1?B?6Q==?='), '=?utf-8?Q?caf=C3=A9?= plain =?iso-8859-1?B?6Q==?=');
  assert.equal(repairEncodedWords('=?UNICODE-1-1-UTF-7?Q?+APw-ber?='), `=?UTF-8?B?${Buffer.from('über').toString('base64')}?=`);
  assert.equal(repairEncodedWords('=?utf-7*de?B?K0FQdy1iZXI=?='), `=?UTF-8?B?${Buffer.from('über').toString('base64')}?=`);
  const eudora = latin1([...Buffer.from('=?iso-8859-1?Q?Fr'), 0xf6, ...Buffer.from('sche_=E4?= x')]);
  assert.equal(repairEncodedWords(eudora), `=?iso-8859-1?B?${Buffer.from([0x46, 0x72, 0xf6, 0x73, 0x63, 0x68, 0x65, 0x20, 0xe4]).toString('base64')}?= x`);
  assert.match(repairEncodedWords(eudora), /^[\x20-\x7e]*$/);
  // 8-bit bytes outside any word are raw UTF-8 (or not): left for the caller.
  assert.equal(repairEncodedWords(latin1([0xc3, 0xbc])), latin1([0xc3, 0xbc]));
});
