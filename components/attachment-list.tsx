import { attachmentUrl, type AttachmentInfo } from './api-client';
import { formatSize } from './format-size';
import { Icon } from './icon';

/** Each attachment with its name, type and size, downloaded straight from its own route. */
export function AttachmentList({ messageId, attachments }: { messageId: string; attachments: AttachmentInfo[] }) {
  if (attachments.length === 0) return null;
  return (
    <section aria-labelledby="attachments-heading" className="rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <h3 id="attachments-heading" className="flex items-center gap-2 border-b border-slate-200 px-3 py-2 text-sm font-semibold dark:border-slate-800">
        <Icon name="paperclip" />
        {attachments.length} attachment{attachments.length === 1 ? '' : 's'}
      </h3>
      <ul className="divide-y divide-slate-100 dark:divide-slate-800">
        {attachments.map((attachment) => {
          const name = attachment.filename || '(unnamed attachment)';
          return (
            <li key={attachment.id} className="flex flex-wrap items-center gap-3 px-3 py-2" data-testid="attachment">
              <div className="min-w-0 flex-1">
                <p className="truncate text-sm font-medium" title={name}>
                  {name}
                </p>
                <p className="text-xs text-slate-600 dark:text-slate-400">
                  {attachment.contentType} · {formatSize(attachment.size)}
                  {attachment.inline ? ' · shown in the message' : ''}
                </p>
              </div>
              <a
                href={attachmentUrl(messageId, attachment.id)}
                download={attachment.filename || undefined}
                className="btn btn-secondary"
                aria-label={`Download ${name} (${formatSize(attachment.size)})`}
              >
                <Icon name="download" />
                Download
              </a>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
