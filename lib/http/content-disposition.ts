import { visibleText } from '../text/visible-text';

/**
 * RFC 6266 `attachment` with a safe file name: no path parts, no control
 * characters, no bidi controls or invisible characters (`invoice\u202Efdp.exe`
 * would be saved as what looks like a PDF), an ASCII fallback and the UTF-8
 * name in `filename*`.
 */
export function attachmentDisposition(filename: string): string {
  const base = visibleText(filename).split(/[\\/]/).pop() ?? '';
  const trimmed = base.replace(/[\u0000-\u001f\u007f"]/g, '').replace(/^\.+/, '').trim();
  // Cut by code points, never inside a surrogate pair (encodeURIComponent throws on half of one).
  const cleaned = Array.from(trimmed).slice(0, 200).join('') || 'attachment';
  const ascii = cleaned.replace(/[^\x20-\x7e]/g, '_').replace(/[%;\\]/g, '_');
  const encoded = encodeURIComponent(cleaned).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Never let an attachment be rendered as a document of ours: HTML, SVG, XML and scripts become octet streams. */
export function safeContentType(contentType: string): string {
  const type = contentType.toLowerCase().split(';')[0]?.trim() ?? '';
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(type)) return 'application/octet-stream';
  if (/html|svg|xml|javascript|ecmascript|xhtml|text\/css/.test(type)) return 'application/octet-stream';
  return type;
}
