/** Placeholder for a row whose page is still loading. */
export function SkeletonRow() {
  return (
    <div aria-hidden="true" className="flex h-full items-center gap-3 px-3">
      <span className="skeleton h-4 w-4" />
      <span className="flex min-w-0 flex-1 flex-col gap-2">
        <span className="skeleton h-3.5 w-2/5" />
        <span className="skeleton h-3 w-4/5" />
      </span>
      <span className="flex w-20 flex-col items-end gap-2">
        <span className="skeleton h-3.5 w-12" />
        <span className="skeleton h-1 w-16" />
      </span>
    </div>
  );
}
