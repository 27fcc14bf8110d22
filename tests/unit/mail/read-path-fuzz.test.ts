/**
 * Random MIME trees through the whole read path (issue 12, item 9): the
 * parser with its guard, the sanitizer and the header decoding, then the mail
 * service (list, peek, read) against the scriptable POP3 server. Nothing a
 * sender writes may give an untyped error (a 500) or hang.
 *
 * The seed is printed; FUZZ_SEED=<seed> reruns the same messages.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { AppError } from '../../../lib/errors';
import { STATUS_OF } from '../../../lib/http/status';
import { decodeHeaderLines, summaryOrEmpty } from '../../../lib/mail/header-summary';
import { extractAttachment, parseMessageStream } from '../../../lib/mail/message-parser';
import { listMessages, previewMessage, readMessage } from '../../../lib/mail/message-service';
import { sanitizeEmailHtml } from '../../../lib/mail/sanitize-email-html';
import { visibleText } from '../../../lib/text/visible-text';
import { FakeMaildrops } from '../../support/fake-mail-session';
import { fuzzSeed, randomMessage, type FuzzMessage } from '../../support/mime-fuzz';
import { seededRandom } from '../../support/seeded-random';
import { settledWithin } from '../../support/within';

const SEED = fuzzSeed();
console.log(`# read-path fuzz seed: ${SEED} (rerun with FUZZ_SEED=${SEED})`);

/**
 * "Does not hang", not "is fast": one message must be done within this,
 * however busy the machine. A message that parses in milliseconds on a quiet
 * machine may take a hundred times longer on a loaded one; a hang never ends.
 */
const DEADLINE_MS = 20_000;

/** A rejection is acceptable only as a typed error below 500. */
function assertTyped(error: unknown, what: string): void {
  assert.ok(error instanceof AppError, `${what}: untyped error ${String(error)}\n${error instanceof Error ? error.stack : ''}`);
  assert.ok(STATUS_OF[error.code] < 500, `${what}: ${error.code} is a ${STATUS_OF[error.code]}`);
}

/** The message in chunks of random sizes, as a socket would deliver it. */
function chunked(raw: Buffer, random: () => number): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < raw.length; ) {
    const size = 1 + Math.floor(random() * (random() < 0.3 ? 16 : 65536));
    chunks.push(raw.subarray(at, at + size));
    at += size;
  }
  return Readable.from(chunks);
}

function describeMessage(index: number, message: FuzzMessage): string {
  return `seed ${SEED}, message ${index} (${message.raw.length} bytes; ${message.notes.slice(0, 8).join(' | ')})`;
}

describe('random MIME trees through the parser', () => {
  test('400 messages: each parses or is MESSAGE_TOO_COMPLEX, and its fields can be shown', async () => {
    const random = seededRandom(SEED);
    let tooComplex = 0;
    for (let index = 0; index < 400; index++) {
      const message = randomMessage(random);
      const what = describeMessage(index, message);
      summaryOrEmpty(message.raw); // the listing's decoding of the same header block: never throws
      try {
        const parsed = await settledWithin(parseMessageStream(chunked(message.raw, random)), DEADLINE_MS, what);
        if (parsed.shape.tooComplex) tooComplex++;
        for (const line of decodeHeaderLines(parsed.headerLines)) assert.equal(visibleText(line.value), line.value, what);
        if (parsed.html) sanitizeEmailHtml(parsed.html, { remoteImages: false, resolveCid: () => undefined });
        if (parsed.textAsHtml) sanitizeEmailHtml(parsed.textAsHtml, { remoteImages: false, resolveCid: () => undefined });
        if (parsed.attachments.length > 0) {
          const found = await settledWithin(extractAttachment(Readable.from([message.raw]), 'a1'), DEADLINE_MS, what);
          if (found) await settledWithin(found.stream.toArray(), DEADLINE_MS, what);
        }
      } catch (error) {
        assertTyped(error, what);
      }
    }
    // The generator makes chains hundreds deep about one time in ten: the bound must have been met.
    assert.ok(tooComplex > 0, `no message was too complex (seed ${SEED})`);
  });
});

describe('random MIME trees through the mail service', () => {
  const maildrops = new FakeMaildrops();
  after(() => maildrops.closeAll());

  test('60 messages in a maildrop: listed, peeked and read with typed errors only', async () => {
    const random = seededRandom(SEED ^ 0x5eed);
    const messages = Array.from({ length: 60 }, () => randomMessage(random));
    const server = await maildrops.start({ messages: messages.map((m) => ({ data: m.raw })) });
    const session = await maildrops.open(server);
    try {
      const page = await settledWithin(listMessages(session, { offset: 0, limit: 200 }), DEADLINE_MS, `list (seed ${SEED})`);
      assert.equal(page.messages.length, messages.length);
      for (const summary of page.messages) {
        const index = summary.number - 1;
        const what = describeMessage(index, messages[index]!);
        assert.equal(visibleText(summary.subject), summary.subject, what);
        for (const work of <Array<() => Promise<unknown>>>[
          () => previewMessage(session, summary.id, 20),
          () => readMessage(session, summary.id, { remoteImages: false, maxParseBytes: 50 * 1024 * 1024 }),
        ]) {
          try {
            await settledWithin(work(), DEADLINE_MS, what);
          } catch (error) {
            assertTyped(error, what);
          }
        }
      }
    } finally {
      session.close();
    }
  });
});
