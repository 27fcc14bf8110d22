/**
 * A URL attribute's value as a browser's URL parser (WHATWG URL Standard)
 * reads it, before any scheme is looked at: leading and trailing C0 controls
 * and spaces are stripped, and ASCII tabs and newlines are removed anywhere.
 * So `\x01javascript:` and `java\tscript:` are both `javascript:`.
 * Entities were already decoded by the HTML parser.
 */
export function browserUrl(value: string): string {
  return value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '').replace(/[\t\n\r]/g, '');
}

/**
 * The scheme of a URL as the browser's parser finds it, lowercased; null for a
 * relative URL (no scheme: it resolves against the page, it cannot run script).
 */
export function urlScheme(value: string): string | null {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(browserUrl(value));
  return match ? match[1]!.toLowerCase() : null;
}

/**
 * The URLs of a `srcset` value: comma-separated image candidates, each a URL
 * and an optional descriptor (`1x`, `480w`). A URL may itself contain commas
 * (a data: URL); as in the HTML standard, a URL runs to the next ASCII
 * whitespace, and trailing commas end it.
 */
export function srcsetUrls(value: string): string[] {
  const urls: string[] = [];
  let at = 0;
  while (at < value.length) {
    while (at < value.length && /[\t\n\f\r ,]/.test(value[at]!)) at++;
    if (at >= value.length) break;
    let end = at;
    while (end < value.length && !/[\t\n\f\r ]/.test(value[end]!)) end++;
    const url = value.slice(at, end);
    urls.push(url.replace(/,+$/, ''));
    at = end;
    // A URL that ended in commas has no descriptor; else skip the descriptor, up to the comma that ends this candidate.
    if (!url.endsWith(',')) while (at < value.length && value[at] !== ',') at++;
  }
  return urls;
}
