/**
 * Issue 10 item 5: a download neither copies its chunks on the way to the response nor keeps the
 * event loop to itself, and an opened message's bytes are kept (bounded) for its attachments.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { webStream } from '../../../lib/http/web-stream';
import { BodyStream, YIELD_EVERY_BYTES } from '../../../lib/pop3/body-sink';
import { MAX_MESSAGE_BYTES, cachedMessage, collectWhileRead, messageCacheStats, rememberMessage } from '../../../lib/mail/message-bytes-cache';

test('webStream hands the very same bytes to the response (no copy), in order, and ends', async () => {
  const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(2000, 2), Buffer.alloc(3000, 3)];
  const reader = webStream(Readable.from(chunks)).getReader();
  const seen: Uint8Array[] = [];
  for (let next = await reader.read(); !next.done; next = await reader.read()) seen.push(next.value);
  assert.equal(seen.length, 3);
  seen.forEach((chunk, i) => assert.equal(chunk.buffer, chunks[i]!.buffer, `chunk ${i} is the source's own memory`));
});

test('webStream: a source destroyed before its end makes the response fail, not look complete', async () => {
  const source = new Readable({ read() {} });
  source.push(Buffer.from('partial'));
  const reader = webStream(source).getReader();
  assert.equal((await reader.read()).done, false);
  source.destroy();
  await assert.rejects(reader.read());
});

test('webStream: cancelling the response destroys the source', async () => {
  const source = new Readable({ read() {} });
  const stream = webStream(source);
  await stream.cancel();
  assert.equal(source.destroyed, true);
});

test('BodyStream asks the POP3 client to stop every YIELD_EVERY_BYTES and lets it go on after a turn of the loop', async () => {
  const body = new BodyStream({ highWaterMark: 64 * 1024 * 1024 });
  body.resume(); // a reader faster than the server: never backpressure from it
  const piece = Buffer.alloc(64 * 1024);
  let writes = 0;
  while (body.write(piece)) writes++;
  assert.equal((writes + 1) * piece.length, YIELD_EVERY_BYTES, 'stopped after exactly one yield interval');
  let resumed = false;
  body.onDrain(() => (resumed = true));
  assert.equal(resumed, false, 'not within the same turn');
  // Our own setImmediate, queued after the client's: when it runs, the client's has run.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(resumed, true);
  assert.equal(body.write(piece), true, 'the next interval starts afresh');
  body.destroy();
});

test('an opened message is kept for its attachments, bounded per message, per session and in total', () => {
  const alice = {};
  const bob = {};
  rememberMessage(alice, 'm1', Buffer.from('one'));
  assert.deepEqual(cachedMessage(alice, 'm1'), Buffer.from('one'));
  assert.equal(cachedMessage(bob, 'm1'), undefined, 'another session never sees it');
  rememberMessage(alice, 'm2', Buffer.from('two'));
  rememberMessage(alice, 'm3', Buffer.from('three'));
  assert.equal(cachedMessage(alice, 'm1'), undefined, 'a session keeps its two newest');
  assert.ok(cachedMessage(alice, 'm2') && cachedMessage(alice, 'm3'));
  rememberMessage(bob, 'big', Buffer.alloc(MAX_MESSAGE_BYTES + 1));
  assert.equal(cachedMessage(bob, 'big'), undefined, 'too large to keep');
  const sessions = Array.from({ length: 20 }, () => ({}));
  for (const session of sessions) rememberMessage(session, 'x', Buffer.alloc(MAX_MESSAGE_BYTES));
  assert.ok(messageCacheStats().bytes <= 64 * 1024 * 1024, `total bound: ${messageCacheStats().bytes}`);
  assert.ok(cachedMessage(sessions.at(-1)!, 'x'), 'the newest stays');
  assert.equal(cachedMessage(sessions[0]!, 'x'), undefined, 'the least recently used went first');
});

test('collectWhileRead gives the whole message once its reader has read it, and nothing past the bound', async () => {
  const got: string[] = [];
  const source = Readable.from([Buffer.from('a'), Buffer.from('bc')]);
  collectWhileRead(source, (bytes) => got.push(bytes.toString('latin1')));
  for await (const _ of source) void _;
  assert.deepEqual(got, ['abc']);
  const big = Readable.from([Buffer.alloc(MAX_MESSAGE_BYTES), Buffer.alloc(1)]);
  collectWhileRead(big, (bytes) => got.push(bytes.toString('latin1')));
  for await (const _ of big) void _;
  assert.equal(got.length, 1);
});
