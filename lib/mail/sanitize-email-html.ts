import sanitizeHtml from 'sanitize-html';
import { browserUrl, srcsetUrls, urlScheme } from './browser-url';
import { boundHtml } from './html-bounds';

export interface SanitizeOptions {
  /** Keep http(s) images (the person asked to show remote images). */
  remoteImages: boolean;
  /** Maps a `cid:` reference (without brackets) to the URL of its attachment route. */
  resolveCid: (cid: string) => string | undefined;
}

export interface SanitizedHtml {
  html: string;
  /** True when remote images or other remote resources were present (removed or kept). */
  hadRemoteContent: boolean;
}

const ALLOWED_TAGS = [
  'a', 'abbr', 'address', 'b', 'bdi', 'bdo', 'big', 'blockquote', 'br', 'caption', 'center', 'cite', 'code', 'col',
  'colgroup', 'dd', 'del', 'dfn', 'div', 'dl', 'dt', 'em', 'figcaption', 'figure', 'font', 'h1', 'h2', 'h3', 'h4',
  'h5', 'h6', 'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'samp', 'small', 'span',
  'strike', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'tt', 'u', 'ul', 'wbr',
];

const COMMON_ATTRIBUTES = ['align', 'valign', 'dir', 'lang', 'title', 'style', 'width', 'height', 'bgcolor', 'color', 'border'];

/**
 * CSS properties that cannot fetch anything and are enough for newsletters to
 * look right. Anything with url(), image-set(), @import or expression() is
 * dropped by the value filter below.
 */
