/**
 * Memory bounds of the header summaries (audit finding 1): each field capped at what a row or a filter needs,
 * the session's header cache bounded in bytes, and a fill holding a bounded batch of header sections at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HeaderCache, summaryCost } from '../../../lib/mail/header-cache';
import { capSummary, CUT_MARK, EMPTY_SUMMARY, summaryOrEmpty, SUMMARY_CAPS, type HeaderSummary } from '../../../lib/mail/header-summary';
import type { Pop3Client } from '../../../lib/pop3';
import { gc } from '../../support/gc';

const section = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
const hugeSubject = (n: number) => `Subject: ${String(n).padStart(6, '0')}${'S'.repeat(200 * 1024)}`;

describe('summary caps', () => {
  test('a 200 KiB subject keeps its first characters and ends with the cut mark', () => {
    const summary = summaryOrEmpty(section(['From: a@example.com', hugeSubject(7)]));
    assert.equal(summary.subject.length, SUMMARY_CAPS.subject + 1);
    assert.ok(summary.subject.endsWith(CUT_MARK));
    assert.equal(summary.subject.slice(0, 10), '000007SSSS');
    assert.deepEqual(summary.from, { name: '', address: 'a@example.com' });
  });

  test('To and Cc keep their first addresses; long names and addresses are cut', () => {
    const many = Array.from({ length: 100 }, (_, i) => `r${i}@example.com`).join(', ');
    const longName = 'N'.repeat(5000);
    const longAddress = `${'l'.repeat(5000)}@example.com`;
    const summary = summaryOrEmpty(section([`From: "${longName}" <${longAddress}>`, `To: ${many}`, `Cc: ${many}`, `Message-ID: <${'m'.repeat(5000)}@x>`, `Content-Type: text/${'p'.repeat(5000)}`]));
    assert.equal(summary.to.length, SUMMARY_CAPS.addresses);
    assert.equal(summary.cc.length, SUMMARY_CAPS.addresses);
    assert.deepEqual(summary.to[0], { name: '', address: 'r0@example.com' });
    assert.equal(summary.from!.name, `${longName.slice(0, SUMMARY_CAPS.name)}${CUT_MARK}`);
    assert.equal(summary.from!.address, `${longAddress.slice(0, SUMMARY_CAPS.address)}${CUT_MARK}`);
    assert.equal(summary.messageId!.length, SUMMARY_CAPS.messageId + 1);
    assert.equal(summary.contentType.length, SUMMARY_CAPS.contentType + 1);
  });

  test('a summary within the caps is the same object; a cut never splits a surrogate pair', () => {
    const ordinary = summaryOrEmpty(section(['From: A <a@example.com>', 'Subject: hello']));
    assert.equal(capSummary(ordinary), ordinary);
    const emoji = { ...EMPTY_SUMMARY, subject: `${'x'.repeat(SUMMARY_CAPS.subject - 1)}${'\u{1F600}'.repeat(10)}` };
    assert.equal(capSummary(emoji).subject, `${'x'.repeat(SUMMARY_CAPS.subject - 1)}${CUT_MARK}`);
  });

  test('500 summaries of 200 KiB subjects keep under 8 MB alive (uncapped: over 100 MB)', () => {
    const sections = Array.from({ length: 500 }, (_, i) => section([hugeSubject(i)]));
    gc();
    const before = process.memoryUsage().heapUsed;
    const kept: HeaderSummary[] = sections.map((s) => summaryOrEmpty(s));
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(kept.length, 500);
    assert.ok(grown < 8 * 1024 * 1024, `the summaries keep ${Math.round(grown / 1024)} KiB alive`);
  });
});

describe('header cache byte budget', () => {
  const summary = (n: number): HeaderSummary => ({ ...EMPTY_SUMMARY, subject: `subject ${n} ${'x'.repeat(500)}` });

  test('beyond its budget the least recently used summaries go first', () => {
    const cost = summaryCost('U0', summary(0));
    const cache = new HeaderCache([], undefined, cost * 3 + cost / 2);
    cache.set('U0', summary(0));
    cache.set('U1', summary(1));
    cache.set('U2', summary(2));
    assert.ok(cache.get('U0')); // U0 is now more recent than U1
    cache.set('U3', summary(3));
    assert.deepEqual([...cache].map(([id]) => id).sort(), ['U0', 'U2', 'U3']);
    assert.ok(cache.bytes <= cost * 3 + cost / 2);
    cache.delete('U0');
    assert.equal(cache.bytes, summaryCost('U2', summary(2)) + summaryCost('U3', summary(3)));
  });

  test('what it keeps is capped, restored summaries included', () => {
    const long = { ...EMPTY_SUMMARY, subject: 'y'.repeat(100_000) };
    const cache = new HeaderCache([['R', long]]);
    cache.set('S', long);
    assert.equal(cache.get('R')!.subject.length, SUMMARY_CAPS.subject + 1);
    assert.equal(cache.get('S')!.subject.length, SUMMARY_CAPS.subject + 1);
  });

  test('ensure fetches in batches of at most maxHeaderBatchBytes of announced header bytes', async () => {
    const batches: number[][] = [];
    const client = {
      lacksTop: false,
      limits: { maxHeaderBytes: 256 * 1024, maxHeaderBatchBytes: 1024 * 1024 },
      async topMany(numbers: readonly number[]) {
        batches.push([...numbers]);
        return numbers.map((number) => ({ number, data: section([hugeSubject(number)]) }));
      },
    } as unknown as Pop3Client;
    const entries = Array.from({ length: 12 }, (_, i) => ({ id: `U${i + 1}`, number: i + 1, size: 200 * 1024 }));
    const cache = new HeaderCache();
    await cache.ensure(client, [...entries, { id: 'small', number: 13, size: 100 }]);
    assert.deepEqual(batches.map((b) => b.length), [5, 5, 3]);
    assert.equal(cache.size, 13);
    assert.ok(cache.get('U12')!.subject.startsWith('000012'));
  });
});
