import assert from 'node:assert/strict';
import { test } from 'node:test';
import { visibleText } from '../../../lib/text/visible-text';

test('bidi controls are removed: a reversed extension cannot pose as another', () => {
  assert.equal(visibleText('invoice\u202Efdp.exe'), 'invoicefdp.exe');
  for (const control of ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C']) {
    assert.equal(visibleText(`a${control}b`), 'ab', `U+${control.codePointAt(0)!.toString(16)}`);
  }
});

test('invisible format characters and blank letters are removed', () => {
  for (const invisible of ['\u200B', '\uFEFF', '\u2060', '\u2061', '\u2062', '\u2063', '\u2064', '\u00AD', '\u180E', '\u034F', '\u3164', '\u115F', '\uFFA0', '\u{1D173}', '\u{E0001}']) {
    assert.equal(visibleText(`pay${invisible}pal`), 'paypal', `U+${invisible.codePointAt(0)!.toString(16)}`);
  }
});

test('what real scripts need stays: ZWNJ, ZWJ, Arabic number signs, subdivision flags; RTL text itself', () => {
  for (const text of ['می\u200Cخواهم', 'क्\u200Dष', '👩\u200D💻', '\u0600\u0661\u0662', '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', 'שלום עולם', 'مرحبا', 'Grüße, 日本語']) {
    assert.equal(visibleText(text), text);
  }
  assert.equal(visibleText('x\u{E0067}\u{E007F}'), 'x', 'tag characters outside a flag are removed');
});

test('controls go, line breaks and tabs become spaces, lone surrogates become U+FFFD', () => {
  assert.equal(visibleText('a\r\n\tb'), 'a b');
  assert.equal(visibleText('a\u2028b\u2029c\u0085d'), 'a b c d');
  assert.equal(visibleText('x\u0000y\u0007z\u007f\u009b'), 'xyz');
  assert.equal(visibleText('a\uD83Db'), 'a\uFFFDb');
  assert.equal(visibleText('a\uDC4Db'), 'a\uFFFDb');
  assert.equal(visibleText('\uD83D\uDC4D'), '\uD83D\uDC4D');
});

test('idempotent, and the identity on ordinary text', () => {
  for (const text of ['Lunch on Thursday?', '', 'invoice\u202Efdp.exe \u200B x\r\ny', '\uD83D']) {
    assert.equal(visibleText(visibleText(text)), visibleText(text));
  }
  assert.equal(visibleText('Re: [list] 20% off — ça va?'), 'Re: [list] 20% off — ça va?');
});
