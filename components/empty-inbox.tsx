import { Icon } from './icon';

/** No messages at all, or none matching the filter. */
export function EmptyInbox({ filtered, onClearFilter }: { filtered: boolean; onClearFilter: () => void }) {
  return (
    <div className="flex flex-1 flex-col items-center justify-center gap-3 px-6 py-16 text-center" data-testid="empty-inbox">
      <span className="grid h-14 w-14 place-items-center rounded-full bg-slate-200 text-slate-600 dark:bg-slate-800 dark:text-slate-300">
        <Icon name="inbox" className="h-7 w-7" />
      </span>
      {filtered ? (
        <>
          <p className="text-base font-medium">No messages match this filter.</p>
          <button type="button" className="btn btn-secondary" onClick={onClearFilter}>
            Clear the filter
          </button>
        </>
      ) : (
        <>
          <p className="text-base font-medium">Your inbox is empty.</p>
          <p className="text-sm text-slate-600 dark:text-slate-400">New mail shows up when you refresh.</p>
        </>
      )}
    </div>
  );
}
