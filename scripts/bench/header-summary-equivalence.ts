/**
 * Checks that the lean header parse (lib/mail/header-summary.ts) gives what
 * simpleParser gave for the same bytes, over the sample maildrops and a few
 * thousand mutated header sections (duplicates, empties, folding, LF-only,
 * raw 8-bit, encoded words, bad dates, groups, mbox preambles, keyless and
 * truncated blocks). Also prints the cost per message of each.
 *
 *   node --import tsx scripts/bench/header-summary-equivalence.ts [cases]
 */
import { simpleParser } from 'mailparser';
import { flattenAddresses } from '../../lib/mail/addresses';
import { headerEnd } from '../../lib/mail/header-fetch';
import { summarizeHeaders, type HeaderSummary } from '../../lib/mail/header-summary';
import { crlfLineEnds, demoMaildrop, sampleMaildrop, smallMessages } from '../../tests/support/maildrop';

const PARSE_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true } as const;

/** The previous implementation, verbatim in behaviour: simpleParser per message. */
async function viaSimpleParser(headerBytes: Buffer): Promise<HeaderSummary> {
  const parsed = await simpleParser(headerBytes, PARSE_OPTIONS);
  const contentTypeHeader = parsed.headers.get('content-type');
  const contentType =
    typeof contentTypeHeader === 'object' && contentTypeHeader !== null && 'value' in contentTypeHeader
      ? String(contentTypeHeader.value).toLowerCase()
      : 'text/plain';
  const date = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date.toISOString() : null;
  return {
    from: flattenAddresses(parsed.from)[0] ?? null,
    to: flattenAddresses(parsed.to),
    cc: flattenAddresses(parsed.cc),
    subject: parsed.subject ?? '',
    date,
    contentType,
    hasAttachments: /^multipart\/(mixed|related|report)/.test(contentType),
    messageId: parsed.messageId ?? null,
  };
}

/** A small deterministic PRNG, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const EXTRA_LINES = [
  'Subject: ',
  'Subject: =?iso-8859-1?Q?caf=E9_cr=E8me?=',
  'Subject: =?UTF-8?B?8J+YgCBzbWlsZQ==?= and =?utf-8?q?more?=',
  'Subject: =?broken?x?nope?=',
  'Subject: Re: =?UTF-8?Q?J=C3=B6rg?=\r\n  folded tail',
  'From: ',
  'From: "Quoted, Name" <q@example.org>',
  'From: =?UTF-8?Q?M=C3=BCller?= <mueller@xn--mnchen-3ya.de>',
  'From: <=?utf-8?q?ceo=40bank.com?=@evil.example>',
  'From: plain@example.com (A Comment)',
  'To: Team: a@example.com, "B" <b@example.com>;, c@example.com',
  'To: ',
  'To: undisclosed-recipients:;',
  'Cc: x@example.com,\r\n\ty@example.com',
  'CC: =?utf-8?B?w4VzYQ==?= <asa@example.se>',
  'Date: not a date',
  'Date: ',
  'Date: Tue, 1 Jul 2003 10:52:37 +0200 (CEST)',
  'Date: 2024-02-30T25:00:00Z',
  'Message-ID: plain-id@example.com',
  'Message-ID: ',
  'Message-Id: <x@y>',
  'Content-Type: MULTIPART/Mixed; boundary="b" (comment)',
  'Content-Type: ',
  'Content-Type: (only a comment)',
  'Content-Type: text/html; charset=utf-8',
  'Content-type: =?utf-8?q?multipart/related?=',
  'Subject : spaced colon',
  'X-No-Colon-Line',
  ' leading folded continuation: with colon',
  'From:\r\n =?UTF-8?Q?Folded_=C3=85?= <folded@example.com>',
];

function mutate(base: string, rand: () => number): Buffer {
  const lines = base.split(/\r?\n/).filter((line) => line !== '');
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const count = Math.floor(rand() * 4);
  for (let i = 0; i < count; i++) lines.splice(Math.floor(rand() * (lines.length + 1)), 0, pick(EXTRA_LINES));
  if (rand() < 0.1) lines.unshift('From sender@example.com Mon Jan  1 00:00:00 2024');
  if (rand() < 0.1) lines.unshift(pick(EXTRA_LINES));
  if (rand() < 0.1) {
    // raw 8-bit: valid UTF-8 or latin1 bytes that are not UTF-8
    lines.push(rand() < 0.5 ? 'Subject: Grüße aus Köln' : '\u0000LATIN1');
  }
  if (rand() < 0.15 && lines.length > 2) {
    // fold a line at a space
    const index = Math.floor(rand() * lines.length);
    lines[index] = lines[index]!.replace(' ', rand() < 0.5 ? '\r\n ' : '\r\n\t');
  }
  let text = lines.join('\r\n');
  const truncated = rand() < 0.08;
  if (!truncated) text += '\r\n\r\n';
  if (rand() < 0.2) text = text.replace(/\r\n/g, '\n');
  if (rand() < 0.05) text = `\r\n${text}`;
  let bytes = Buffer.from(text, 'utf8');
  if (text.includes('\u0000LATIN1')) bytes = Buffer.from(text.replace('\u0000LATIN1', 'Subject: caf\u00e9 latin1'), 'latin1');
  if (truncated && rand() < 0.5) bytes = bytes.subarray(0, Math.floor(rand() * bytes.length));
  return bytes;
}

/** Dates that fell back to "now" in either parser are equal when both are within a few seconds of each other. */
function same(a: HeaderSummary, b: HeaderSummary): boolean {
  if (a.date !== b.date && a.date && b.date && Math.abs(Date.parse(a.date) - Date.parse(b.date)) < 5000) return JSON.stringify({ ...a, date: null }) === JSON.stringify({ ...b, date: null });
  return JSON.stringify(a) === JSON.stringify(b);
}