const SAFE_CSS_VALUE = /^(?!.*(url\s*\(|image-set|image\s*\(|src\s*\(|cross-fade|element\s*\(|expression\s*\(|@import|javascript:|\\|[\u0000-\u001f\u007f])).*$/i;

/**
 * Every attribute a browser reads as a URL (HTML, SVG, old IE), whether or
 * not the allowlist lets it through today: each is checked the way a browser
 * parses it, so widening the allowlist later cannot open a script URL.
 */
const URL_ATTRIBUTES = [
  'href', 'src', 'srcset', 'xlink:href', 'action', 'formaction', 'background', 'poster', 'cite', 'longdesc', 'usemap',
  'data', 'dynsrc', 'lowsrc', 'manifest', 'ping', 'profile', 'codebase', 'classid', 'archive', 'itemtype', 'icon',
];
/** Links may go to the web or to a mail address; anything fetched is an image (http(s) and data: images; cid: is rewritten before this). */
const LINK_SCHEMES = new Set(['http', 'https', 'mailto']);
const FETCH_SCHEMES = new Set(['http', 'https', 'data']);
const SAFE_DATA_URL = /^data:image\/(png|gif|jpe?g|webp)[;,]/i;

function urlAllowed(attribute: string, value: string): boolean {
  const scheme = urlScheme(value);
  if (scheme === null) return true; // relative: resolves against the page, runs nothing
  const link = attribute === 'href' || attribute === 'xlink:href' || attribute === 'cite' || attribute === 'longdesc';
  if (!(link ? LINK_SCHEMES : FETCH_SCHEMES).has(scheme)) return false;
  return scheme !== 'data' || SAFE_DATA_URL.test(browserUrl(value));
}

/**
 * URL attributes as the browser will read them: normalised (WHATWG), and
 * dropped when the scheme is not allowed. A `srcset` is kept only when every
 * candidate passes. ping, archive and the like hold several URLs separated by
 * spaces: each must pass.
 */
function guardUrlAttributes(attribs: sanitizeHtml.Attributes): sanitizeHtml.Attributes {
  let next: sanitizeHtml.Attributes | undefined;
  for (const name of Object.keys(attribs)) {
    const attribute = name.toLowerCase();
    if (!URL_ATTRIBUTES.includes(attribute)) continue;
    const value = attribs[name] ?? '';
    const urls = attribute === 'srcset' ? srcsetUrls(value) : attribute === 'ping' || attribute === 'archive' ? value.split(/[\t\n\f\r ]+/).filter(Boolean) : [value];
    next ??= { ...attribs };
    if (urls.every((url) => urlAllowed(attribute, url))) {
      if (urls.length === 1 && attribute !== 'srcset') next[name] = browserUrl(value);
    } else {
      delete next[name];
    }
  }
  return next ?? attribs;
}
const CSS_PROPERTIES = [
  'color', 'background', 'background-color', 'font', 'font-family', 'font-size', 'font-style', 'font-weight', 'line-height',
  'text-align', 'text-decoration', 'text-transform', 'letter-spacing', 'white-space', 'vertical-align',
  'margin', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left',
  'border', 'border-top', 'border-right', 'border-bottom', 'border-left', 'border-color', 'border-style',
  'border-width', 'border-radius', 'border-collapse', 'border-spacing',
  'width', 'max-width', 'min-width', 'height', 'max-height', 'min-height', 'display', 'float', 'clear',
  'table-layout', 'list-style-type', 'direction', 'opacity', 'overflow', 'word-break', 'overflow-wrap',
];

/** Said where the HTML was cut (html-bounds.ts): the person knows the rest is in the source. */
const CUT_NOTE = '<hr /><p><em>The rest of this message is too large or too deeply nested to show here. View its source or download it to read it whole.</em></p>';

/** A `cid:` URL's Content-ID: percent-decoded (RFC 2392), or as written when that is malformed (`cid:%` threw, a 500). */
function decodeCid(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Email HTML through a well-kept sanitizer (sanitize-html, an allowlist):
 * no scripts, event handlers, forms, frames, <base>, <meta>, <style> blocks or
 * CSS that can fetch; links only http(s)/mailto and opening in a new context
 * without a referrer; images only from `cid:` parts (rewritten to our
 * attachment route), `data:` images, or, on request, remote http(s).
 */
export function sanitizeEmailHtml(whole: string, options: SanitizeOptions): SanitizedHtml {
  const bounded = boundHtml(whole);
  const dirty = bounded.html;
  let hadRemoteContent = false;
  const allowedStyles: Record<string, RegExp[]> = {};
  for (const property of CSS_PROPERTIES) allowedStyles[property] = [SAFE_CSS_VALUE];

  const html = sanitizeHtml(dirty, {
    allowedTags: ALLOWED_TAGS,
    disallowedTagsMode: 'discard',
    allowedAttributes: {
      '*': COMMON_ATTRIBUTES,
      a: ['href', 'name', 'target', 'rel'],
      img: ['src', 'alt', 'width', 'height'],
      td: ['colspan', 'rowspan', 'nowrap'],
      th: ['colspan', 'rowspan', 'scope'],
      table: ['cellpadding', 'cellspacing', 'summary'],
      font: ['face', 'size'],
      ol: ['start', 'type'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https', 'data', 'cid'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    allowedStyles: { '*': allowedStyles },
    parseStyleAttributes: true,
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'template', 'xmp', 'iframe', 'object'],
    transformTags: {
      // Runs after the tag's own transform below, on every tag.
      '*': (tagName, attribs) => ({ tagName, attribs: guardUrlAttributes(attribs) }),
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' },
      }),
      img: (tagName, attribs) => {
        const src = browserUrl(attribs.src ?? '');
        const next = { ...attribs };
        if (/^cid:/i.test(src)) {
          const url = options.resolveCid(decodeCid(src.slice(4)).replace(/^<|>$/g, ''));
          if (url) next.src = url;
          else delete next.src;
        } else if (/^data:image\/(png|gif|jpe?g|webp);base64,/i.test(src)) {
          // inline images are fine
        } else if (/^https?:/i.test(src) || src.startsWith('//')) {
          hadRemoteContent = true;
          if (!options.remoteImages || src.startsWith('//')) delete next.src;
        } else {
          delete next.src;
        }
        return { tagName, attribs: next };
      },
    },
  });
  // Remote CSS backgrounds (`background="http…"` attributes and url() values) were already dropped; note them.
  if (/\bbackground\s*=\s*["']?https?:|url\s*\(\s*["']?https?:/i.test(dirty)) hadRemoteContent = true;
  return { html: bounded.cut ? `${html}${CUT_NOTE}` : html, hadRemoteContent };
}
