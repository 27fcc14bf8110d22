'use client';

import { useMemo } from 'react';

interface HtmlBodyFrameProps {
  html: string;
  remoteImages: boolean;
  title: string;
}

/**
 * Sanitized HTML (the server removed scripts, handlers, forms, frames and, unless asked, remote
 * content) in a sandboxed frame: no scripts, no same-origin access. Popups only so that links (target=_blank,
 * rel=noopener noreferrer, set by the sanitizer) open in a new tab instead of inside the frame.
 * A policy inside the frame is a second lock: only this site's own images (cid: parts) and
 * data: images may load, and remote images only once the person asked for them.
 */
export function HtmlBodyFrame({ html, remoteImages, title }: HtmlBodyFrameProps) {
  const srcDoc = useMemo(() => {
    const origin = typeof window === 'undefined' ? '' : window.location.origin;
    const images = remoteImages ? `${origin} data: https: http:` : `${origin} data:`;
    const policy = `default-src 'none'; img-src ${images}; style-src 'unsafe-inline'; font-src 'none'; media-src 'none'; form-action 'none'`;
    return (
      '<!doctype html><html><head><meta charset="utf-8">' +
      `<meta http-equiv="Content-Security-Policy" content="${policy}">` +
      '<meta name="referrer" content="no-referrer">' +
      '<style>html{color-scheme:light}body{margin:16px;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;background:#fff;overflow-wrap:anywhere}img{max-width:100%;height:auto}table{max-width:100%}</style>' +
      `</head><body>${html}</body></html>`
    );
  }, [html, remoteImages]);
  return (
    <iframe
      title={title}
      sandbox="allow-popups allow-popups-to-escape-sandbox"
      srcDoc={srcDoc}
      referrerPolicy="no-referrer"
      data-testid="html-body"
      className="h-[70vh] min-h-80 w-full rounded-lg border border-slate-200 bg-white dark:border-slate-700"
    />
  );
}
