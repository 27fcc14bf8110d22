import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sanitizeEmailHtml } from '../../../lib/mail/sanitize-email-html';

const noCid = { remoteImages: false, resolveCid: () => undefined };

test('scripts, handlers, forms, frames, base, meta and javascript: links are removed', () => {
  const dirty =
    '<meta http-equiv="refresh" content="0;url=http://x"><base href="http://evil/"><script>alert(1)</script>' +
    '<p onclick="x()" style="color:red">hi</p><a href="javascript:alert(1)">j</a><a href="https://ok.example/">ok</a>' +
    '<form action="http://evil"><input name="p"></form><iframe src="http://evil"></iframe><object data="x"></object>' +
    '<svg><script>alert(2)</script></svg><img src="x" onerror="alert(3)">';
  const { html } = sanitizeEmailHtml(dirty, noCid);
  assert.doesNotMatch(html, /script|onclick|onerror|javascript:|<form|<input|<iframe|<object|<base|<meta|<svg/i);
  assert.match(html, /<p style="color:red">hi<\/p>/);
  assert.match(html, /<a href="https:\/\/ok.example\/" target="_blank" rel="noopener noreferrer nofollow">ok<\/a>/);
});

test('remote images and fetching CSS are blocked unless asked for; data: images stay', () => {
  const dirty =
    '<img src="http://tracker.example/p.gif"><img src="data:image/png;base64,AAAA">' +
    '<div style="background:url(http://t.example/x.png);color:blue">a</div><div style="background:#123456">b</div>' +
    '<img src="data:text/html;base64,PHNjcmlwdD4=">';
  const blocked = sanitizeEmailHtml(dirty, noCid);
  assert.equal(blocked.hadRemoteContent, true);
  assert.doesNotMatch(blocked.html, /tracker|t\.example|text\/html/);
  assert.match(blocked.html, /data:image\/png;base64,AAAA/);
  assert.match(blocked.html, /background:#123456/);
  const shown = sanitizeEmailHtml(dirty, { ...noCid, remoteImages: true });
  assert.match(shown.html, /http:\/\/tracker\.example\/p\.gif/);
  assert.doesNotMatch(shown.html, /url\(/);
});

test('cid: references are rewritten by the resolver, unknown ones dropped', () => {
  const { html } = sanitizeEmailHtml('<img src="cid:logo@x"><img src="cid:missing@x">', {
    remoteImages: false,
    resolveCid: (cid) => (cid === 'logo@x' ? 'data:image/png;base64,QUJD' : undefined),
  });
  assert.match(html, /<img src="data:image\/png;base64,QUJD" \/>/);
  assert.equal((html.match(/src=/g) ?? []).length, 1);
});
