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

// ---------------------------------------------------------------------------
// Script URLs hidden behind what a browser's URL parser strips (issue 12, item 10)

/** Every way of writing `javascript:` that a browser still reads as `javascript:`. */
const SCRIPT_URL_VARIANTS = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  '\x01javascript:alert(1)',
  '\x00javascript:alert(1)',
  '\x1fjavascript:alert(1)',
  ' \x0b\x0cjavascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java\rscript:alert(1)',
  '\tjava\tscript\t:alert(1)',
  '&#x01;javascript:alert(1)',
  '&#1;javascript:alert(1)',
  '&#x6A;avascript:alert(1)',
  '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)',
  'jav&#x09;ascript:alert(1)',
  'jav&#x0A;ascript:alert(1)',
  'jav&Tab;ascript&colon;alert(1)',
  'javascript&colon;alert(1)',
  '&#x20;&#x01;JAVASCRIPT:alert(1)',
  'vbscript:msgbox(1)',
  '\x01vbscript:msgbox(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  '\x01data:text/html,<script>alert(1)</script>',
  'data:image/svg+xml;base64,PHN2Zy8+',
];

/** Where a URL can sit: every URL-bearing attribute on a tag that carries it. */
const URL_CARRIERS: Array<[string, (url: string) => string]> = [
  ['a href', (u) => `<a href="${u}">x</a>`],
  ['img src', (u) => `<img src="${u}">`],
  ['img srcset', (u) => `<img srcset="https://ok.example/a.png 1x, ${u} 2x">`],
  ['img srcset after trailing commas', (u) => `<img srcset="https://ok.example/a.png,,, ${u}">`],
  ['img lowsrc/dynsrc/longdesc/usemap', (u) => `<img lowsrc="${u}" dynsrc="${u}" longdesc="${u}" usemap="${u}">`],
  ['svg xlink:href', (u) => `<svg><a xlink:href="${u}"><text>x</text></a><image xlink:href="${u}"/></svg>`],
  ['form action / formaction', (u) => `<form action="${u}"><button formaction="${u}">x</button></form>`],
  ['table/td background', (u) => `<table background="${u}"><tr><td background="${u}">x</td></tr></table>`],
  ['video poster', (u) => `<video poster="${u}" src="${u}"></video>`],
  ['blockquote/q/del/ins cite', (u) => `<blockquote cite="${u}">x</blockquote><q cite="${u}">y</q><del cite="${u}">z</del><ins cite="${u}">w</ins>`],
  ['object data/codebase/classid/archive', (u) => `<object data="${u}" codebase="${u}" classid="${u}" archive="${u}"></object>`],
  ['html manifest / head profile', (u) => `<html manifest="${u}"><head profile="${u}"></head><body>x</body></html>`],
  ['a ping', (u) => `<a href="https://ok.example/" ping="${u}">x</a>`],
  ['area/link/base href', (u) => `<map><area href="${u}"></map><link href="${u}"><base href="${u}">`],
  ['style url()', (u) => `<div style="background-image: url('${u}')">x</div><p style="background:url(${u})">y</p>`],
];

/** Every attribute value in the output, as the browser's URL parser would read it (entities decoded, C0 and tabs stripped). */
function urlsIn(html: string): string[] {
  const values: string[] = [];
  for (const match of html.matchAll(/\s([a-z:-]+)="([^"]*)"/gi)) {
    const decoded = match[2]!
      .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
      .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    values.push(decoded.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, ''));
  }
  return values;
}

for (const [carrier, build] of URL_CARRIERS) {
  test(`no script URL survives in ${carrier}, however it is written`, () => {
    for (const variant of SCRIPT_URL_VARIANTS) {
      for (const remoteImages of [false, true]) {
        const { html } = sanitizeEmailHtml(build(variant), { remoteImages, resolveCid: () => undefined });
        for (const value of urlsIn(html)) {
          assert.doesNotMatch(value, /^(javascript|vbscript|data:text|data:image\/svg)/i, `${carrier} ← ${JSON.stringify(variant)}: ${html}`);
          assert.doesNotMatch(value, /url\(/i, `${carrier} ← ${JSON.stringify(variant)}: ${html}`);
        }
      }
    }
  });
}

test('URLs that are fine stay, written as the browser reads them', () => {
  const { html } = sanitizeEmailHtml('<a href="\x01 https://ok.example/a?b=1">x</a><a href="mailto:ada@example.org">m</a><img src="\x01https://img.example/p.png">', {
    remoteImages: true,
    resolveCid: () => undefined,
  });
  assert.match(html, /<a href="https:\/\/ok\.example\/a\?b=1"/);
  assert.match(html, /href="mailto:ada@example\.org"/);
  assert.match(html, /<img src="https:\/\/img\.example\/p\.png" \/>/);
});

test('a malformed cid: reference is dropped, never thrown', () => {
  for (const src of ['cid:%', 'cid:%E0%A4%A', 'cid:%ZZ']) {
    const { html } = sanitizeEmailHtml(`<img src="${src}">`, noCid);
    assert.equal(html, '<img />');
  }
});
