/**
 * The bounded pass over a message's MIME structure in front of mailparser
 * (issue 12, item 9): depth and width bounds, what text is still read, the
 * parser hang it prevents, and byte-exact pass-through at every chunk split.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { MIME_BOUNDS, MimeGuard } from '../../../lib/mail/mime-guard';
import { parseMessageStream } from '../../../lib/mail/message-parser';
import { nestedMessage, wideMessage } from '../../support/hostile-mail';
import { settledWithin } from '../../support/within';

const nested = (levels: number, eol = '\r\n') => nestedMessage(levels, eol);
const wide = (parts: number) => wideMessage(parts, '\r\n');

async function guarded(raw: Buffer, chunkSize = raw.length): Promise<{ out: Buffer; guard: MimeGuard }> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < raw.length; at += chunkSize) chunks.push(raw.subarray(at, at + chunkSize));
  const guard = new MimeGuard();
  const out = Buffer.concat(await Readable.from(chunks).pipe(guard).toArray());
  return { out, guard };
}

/** Generous: a hang fails, slowness does not. */
const HANG_MS = 20_000;

test('a message within the bounds parses whole; its shape is measured', async () => {
  const parsed = await parseMessageStream(Readable.from([nested(10)]));
  assert.equal(parsed.text?.trim(), 'innermost');
  assert.deepEqual(parsed.shape, { depth: 12, parts: 12, tooComplex: false });
});

test('hundreds of levels deep: too complex, at once and without an untyped error', async () => {
  for (const levels of [MIME_BOUNDS.maxDepth, 300, 1000, 5000]) {
    const parsed = await settledWithin(parseMessageStream(Readable.from([nested(levels)])), HANG_MS, `${levels} levels`);
    assert.equal(parsed.shape.tooComplex, true, `${levels} levels`);
    assert.equal(parsed.shape.depth, MIME_BOUNDS.maxDepth + 1);
  }
});

test('thousands of parts wide: too complex, and the text before the bound is still read', async () => {
  const ok = await parseMessageStream(Readable.from([wide(MIME_BOUNDS.maxParts - 1)]));
  assert.equal(ok.shape.tooComplex, false);
  assert.equal(ok.attachments.length, MIME_BOUNDS.maxParts - 2);
  for (const parts of [1001, 20_000]) {
    const parsed = await settledWithin(parseMessageStream(Readable.from([wide(parts)])), HANG_MS, `${parts} parts`);
    assert.equal(parsed.shape.tooComplex, true);
    assert.equal(parsed.text?.trim(), 'the text comes first');
    assert.ok(parsed.attachments.length < MIME_BOUNDS.maxParts);
  }
});

test('an inline message/rfc822 part that ends inside its header block no longer hangs the parser', async () => {
  const cases = {
    'closed at once': '--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n--b--\r\n',
    'next part at once': '--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nafter\r\n--b--\r\n',
    'header never ended': '--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n',
    'inner header never ended': '--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\nSubject: inner\r\n--b--\r\n',
  };
  for (const [name, body] of Object.entries(cases)) {
    const raw = Buffer.from(`Subject: outer\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\npreamble\r\n${body}`);
    const parsed = await settledWithin(parseMessageStream(Readable.from([raw])), HANG_MS, name);
    assert.equal(parsed.headers.get('subject'), 'outer', name);
  }
});

test('a parser failure is a typed MESSAGE_TOO_COMPLEX, never an untyped error', async () => {
  // A header block past mailsplit's 1 MB bound: the guard stops before it; the parser never fails.
  const huge = Buffer.from(`Subject: big header\r\nContent-Type: multipart/mixed; boundary="h"\r\n\r\n--h\r\n${'X-Filler: y\r\n'.repeat(20_000)}\r\nbody\r\n--h--\r\n`);
  try {
    const parsed = await settledWithin(parseMessageStream(Readable.from([huge])), HANG_MS, 'huge header');
    assert.equal(parsed.shape.tooComplex, true);
  } catch (error) {
    assert.ok(error instanceof AppError && error.code === 'MESSAGE_TOO_COMPLEX', String(error));
  }
});

test('bytes pass unchanged at every chunk split, and the shape does not depend on the split', async () => {
  const raw = Buffer.concat([nested(6, '\n'), Buffer.from('--x\r\n'), wide(30)]);
  const whole = await guarded(raw);
  assert.ok(whole.out.equals(raw));
  for (let size = 1; size <= 97; size += 1) {
    const split = await guarded(raw, size);
    assert.ok(split.out.equals(raw), `chunks of ${size}`);
    assert.deepEqual(split.guard.shape, whole.guard.shape, `chunks of ${size}`);
  }
});

test('header lines with UTF-7 or 8-bit encoded words are repaired at every chunk split; bodies are not touched', async () => {
  const raw = Buffer.concat([
    Buffer.from('Subject: =?utf-7?Q?Fr+APY-sche?=\r\nFrom: =?iso-8859-1?Q?Ren'),
    Buffer.from([0xe9]),
    Buffer.from('e?= <r@example.fr>\r\nContent-Type: text/plain\r\n\r\nbody =?utf-7?Q?+APw-?= stays\r\n'),
  ]);
  const expected = Buffer.from(`Subject: =?UTF-8?B?${Buffer.from('Frösche').toString('base64')}?=\r\nFrom: =?iso-8859-1?B?UmVu6WU=?= <r@example.fr>\r\nContent-Type: text/plain\r\n\r\nbody =?utf-7?Q?+APw-?= stays\r\n`);
  for (let size = 1; size <= raw.length; size++) {
    assert.ok((await guarded(raw, size)).out.equals(expected), `chunks of ${size}`);
  }
});
