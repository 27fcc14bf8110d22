import type { PreviewPart } from './api-panels';
import { formatSize } from './format-size';
import { Icon } from './icon';

/** "5.7 MB" when the whole part was in the lines fetched, "about 5.7 MB" when it is estimated. */
export function partSize(part: PreviewPart): string {
  return `${part.complete ? '' : 'about '}${formatSize(part.estimatedSize)}`;
}

function isAttachment(part: PreviewPart): boolean {
  return part.filename !== null || (part.disposition ?? '').toLowerCase() === 'attachment';
}

/**
 * What makes the message big, from the peek alone: every part seen in the lines fetched, attachments
 * by name, with their sizes (estimated from where each part starts and the message's size from LIST).
 */
export function PeekParts({ parts, messageSize }: { parts: PreviewPart[]; messageSize: number }) {
  const leaves = parts.filter((part) => !part.contentType.toLowerCase().startsWith('multipart/'));
  if (leaves.length === 0) return null;
  const attachments = leaves.filter(isAttachment);
  const estimated = leaves.some((part) => !part.complete);
  return (
    <section aria-labelledby="peek-parts-heading" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900" data-testid="peek-parts">
      <h3 id="peek-parts-heading" className="flex items-center gap-2 border-b border-slate-200 px-3 py-2 text-sm font-semibold dark:border-slate-800">
        <Icon name="paperclip" />
        {attachments.length === 0
          ? 'No attachments seen'
          : `${attachments.length} attachment${attachments.length === 1 ? '' : 's'}`}
        <span className="font-normal text-slate-600 dark:text-slate-400">· {leaves.length} part{leaves.length === 1 ? '' : 's'} in all</span>
      </h3>
      <ul className="divide-y divide-slate-100 dark:divide-slate-800">
        {leaves.map((part, index) => {
          const attachment = isAttachment(part);
          const name = part.filename ?? (attachment ? '(unnamed attachment)' : 'Message text');
          return (
            <li key={index} className="flex items-baseline gap-2 px-3 py-2 text-sm" data-testid={attachment ? 'peek-attachment' : 'peek-part'}>
              <span className="min-w-0 flex-1">
                <span className={`break-all ${attachment ? 'font-medium' : ''}`}>{name}</span>
                <span className="text-slate-600 dark:text-slate-400"> · {partSize(part)}</span>
                <span className="block text-xs text-slate-600 dark:text-slate-400">
                  {part.contentType}
                  {part.disposition && part.disposition.toLowerCase() === 'inline' && attachment ? ' · shown in the message' : ''}
                </span>
              </span>
            </li>
          );
        })}
      </ul>
      {estimated ? (
        <p className="border-t border-slate-200 px-3 py-2 text-xs text-slate-600 dark:border-slate-800 dark:text-slate-400">
          Sizes marked “about” are estimated from where each part starts in the lines read and the message’s size ({formatSize(messageSize)}); nothing was downloaded.
        </p>
      ) : null}
    </section>
  );
}
