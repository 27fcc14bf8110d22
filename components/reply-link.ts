import type { FullMessage } from './api-client';

/**
 * Mail apps and browsers cut long `mailto:` links (some at about 2,000 characters): the quoted
 * text is cut to fit, with a line that says so, so the link always opens.
 */
export const MAX_REPLY_LINK_CHARS = 1800;

function replySubject(subject: string): string {
  const trimmed = subject.trim();
  if (/^re:/i.test(trimmed)) return trimmed;
  return `Re: ${trimmed || '(no subject)'}`;
}

function quoted(message: Pick<FullMessage, 'from' | 'date' | 'text'>, maxLines: number): { lines: string[]; cut: boolean } {
  const source = (message.text ?? '').replace(/\r\n?/g, '\n').split('\n');
  const who = message.from ? message.from.name || message.from.address : 'the sender';
  const when = message.date ? new Date(message.date).toUTCString() : null;
  const head = when ? `On ${when}, ${who} wrote:` : `${who} wrote:`;
  const body = source.slice(0, maxLines).map((line) => `> ${line}`);
  return { lines: [head, ...body], cut: source.length > maxLines };
}

function link(to: string, subject: string, lines: string[]): string {
  // RFC 6068: %20 for spaces (not "+"), CRLF line ends in the body.
  return `mailto:${encodeURIComponent(to).replace(/%40/g, '@')}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(`\r\n\r\n${lines.join('\r\n')}`)}`;
}

/** "Reply in my mail app": to Reply-To (else From), subject "Re: …", the text quoted, bounded in length. */
export function replyLink(message: Pick<FullMessage, 'from' | 'replyTo' | 'subject' | 'date' | 'text'>): string {
  const to = message.replyTo[0]?.address || message.from?.address || '';
  const subject = replySubject(message.subject);
  // Fewer quoted lines until the link fits; a line too long on its own is shortened.
  for (let maxLines = 40; maxLines >= 0; maxLines = maxLines > 8 ? Math.floor(maxLines / 2) : maxLines - 1) {
    const { lines, cut } = quoted(message, maxLines);
    const shortened = lines.map((line) => (line.length > 200 ? `${line.slice(0, 199)}…` : line));
    const withNote = cut ? [...shortened, '> […]'] : shortened;
    const href = link(to, subject, withNote);
    if (href.length <= MAX_REPLY_LINK_CHARS) return href;
  }
  return link(to, subject, []);
}
