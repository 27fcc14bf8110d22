import { SkeletonRow } from './skeleton-row';

/** The list's shape while its first page loads. */
export function InboxSkeleton({ rows = 10 }: { rows?: number }) {
  return (
    <div className="min-h-0 flex-1 overflow-hidden" aria-busy="true">
      <p className="sr-only" role="status">
        Loading the inbox…
      </p>
      {Array.from({ length: rows }, (_, index) => (
        // 68px = ROW_HEIGHT in message-list.tsx; a class, not a style attribute, so it also works when server-rendered.
        <div key={index} className="h-[68px] border-b border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
          <SkeletonRow />
        </div>
      ))}
    </div>
  );
}
