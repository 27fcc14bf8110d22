/**
 * The oracle for the lean header parse (lib/mail/header-summary.ts): what
 * simpleParser gives for the same bytes, and header sections mutated the ways
 * real mail differs (duplicates, empties, folding, LF-only, raw 8-bit,
 * encoded words, bad dates, groups, mbox preambles, keyless and truncated
 * blocks). Used by tests/unit/mail/header-summary.test.ts and by
 * scripts/bench/header-summary-equivalence.ts.
 */
import { simpleParser } from 'mailparser';
import { flattenAddresses } from '../../lib/mail/addresses';
import { headerEnd } from '../../lib/mail/header-fetch';
import { summarizeHeaders, type HeaderSummary } from '../../lib/mail/header-summary';
import { crlfLineEnds, demoMaildrop, sampleMaildrop, smallMessages } from './maildrop';
import { seededRandom } from './seeded-random';

const PARSE_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true } as const;

/** The previous implementation, verbatim in behaviour: simpleParser per message. */
export async function viaSimpleParser(headerBytes: Buffer): Promise<HeaderSummary> {
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

/**
 * simpleParser gives "now" for a missing or unreadable Date, the lean parse null on purpose (a wrong date
 * would misplace the message): where simpleParser's date is within a minute of now and the lean one is
 * null, the rest must still agree.
 */
function same(simple: HeaderSummary, lean: HeaderSummary, parsedAt: number): boolean {
  if (lean.date === null && simple.date !== null && Math.abs(Date.parse(simple.date) - parsedAt) < 60_000) {
    return JSON.stringify({ ...simple, date: null }) === JSON.stringify(lean);
  }
  return JSON.stringify(simple) === JSON.stringify(lean);
}

/** The header sections of the sample maildrops (CRLF), as `TOP n 0` returns them. */
export function sampleSections(): Buffer[] {
  const messages = [...sampleMaildrop({ big: false }), ...smallMessages(300), ...demoMaildrop()].map((m) => crlfLineEnds(m.raw));
  return messages.map((raw) => raw.subarray(0, Math.max(0, headerEnd(raw))));
}

/** The sample sections, `cases` mutations of them (seeded) and one block beyond mailsplit's size bound. */
export function oracleInputs(cases: number, seed: number): Buffer[] {
  const sections = sampleSections();
  const rand = seededRandom(seed); // deterministic: a failure can be replayed
  const inputs: Buffer[] = [...sections];
  for (let i = 0; i < cases; i++) inputs.push(mutate(sections[Math.floor(rand() * sections.length)]!.toString('utf8'), rand));
  inputs.push(Buffer.from(Array.from({ length: 20_000 }, (_, i) => `X-${i}: y`).join('\r\n'))); // beyond mailsplit's size bound
  return inputs;
}

export interface Mismatch {
  input: Buffer;
  simple: string;
  lean: string;
}

/** Every input where the lean parse and simpleParser disagree (both failing counts as agreeing). */
export async function mismatches(inputs: readonly Buffer[]): Promise<Mismatch[]> {
  const found: Mismatch[] = [];
  for (const input of inputs) {
    const parsedAt = Date.now();
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
    const agree = before.summary && after.summary ? same(before.summary, after.summary, parsedAt) : !!before.error === !!after.error;
    if (!agree) {
      found.push({
        input,
        simple: before.error ? `error ${String(before.error)}` : JSON.stringify(before.summary),
        lean: after.error ? `error ${String(after.error)}` : JSON.stringify(after.summary),
      });
    }
  }
  return found;
}
