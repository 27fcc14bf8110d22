import { formatSize, sizeClass } from './format-size';

/** Size is what POP3 tells before any download: show it big, and flag the heavy ones. */
export function SizeBadge({ bytes }: { bytes: number }) {
  const kind = sizeClass(bytes);
  // Log scale from 1 KB (a sliver) to 25 MB (full), so the difference between 4 KB and 12 MB is visible.
  const fraction = Math.min(1, Math.max(0.04, Math.log10(Math.max(bytes, 1024) / 1024) / Math.log10(25 * 1024)));
  const bar =
    kind === 'huge' ? 'bg-red-600 dark:bg-red-400' : kind === 'large' ? 'bg-amber-500 dark:bg-amber-400' : 'bg-slate-300 dark:bg-slate-600';
  const text =
    kind === 'huge'
      ? 'text-red-700 dark:text-red-300'
      : kind === 'large'
        ? 'text-amber-700 dark:text-amber-300'
        : 'text-slate-700 dark:text-slate-300';
  return (
    <span className="flex w-20 shrink-0 flex-col items-end gap-1">
      <span className={`text-sm font-semibold tabular-nums ${text}`}>
        {kind !== 'small' ? <span className="sr-only">Large message, </span> : null}
        {formatSize(bytes)}
      </span>
      <span aria-hidden="true" className="h-1 w-16 overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800">
        <span className={`block h-full rounded-full ${bar}`} style={{ width: `${Math.round(fraction * 100)}%` }} />
      </span>
    </span>
  );
}
