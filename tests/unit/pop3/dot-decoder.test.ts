import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DotDecoder, splitListing } from '../../../lib/pop3/dot-decoder';
import { isPop3Error } from '../../../lib/pop3/errors';
import { seededRandom } from '../../support/seeded-random';

/**
 * The data mode of the POP3 stream. Every fixture is fed split at every byte
 * offset, then one byte at a time, with CRLF and with bare-LF line ends: the
 * decoded body, the bytes after the terminator and the moment `done` is seen
 * must not depend on where the chunks fall.
 */

interface Fixture {
  name: string;
  /** Bytes as they arrive after the +OK line, terminator included, then whatever follows. */
  wire: Buffer;
  /** The unstuffed body. */
  body: Buffer;
  /** Bytes after the terminator (the start of the next reply). */
  rest: Buffer;
}

const b = (text: string) => Buffer.from(text, 'latin1');

const EIGHT_BIT = Buffer.concat([
  b('Subject: =?utf-8?q?caf=C3=A9?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n'),
  Buffer.from([0x80, 0x81, 0xa0, 0xe9, 0xff, 0x00, 0x7f, 0x0d, 0x0a]),
  Buffer.from('Grüße, ½ € — 日本語\r\n', 'utf8'),
]);

const CRLF_FIXTURES: Fixture[] = [
  { name: 'empty body', wire: b('.\r\n'), body: b(''), rest: b('') },
  { name: 'plain message', wire: b('Subject: hi\r\n\r\nHello.\r\n.\r\n'), body: b('Subject: hi\r\n\r\nHello.\r\n'), rest: b('') },
  {
    name: 'dot-stuffed lines are unstuffed',
    wire: b('..leading dot\r\n...two dots\r\nmid.dle\r\n.\r\n'),
    body: b('.leading dot\r\n..two dots\r\nmid.dle\r\n'),
    rest: b(''),
  },
  {
    name: 'a body line that is just a dot (stuffed as ..)',
    wire: b('above\r\n..\r\nbelow\r\n.\r\n'),
    body: b('above\r\n.\r\nbelow\r\n'),
    rest: b(''),
  },
  { name: 'body that starts with a stuffed dot line', wire: b('..\r\n.\r\n'), body: b('.\r\n'), rest: b('') },
  {
    name: '".\\r" followed by something other than LF is content, not the end',
    wire: b('a\r\n.\rX\r\n.\r.\r\n.\r\n'),
    body: b('a\r\n\rX\r\n\r.\r\n'),
    rest: b(''),
  },
  { name: 'empty lines and bare CRs pass through', wire: b('\r\n\r\na\rb\r\n\r\n.\r\n'), body: b('\r\n\r\na\rb\r\n\r\n'), rest: b('') },
  { name: '8-bit and NUL bytes intact', wire: Buffer.concat([EIGHT_BIT, b('.\r\n')]), body: EIGHT_BIT, rest: b('') },
  {
    name: 'bytes after the terminator are returned as rest',
    wire: b('x\r\n.\r\n+OK 2 200\r\n-ERR no\r\n'),
    body: b('x\r\n'),
    rest: b('+OK 2 200\r\n-ERR no\r\n'),
  },
  {
    name: 'a terminator-like sequence inside a line is content',
    wire: b('end.\r\n. not the end\r\nx.\r\n.\r\n.\r\n'),
    body: b('end.\r\n not the end\r\nx.\r\n'),
    rest: b('.\r\n'),
  },
  { name: 'an empty body followed by the next reply', wire: b('.\r\n+OK\r\n'), body: b(''), rest: b('+OK\r\n') },
];

