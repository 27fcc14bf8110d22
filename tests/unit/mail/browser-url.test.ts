/**
 * The URL normalisation the sanitizer relies on, checked against a real
 * WHATWG URL parser (Node's `URL`): whatever scheme a browser would find, we
 * find the same (issue 12, item 10).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserUrl, srcsetUrls, urlScheme } from '../../../lib/mail/browser-url';
import { seededRandom } from '../../support/seeded-random';

const BASE = 'https://base.example/dir/page';

/** The scheme Node's WHATWG parser gives, or null for a relative URL (resolved against the https base); undefined when it fails to parse. */
function whatwgScheme(value: string): string | null | undefined {
  try {
    const url = new URL(value, BASE);
    // A relative URL takes the base's scheme; absolute http(s) URLs would too, so compare their text.
    if (url.protocol === 'https:' && !/^[\u0000-\u0020]*h[\t\n\r]*t[\t\n\r]*t[\t\n\r]*p[\t\n\r]*s[\t\n\r]*:/i.test(value)) return null;
    return url.protocol.slice(0, -1);
  } catch {
    return undefined;
  }
}

test('leading C0 controls and spaces, and tabs and newlines anywhere, are what the browser strips', () => {
  assert.equal(browserUrl('\x01\x02 javascript:alert(1)'), 'javascript:alert(1)');
  assert.equal(browserUrl('java\tscr\nipt\r:x'), 'javascript:x');
  assert.equal(browserUrl(' https://a.example/ \x00'), 'https://a.example/');
  assert.equal(urlScheme('\x1fJaVa\tScRiPt:alert(1)'), 'javascript');
  assert.equal(urlScheme('/relative/path'), null);
  assert.equal(urlScheme('\u00a0javascript:alert(1)'), null, 'NBSP is not stripped by browsers: a relative URL');
});

test('the scheme found is the scheme a WHATWG parser finds, for 20,000 generated variants', () => {
  const random = seededRandom(20_122_026);
  const schemes = ['javascript', 'vbscript', 'data', 'http', 'https', 'mailto', 'cid', 'file', 'x-y.z+w'];
  const noise = ['\x00', '\x01', '\x08', '\x0b', '\x0c', '\x1f', ' ', '\t', '\n', '\r', '\u00a0', '\u200b', '\ufeff', '/', '%'];
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  let compared = 0;
  for (let i = 0; i < 20_000; i++) {
    const scheme = pick(schemes);
    let word = '';
    for (const char of scheme) {
      word += random() < 0.5 ? char.toUpperCase() : char;
      if (random() < 0.1) word += pick(['\t', '\n', '\r']);
    }
    const prefix = Array.from({ length: Math.floor(random() * 3) }, () => pick(noise)).join('');
    const suffix = Array.from({ length: Math.floor(random() * 2) }, () => pick(noise)).join('');
    const value = `${prefix}${word}${random() < 0.9 ? ':' : ''}//host.example/x${suffix}`;
    const expected = whatwgScheme(value);
    if (expected === undefined) continue; // the browser would not load it at all
    compared++;
    assert.equal(urlScheme(value), expected, JSON.stringify(value));
  }
  assert.ok(compared > 15_000);
});

test('srcset candidates are split as the HTML standard splits them', () => {
  assert.deepEqual(srcsetUrls('a.png 1x, b.png 2x'), ['a.png', 'b.png']);
  // A comma without whitespace after it is part of the URL (HTML standard, "parse a srcset attribute").
  assert.deepEqual(srcsetUrls('  a.png,b.png 480w ,\tjavascript:alert(1) 3x'), ['a.png,b.png', 'javascript:alert(1)']);
  assert.deepEqual(srcsetUrls('data:image/png;base64,AAA= 1x, x.png'), ['data:image/png;base64,AAA=', 'x.png']);
  assert.deepEqual(srcsetUrls('x.png,,, y.png'), ['x.png', 'y.png']);
});
