/** The server panel's ring of a session's last POP3 lines. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TranscriptRing } from '../../../lib/mail/transcript-ring';

test('keeps the last `capacity` lines, oldest first, with their times', () => {
  const ring = new TranscriptRing(3);
  assert.deepEqual(ring.entries(), []);
  for (let i = 1; i <= 5; i++) ring.push({ direction: i % 2 ? 'client' : 'server', text: `line ${i}` }, 1000 + i);
  assert.deepEqual(ring.entries(), [
    { at: 1003, direction: 'client', text: 'line 3' },
    { at: 1004, direction: 'server', text: 'line 4' },
    { at: 1005, direction: 'client', text: 'line 5' },
  ]);
  ring.push({ direction: 'server', text: 'line 6' }, 1006);
  assert.deepEqual(ring.entries().map((line) => line.text), ['line 4', 'line 5', 'line 6']);
});

test('lines of one synchronous run share one reading of the clock; the next run reads it again', async (t) => {
  let reads = 0;
  t.mock.method(Date, 'now', () => 1_000 + 10 * ++reads);
  const ring = new TranscriptRing(10);
  for (let i = 1; i <= 3; i++) ring.push({ direction: 'client', text: `TOP ${i} 0` });
  await Promise.resolve();
  ring.push({ direction: 'server', text: '+OK' });
  assert.deepEqual(
    ring.entries().map((line) => line.at),
    [1010, 1010, 1010, 1020],
  );
  assert.equal(reads, 2);
});