function toLf(buffer: Buffer): Buffer {
  return Buffer.from(buffer.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
}

const FIXTURES: Fixture[] = [
  ...CRLF_FIXTURES.map((f) => ({ ...f, name: `${f.name} (CRLF)` })),
  ...CRLF_FIXTURES.map((f) => ({ name: `${f.name} (LF only)`, wire: toLf(f.wire), body: toLf(f.body), rest: toLf(f.rest) })),
  {
    name: 'mixed CRLF and bare LF line ends',
    wire: b('a\nb\r\n..c\n.\n'),
    body: b('a\nb\r\n.c\n'),
    rest: b(''),
  },
  { name: 'LF-only terminator after a CRLF body', wire: b('a\r\n.\nmore'), body: b('a\r\n'), rest: b('more') },
];

/** Feeds the chunks in order and returns what the decoder made of them, checking `done` comes exactly once. */
function decode(chunks: Buffer[], maxLine = 1024): { body: Buffer; rest: Buffer; doneAt: number } {
  const decoder = new DotDecoder(maxLine);
  const pieces: Buffer[] = [];
  const rest: Buffer[] = [];
  let doneAt = -1;
  chunks.forEach((chunk, index) => {
    if (doneAt >= 0) {
      rest.push(chunk);
      return;
    }
    const result = decoder.push(chunk);
    pieces.push(...result.pieces);
    if (result.done) {
      doneAt = index;
      rest.push(result.rest);
    } else {
      assert.equal(result.rest.length, 0, 'rest is only returned with done');
    }
  });
  return { body: Buffer.concat(pieces), rest: Buffer.concat(rest), doneAt };
}

/** Index of the chunk that holds the terminator's last byte. */
function chunkHoldingByte(chunks: Buffer[], byteIndex: number): number {
  let end = 0;
  for (let i = 0; i < chunks.length; i++) {
    end += chunks[i]!.length;
    if (byteIndex < end) return i;
  }
  return -1;
}

function assertDecodes(fixture: Fixture, chunks: Buffer[], how: string): void {
  const result = decode(chunks);
  assert.deepEqual(result.body, fixture.body, `${fixture.name}: body, ${how}`);
  assert.deepEqual(result.rest, fixture.rest, `${fixture.name}: rest, ${how}`);
  const terminatorEnd = fixture.wire.length - fixture.rest.length;
  assert.equal(result.doneAt, chunkHoldingByte(chunks, terminatorEnd - 1), `${fixture.name}: done reported with the terminator's last byte, ${how}`);
}

describe('DotDecoder', () => {
  for (const fixture of FIXTURES) {
    test(`${fixture.name}: split at every offset`, () => {
      for (let at = 0; at <= fixture.wire.length; at++) {
        assertDecodes(fixture, [fixture.wire.subarray(0, at), fixture.wire.subarray(at)], `split at ${at}`);
      }
    });

    test(`${fixture.name}: split at every pair of offsets`, () => {
      for (let i = 0; i <= fixture.wire.length; i++) {
        for (let j = i; j <= fixture.wire.length; j++) {
          const w = fixture.wire;
          assertDecodes(fixture, [w.subarray(0, i), w.subarray(i, j), w.subarray(j)], `split at ${i} and ${j}`);
        }
      }
    });

    test(`${fixture.name}: one byte at a time`, () => {
      const bytes = [...fixture.wire].map((byte) => Buffer.from([byte]));
      assertDecodes(fixture, bytes, 'one byte per chunk');
    });
  }

  test('without a terminator the decoder keeps waiting, whatever the split', () => {
    const wire = b('line one\r\n.\rnot yet\r\n..\r\n.');
    for (let at = 0; at <= wire.length; at++) {
      const result = decode([wire.subarray(0, at), wire.subarray(at)]);
      assert.equal(result.doneAt, -1, `split at ${at}`);
      // Everything up to the final, still ambiguous dot is already released.
      assert.deepEqual(result.body, b('line one\r\n\rnot yet\r\n.\r\n'));
    }
  });

  test('pieces are slices of the input, not copies', () => {
    const chunk = b('hello\r\nworld\r\n.\r\n');
    const result = new DotDecoder(1024).push(chunk);
    assert.equal(result.pieces.length, 1);
    assert.equal(result.pieces[0]!.buffer, chunk.buffer);
  });

  describe('line-length bound', () => {
    const limit = 32;

    test('a line at the bound passes, at every split', () => {
      // The bound counts the bytes before LF (a CR included).
      const wire = b(`${'a'.repeat(limit - 1)}\r\n${'b'.repeat(limit)}\n.\r\n`);
      for (let at = 0; at <= wire.length; at++) {
        const decoder = new DotDecoder(limit);
        const first = decoder.push(wire.subarray(0, at));
        const second = first.done ? first : decoder.push(wire.subarray(at));
        assert.equal(second.done, true, `split at ${at}`);
      }
    });

    for (const [name, wire] of [
      ['a terminated line one byte too long', b(`ok\r\n${'x'.repeat(limit)}\r\n.\r\n`)],
      ['an endless line with no LF at all', b(`ok\r\n${'x'.repeat(limit * 4)}`)],
      ['a too-long stuffed line', b(`.${'.'.repeat(limit + 1)}\r\n.\r\n`)],
    ] as const) {
      test(`${name} is LIMIT_EXCEEDED, at every split and one byte at a time`, () => {
        const splits: Buffer[][] = [];
        for (let at = 0; at <= wire.length; at++) splits.push([wire.subarray(0, at), wire.subarray(at)]);
        splits.push([...wire].map((byte) => Buffer.from([byte])));
        for (const chunks of splits) {
          const decoder = new DotDecoder(limit);
          assert.throws(
            () => {
              for (const chunk of chunks) decoder.push(chunk);
            },
            (error: unknown) => isPop3Error(error) && error.code === 'LIMIT_EXCEEDED' && error.fatal,
          );
        }
      });
    }
  });
});

describe('DotDecoder work on a long listing', () => {
  test('a 10,000-line UIDL under the 8 KiB line bound is searched about once, not once per line', () => {
    // Every line is short, but the stretch to the terminator is far longer than the bound, so the lines are
    // measured one by one. Counted: the bytes each native search passes over (where it stopped, or the end).
    const wire = b(`${Array.from({ length: 10_000 }, (_, i) => `${i + 1} ${'u'.repeat(24)}\r\n`).join('')}.\r\n`);
    let scanned = 0;
    const counted = (chunk: Buffer): Buffer => {
      const search = chunk.indexOf.bind(chunk);
      chunk.indexOf = ((value: Parameters<Buffer['indexOf']>[0], from?: number) => {
        const start = from ?? 0;
        const found = search(value, start);
        scanned += (found < 0 ? chunk.length : found) - start;
        return found;
      }) as Buffer['indexOf'];
      return chunk;
    };
    const decoder = new DotDecoder(8 * 1024);
    let done = false;
    for (let at = 0; at < wire.length && !done; at += 64 * 1024) done = decoder.push(counted(Buffer.from(wire.subarray(at, at + 64 * 1024)))).done;
    assert.equal(done, true);
    assert.ok(scanned <= 3 * wire.length, `searched ${scanned} bytes for a ${wire.length}-byte listing`);
  });
});

describe('DotDecoder against a line-by-line reference (seeded random bodies and splits)', () => {
  /** The reference: whole input, one line at a time: unstuffed body, or the first line over the limit. */
  function reference(wire: Buffer, limit: number): { body: Buffer } | { tooLong: true } | { unterminated: true } {
    const out: Buffer[] = [];
    let start = 0;
    while (start < wire.length) {
      const lf = wire.indexOf(0x0a, start);
      const end = lf < 0 ? wire.length : lf;
      const line = wire.subarray(start, end);
      const content = line[0] === 0x2e ? line.subarray(1) : line;
      if (lf >= 0 && (content.length === 0 || (content.length === 1 && content[0] === 0x0d)) && line[0] === 0x2e) return { body: Buffer.concat(out) };
      // The bound counts the bytes before LF as they travel (a stuffed line's dot not included).
      if (content.length > limit) return { tooLong: true };
      if (lf < 0) return { unterminated: true };
      out.push(content, wire.subarray(end, end + 1));
      start = lf + 1;
    }
    return { unterminated: true };
  }

  test('3,000 bodies: short and long lines, stuffed lines, CRLF and bare LF, every kind of split', () => {
    const random = seededRandom(20261202);
    const pick = (n: number) => Math.floor(random() * n);
    for (let round = 0; round < 3000; round++) {
      const limit = [16, 64, 300, 4096][pick(4)]!;
      const lines: string[] = [];
      for (let n = pick(60); n > 0; n--) {
        const length = random() < 0.05 ? limit + pick(3) - 1 : pick(Math.min(limit, 90));
        const text = 'abcdefghij'.repeat(Math.ceil(length / 10) + 1).slice(0, length);
        lines.push((random() < 0.2 ? '..' : '') + text + (random() < 0.8 ? '\r\n' : '\n'));
      }
      const wire = b(`${lines.join('')}.\r\n`);
      const expected = reference(wire, limit);
      const cuts = Array.from({ length: pick(6) }, () => pick(wire.length + 1)).sort((x, y) => x - y);
      const chunks = [0, ...cuts, wire.length].slice(1).map((end, k, all) => wire.subarray(k === 0 ? 0 : all[k - 1], end));
      const decoder = new DotDecoder(limit);
      const pieces: Buffer[] = [];
      let outcome: 'done' | 'tooLong' | 'open' = 'open';
      try {
        for (const chunk of chunks) {
          const result = decoder.push(chunk);
          pieces.push(...result.pieces);
          if (result.done) {
            outcome = 'done';
            break;
          }
        }
      } catch (error) {
        assert.ok(isPop3Error(error) && error.code === 'LIMIT_EXCEEDED', String(error));
        outcome = 'tooLong';
      }
      const where = `round ${round}, limit ${limit}, cuts ${cuts}`;
      if ('tooLong' in expected) assert.equal(outcome, 'tooLong', where);
      else if ('body' in expected) {
        assert.equal(outcome, 'done', where);
        assert.ok(Buffer.concat(pieces).equals(expected.body), where);
      }
    }
  });
});

describe('splitListing', () => {
  test('splits on CRLF and bare LF, drops the final empty line', () => {
    assert.deepEqual(splitListing(b('1 10\r\n2 20\n3 30\r\n')), ['1 10', '2 20', '3 30']);
    assert.deepEqual(splitListing(b('')), []);
  });

  test('decodes 8-bit bytes as latin1 without throwing', () => {
    assert.deepEqual(splitListing(Buffer.from([0x31, 0x20, 0xe9, 0xff, 0x0d, 0x0a])), ['1 \u00e9\u00ff']);
  });
});
