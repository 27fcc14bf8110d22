/**
 * The inbox's header parse (`summarizeHeaders`, from `TOP n 0`) reads a row
 * as simpleParser would, without its cost: every input here is parsed both
 * ways and must agree (tests/support/header-summary-oracle.ts). The slice
 * path for plain lines and libmime's path for the others are both exercised.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarizeHeaders } from '../../../lib/mail/header-summary';
import { mismatches, oracleInputs, type Mismatch } from '../../support/header-summary-oracle';
import { gc } from '../../support/gc';

const describe = (found: Mismatch[]) =>
  found
    .slice(0, 3)
    .map((m) => `${JSON.stringify(m.input.toString('latin1'))}\n  simpleParser: ${m.simple}\n  lean: ${m.lean}`)
    .join('\n');

test('the sample maildrops and 1,500 mutated header sections read as simpleParser reads them', async () => {
  for (const seed of [6, 23]) {
    const inputs = oracleInputs(750, seed);
    const found = await mismatches(inputs);
    assert.equal(found.length, 0, `seed ${seed}: ${found.length} of ${inputs.length} differ\n${describe(found)}`);
  }
});

test('lines the slice path must leave to libmime read as simpleParser reads them', async () => {
  const blocks = [
    // folded with LF alone, and with CRLF
    'From: A\n =?UTF-8?Q?M=C3=BCller?= <a@example.com>\nSubject: one\n\ttwo\n\n',
    'Subject: one\r\n two\r\nTo: b@example.com,\r\n c@example.com\r\n\r\n',
    // a name whose colon comes on a folding line
    'X-First: 1\r\nSubject\r\n : pending name\r\n\r\n',
    // a lone CR inside a value, raw 8-bit bytes, an encoded word
    'Subject: a\rb\r\nFrom: caf\xe9 <c@example.com>\r\nCc: =?iso-8859-1?Q?caf=E9?= <d@example.com>\r\n\r\n',
    // an mbox preamble, then a first header with no colon at all
    'From someone Mon Jan  1 00:00:00 2024\r\nSubject: after the preamble\r\n\r\n',
    'No colon here\r\nSubject : spaced\r\n\r\n',
    // content types the semicolon shortcut must not read: comments, quotes, escapes, non-ASCII
    'Content-Type: (comment) multipart/mixed; boundary="b"\r\n\r\n',
    'Content-Type: "text/html"; charset=utf-8\r\n\r\n',
    'Content-Type: text\\/plain\r\n\r\n',
    'Content-Type:  MULTIPART/Related ; type="text/html"\r\n\r\n',
    // whitespace the trim must and must not remove
    'Subject: \t padded \t \r\nMessage-ID:   <id@example.com>  \r\n\r\n',
  ].map((text) => Buffer.from(text, 'latin1'));
  const found = await mismatches(blocks);
  assert.equal(found.length, 0, describe(found));
});

test('a plain row is read from its lines, and a folded or encoded one is decoded', () => {
  const summary = summarizeHeaders(
    Buffer.from(
      [
        'Received: from x by y;',
        '\tMon, 1 Jan 2024 10:00:00 +0000',
        'From: Plain Sender <plain@example.com>',
        'To: one@example.com,',
        ' "Two, Person" <two@example.com>',
        'Subject: =?UTF-8?B?R3LDvMOfZQ==?= from =?iso-8859-1?Q?K=F6ln?=',
        'Date: Mon, 1 Jan 2024 10:00:00 +0100',
        'Content-Type: Multipart/Mixed; boundary="x"',
        'Message-ID: <m1@example.com>',
        '',
        '',
      ].join('\r\n'),
    ),
  );
  assert.deepEqual(summary, {
    from: { name: 'Plain Sender', address: 'plain@example.com' },
    to: [
      { name: '', address: 'one@example.com' },
      { name: 'Two, Person', address: 'two@example.com' },
    ],
    cc: [],
    subject: 'Grüße from Köln',
    date: '2024-01-01T09:00:00.000Z',
    contentType: 'multipart/mixed',
    hasAttachments: true,
    messageId: '<m1@example.com>',
  });
});

test('a summary keeps none of its header block alive (the cache holds thousands of summaries)', () => {
  // Long header blocks (a 50 KB DKIM-like line) with plain values long enough to be sliced rather than copied.
  const filler = `X-Filler: ${'x'.repeat(50_000)}`;
  const sections = Array.from({ length: 2_000 }, (_, i) =>
    Buffer.from(`${filler}\r\nSubject: a subject long enough to slice ${i}\r\nMessage-ID: <message-${i}@example.com>\r\nFrom: Sender ${i} <s${i}@example.com>\r\n\r\n`),
  );
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = sections.map((section) => summarizeHeaders(section));
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  assert.equal(kept[1_999]!.subject, 'a subject long enough to slice 1999');
  // Kept blocks would be 2,000 × 50 KB = 100 MB of strings; the summaries themselves are well under 5 MB.
  assert.ok(grown < 20 * 2 ** 20, `the heap grew by ${(grown / 2 ** 20).toFixed(1)} MiB for 2,000 summaries`);
});
