import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundHtml, HTML_BOUNDS } from '../../../lib/mail/html-bounds';
import { sanitizeEmailHtml } from '../../../lib/mail/sanitize-email-html';

const noCid = { remoteImages: false, resolveCid: () => undefined };

test('HTML nested deeper than any real message is cut where it goes beyond the bound', () => {
  const html = `<p>before</p>${'<div>'.repeat(HTML_BOUNDS.maxDepth + 10)}deep`;
  const bounded = boundHtml(html);
  assert.equal(bounded.cut, true);
  assert.equal(bounded.html, `<p>before</p>${'<div>'.repeat(HTML_BOUNDS.maxDepth)}`);
});

test('real mail is not cut: unclosed paragraphs, cells and list items, void elements, comments, scripts and styles', () => {
  const sloppy =
    '<html><head><style>div > div { color: red } /* <div><div> */</style></head><body>' +
    '<p>para'.repeat(5000) + '<table>' + '<tr><td>cell'.repeat(5000) + '</table>' + '<ul>' + '<li>item'.repeat(5000) + '</ul>' +
    '<br><img src="x"><hr/>'.repeat(5000) + '<!-- <div><div><div> -->'.repeat(5000) + '<script>' + '<div>'.repeat(5000) + '</script>' +
    '<div><span><b>closed</b></span></div>'.repeat(5000) + '</body></html>';
  assert.deepEqual(boundHtml(sloppy), { html: sloppy, cut: false });
});

test('HTML larger than any real message is cut at the size bound', () => {
  const big = `<p>${'x'.repeat(HTML_BOUNDS.maxLength)}</p>`;
  const bounded = boundHtml(big);
  assert.equal(bounded.cut, true);
  assert.equal(bounded.html.length, HTML_BOUNDS.maxLength);
});

test('the sanitizer says where it cut, and 200,000 nested elements no longer take a minute', () => {
  const started = Date.now();
  const { html } = sanitizeEmailHtml(`<p>first</p>${'<div>'.repeat(200_000)}x`, noCid);
  // "Does not hang", not "is fast": the unbounded sanitizer took 56 s here; this takes milliseconds.
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  assert.match(html, /^<p>first<\/p>/);
  assert.match(html, /too large or too deeply nested to show here/);
  const fine = sanitizeEmailHtml('<p>fine</p>', noCid).html;
  assert.equal(fine, '<p>fine</p>');
});

test('tag-like text without an end does not make the scan quadratic', () => {
  for (const html of ['<a'.repeat(500_000), `${'<a'.repeat(500_000)}>`, '<!--'.repeat(500_000), `<script>${'<div>'.repeat(100_000)}`]) {
    const started = Date.now();
    boundHtml(html);
    assert.ok(Date.now() - started < 20_000);
  }
});
