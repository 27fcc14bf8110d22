/**
 * Bounds on the HTML handed to the sanitizer. sanitize-html (and htmlparser2
 * under it) take time quadratic in the nesting depth: 200,000 unclosed `<div>`s
 * (1 MB) took 56 s of one thread, during which the whole app answered nobody.
 * Its time is linear in size, about a second per megabyte here. So the HTML is
 * cut where it nests deeper than any real message or grows larger than any
 * real message's HTML; the sanitizer then closes what is open.
 */
export const HTML_BOUNDS = Object.freeze({
  /** Characters of HTML sanitized; newsletters are well under 1 MB. */
  maxLength: 4 * 1024 * 1024,
  /** Open elements at once; real mail rarely nests 50 deep. */
  maxDepth: 500,
});

/** Elements that never have content, or whose end tag is optional: they do not deepen the tree as written. */
const FLAT = new Set([
  'area', 'base', 'basefont', 'bgsound', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'image', 'img', 'input', 'keygen',
  'link', 'meta', 'param', 'source', 'track', 'wbr',
  'p', 'li', 'dt', 'dd', 'tr', 'td', 'th', 'option', 'optgroup', 'tbody', 'thead', 'tfoot', 'colgroup', 'caption', 'rb', 'rt',
  'rtc', 'rp', 'html', 'head', 'body',
]);
/** Elements whose content is text up to their own end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'noscript', 'iframe', 'noembed', 'noframes']);

/**
 * The HTML up to where it goes beyond the bounds, and whether it was cut. One
 * linear pass over the tags (an estimate of the parser's depth: end tags are
 * not matched by name), never a full parse.
 */
export function boundHtml(html: string, bounds: { maxLength: number; maxDepth: number } = HTML_BOUNDS): { html: string; cut: boolean } {
  const text = html.length > bounds.maxLength ? html.slice(0, bounds.maxLength) : html;
  const cut = text.length < html.length;
  let lower: string | undefined;
  let depth = 0;
  let at = text.indexOf('<');
  while (at >= 0 && at < text.length) {
    if (text.startsWith('<!--', at)) {
      const end = text.indexOf('-->', at + 4);
      if (end < 0) break;
      at = text.indexOf('<', end + 3);
      continue;
    }
    const closing = text.charCodeAt(at + 1) === 0x2f; // '/'
    const nameStart = at + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < text.length && /[A-Za-z0-9:-]/.test(text[nameEnd]!)) nameEnd++;
    const end = text.indexOf('>', nameEnd);
    if (end < 0) break;
    const name = text.slice(nameStart, nameEnd).toLowerCase();
    if (name && !/^[a-z]/.test(name)) {
      at = text.indexOf('<', at + 1);
      continue;
    }
    if (name && !FLAT.has(name)) {
      if (closing) depth = Math.max(0, depth - 1);
      else if (text.charCodeAt(end - 1) !== 0x2f) {
        if (RAW_TEXT.has(name)) {
          lower ??= text.toLowerCase();
          const close = lower.indexOf(`</${name}`, end + 1);
          if (close < 0) break;
          at = text.indexOf('<', close + 2);
          continue;
        }
        depth++;
        if (depth > bounds.maxDepth) {
          return { html: text.slice(0, at), cut: true };
        }
      }
    }
    at = text.indexOf('<', end + 1);
  }
  return { html: text, cut };
}