async function main(): Promise<void> {
  const cases = Number(process.argv[2] ?? 3000);
  const messages = [...sampleMaildrop({ big: false }), ...smallMessages(300), ...demoMaildrop()].map((m) => crlfLineEnds(m.raw));
  const sections = messages.map((raw) => raw.subarray(0, Math.max(0, headerEnd(raw))));
  const rand = random(Number(process.argv[3] ?? 6));
  const inputs: Buffer[] = [...sections];
  for (let i = 0; i < cases; i++) inputs.push(mutate(sections[Math.floor(rand() * sections.length)]!.toString('utf8'), rand));
  inputs.push(Buffer.from(Array.from({ length: 20_000 }, (_, i) => `X-${i}: y`).join('\r\n'))); // beyond mailsplit's size bound

  let mismatches = 0;
  for (const input of inputs) {
    const before = await viaSimpleParser(input).then(
      (summary) => ({ summary, error: undefined }),
      (error: unknown) => ({ summary: undefined, error }),
    );
    let after: { summary?: HeaderSummary; error?: unknown };
    try {
      after = { summary: summarizeHeaders(input) };
    } catch (error) {
      after = { error };
    }
    const agree = before.summary && after.summary ? same(before.summary, after.summary) : !!before.error === !!after.error;
    if (!agree) {
      mismatches++;
      if (mismatches <= 5) {
        console.log('MISMATCH for', JSON.stringify(input.toString('latin1')));
        console.log('  simpleParser:', before.error ? `error ${String(before.error)}` : JSON.stringify(before.summary));
        console.log('  lean:        ', after.error ? `error ${String(after.error)}` : JSON.stringify(after.summary));
      }
    }
  }
  console.log(`${inputs.length} header sections, ${mismatches} mismatches`);

  const timing = sections.slice(0, 300);
  let t0 = performance.now();
  for (let round = 0; round < 3; round++) for (const section of timing) await viaSimpleParser(section);
  const slow = (performance.now() - t0) / (3 * timing.length);
  t0 = performance.now();
  for (let round = 0; round < 30; round++) for (const section of timing) summarizeHeaders(section);
  const fast = (performance.now() - t0) / (30 * timing.length);
  console.log(`per message: simpleParser ${(slow * 1000).toFixed(0)} µs, lean ${(fast * 1000).toFixed(0)} µs`);
  process.exitCode = mismatches === 0 ? 0 : 1;
}

void main();
