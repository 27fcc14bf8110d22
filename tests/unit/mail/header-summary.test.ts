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

test('the bounds of the one-pass scan read as simpleParser reads them', async () => {
  const body = `\r\n${'body line\r\n'.repeat(50)}`;
  const blocks = [
    // encoded words on a plain line are copied and left to decodeWords (UTF-7 ones: see the next test)
    'Subject: =?UTF-8?Q?caf=C3=A9?= plain\r\nFrom: =?UTF-8?B?TcO8bGxlcg==?= <m@example.com>\r\nTo: =?UTF-8?Q?b?= <b@example.com>\r\n\r\n',
    // an 8-bit byte in a line that is not wanted, and in one that is, after plain ones
    'X-Note: caf\xe9\r\nSubject: plain after 8-bit\r\nFrom: A <a@example.com>\r\n\r\n',
    'Subject: plain\r\nFrom: A <a@example.com>\r\nTo: caf\xe9 <c@example.com>\r\n\r\n',
    // a lone CR among CRLF lines, and a CR after LF-only lines
    'Subject: plain\r\nFrom: a\rb <a@example.com>\r\nTo: c@example.com\r\n\r\n',
    'Subject: plain\nFrom: A <a@example.com>\nTo: b@example.com\r\nCc: c@example.com\n\n',
    // which blank line ends the block: LF or CRLF alone, whichever comes first, even at the very start
    'Subject: first\n\nFrom: after <b@example.com>\r\n\r\n',
    'Subject: first\r\n\r\nFrom: after <b@example.com>\n\n',
    '\r\nSubject: after a blank start\r\n\r\n',
    '\nSubject: after a blank start\n\n',
    `Subject: with a body\r\nFrom: A <a@example.com>\r\n${body}`,
    // CRs before the blank line or the end, and a line of CRs alone
    'Subject: a\r\r\n\r\n',
    'Subject: a\r\n\r\r\n\r\n',
    'From: A <a@example.com>\r\nSubject: truncated\r',
    'Subject: folded\r\n tail\r\r\n\r\n',
    // names as mailsplit keys them: trimmed (VT, NBSP), lowercased, and not with an 8-bit letter
    '\x0bSubject: after a VT\r\nFrom\xa0: A <a@example.com>\r\nMESSAGE-ID: <UPPER@example.com>\r\nSubj\xe9ct: no\r\n\r\n',
    'X-Before: 1\r\n\x0c\r\n Subject: name after a line of FF\r\n\r\n',
    // only the first From, Date and Content-Type count; Subject and Message-ID skip empty ones
    'From: A <a@example.com>\r\nFrom: B <b@example.com>\r\nDate: Mon, 8 Jan 2024 03:00:00 -0500\r\nDate: Tue, 9 Jan 2024 03:00:00 -0500\r\n' +
      'Content-Type: text/html\r\nContent-Type: multipart/mixed\r\nSubject:\r\nSubject: =?UTF-8?Q??=\r\nSubject: second\r\nMessage-ID:  \r\nMessage-ID: <second@x>\r\n\r\n',
    // preambles: any case of "From " or "POST ", but not a From header
    'from sender@example.com Mon Jan  1 00:00:00 2024\r\nSubject: after a lowercase preamble\r\n\r\n',
    'POST /inbox HTTP/1.1\r\nSubject: after an HTTP preamble\r\n\r\n',
    'From:A <a@example.com>\r\nSubject: no preamble\r\n\r\n',
  ].map((text) => Buffer.from(text, 'latin1'));
  // Beyond the length where the size bound cannot be reached, yet within it: checked line by line.
  blocks.push(Buffer.from(`${'X-Long: y\r\n'.repeat(1_600)}Subject: long block\r\n\r\n${body}`, 'latin1'));
  const found = await mismatches(blocks);
  assert.equal(found.length, 0, describe(found));
});

test('a UTF-7 encoded word on an otherwise plain line is still repaired (simpleParser leaves it undecoded)', () => {
  const summary = summarizeHeaders(
    Buffer.from(
      'Subject: =?utf-7?Q?Fr+APY-sche?= im Teich\r\nFrom: =?UNICODE-1-1-UTF-7?Q?Fr+APY-sche?= <f@example.com>\r\n' +
        'To: =?x-utf7?Q?a+APY-b?= <a@example.com>, =?UTF-8?Q?b?= <b@example.com>\r\n\r\n',
      'latin1',
    ),
  );
  assert.equal(summary.subject, 'Frösche im Teich');
  assert.deepEqual(summary.from, { name: 'Frösche', address: 'f@example.com' });
  assert.deepEqual(summary.to, [
    { name: 'aöb', address: 'a@example.com' },
    { name: 'b', address: 'b@example.com' },
  ]);
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
