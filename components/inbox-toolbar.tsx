'use client';

import type { Ref } from 'react';
import { Icon } from './icon';
import { listSummary, selectAllLabel } from './list-wording';

export const SIZE_CHOICES: Array<{ label: string; bytes: number | null }> = [
  { label: 'Any size', bytes: null },
  { label: '100 KB', bytes: 100 * 1024 },
  { label: '1 MB', bytes: 1024 * 1024 },
  { label: '5 MB', bytes: 5 * 1024 * 1024 },
  { label: '10 MB', bytes: 10 * 1024 * 1024 },
  { label: '25 MB', bytes: 25 * 1024 * 1024 },
];

interface InboxToolbarProps {
  filterRef?: Ref<HTMLInputElement>;
  query: string;
  minSize: number | null;
  onQuery: (query: string) => void;
  onMinSize: (bytes: number | null) => void;
  /** Enter in the filter box: what is typed applies now, and the list takes focus. */
  onLeaveFilter: () => void;
  /** Esc in the filter box: the same as Esc in the list (the whole filter goes). */
  onClearFilter: () => void;
  /** The person went to the filter box: a good moment to load every header in the background. */
  onFilterFocus?: () => void;
  /** Matching messages and their total size; null while loading. */
  total: number | null;
  totalSize: number;
  filtered: boolean;
  selectedCount: number;
  selectingAll: boolean;
  onSelectAll: () => void;
  onClearSelection: () => void;
  onDeleteSelected: () => void;
  /** Marks the selection read or unread (absent: no read state). */
  onMarkSelected?: (seen: boolean) => void;
}

/** Filter by sender/subject and size; act on the selection. */
export function InboxToolbar(props: InboxToolbarProps) {
  const { total, selectedCount } = props;
  const allSelected = total !== null && total > 0 && selectedCount >= total;
  return (
    <div className="space-y-2 border-b border-slate-200 bg-slate-50 px-3 py-2 sm:px-4 dark:border-slate-800 dark:bg-slate-950">
      <div role="search" aria-label="Filter messages" className="flex flex-wrap items-end gap-2">
        <div className="relative min-w-40 flex-1">
          <label htmlFor="filter" className="sr-only">
            Filter by sender or subject
          </label>
          <span className="pointer-events-none absolute inset-y-0 left-2.5 flex items-center text-slate-500">
            <Icon name="search" />
          </span>
          <input
            ref={props.filterRef}
            id="filter"
            type="search"
            placeholder="Filter by sender or subject  ( / )"
            value={props.query}
            onChange={(event) => props.onQuery(event.target.value)}
            onFocus={props.onFilterFocus}
            onKeyDown={(event) => {
              if (event.key === 'Escape' || (event.key === 'Enter' && !event.nativeEvent.isComposing)) {
                event.preventDefault();
                if (event.key === 'Escape') props.onClearFilter();
                else props.onLeaveFilter();
              }
            }}
            aria-keyshortcuts="/"
            autoComplete="off"
            className="field-input pl-8"
          />
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor="min-size" className="text-sm whitespace-nowrap text-slate-700 dark:text-slate-300">
            Larger than
          </label>
          <select
            id="min-size"
            value={props.minSize ?? ''}
            onChange={(event) => props.onMinSize(event.target.value ? Number(event.target.value) : null)}
            className="field-input w-auto"
          >
            {SIZE_CHOICES.map((choice) => (
              <option key={choice.label} value={choice.bytes ?? ''}>
                {choice.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      {/*
        One line of fixed height whatever is selected, so ticking a box never moves the list: with a
        selection the secondary actions are icons (named for assistive technology, titled for the
        pointer), and "Delete" shows its word where the column has room for it.
      */}
      <div className="@container flex h-9 min-w-0 items-center gap-1.5 text-sm" data-testid="list-actions">
        <p className="mr-auto min-w-0 truncate text-slate-700 tabular-nums dark:text-slate-300" role="status" data-testid="list-summary">
          {total === null ? 'Loading…' : selectedCount > 0 ? `${selectedCount.toLocaleString()} selected` : listSummary(total, props.filtered, props.totalSize)}
        </p>
        {total !== null && total > 0 && !allSelected ? (
          <button type="button" className="btn btn-ghost shrink-0 px-2" onClick={props.onSelectAll} disabled={props.selectingAll}>
            {props.selectingAll ? (
              'Selecting…'
            ) : selectedCount > 0 ? (
              // Short beside the selection's actions (some selected and not all: two or more, so "Select all …");
              // the full name still says how many.
              <span>
                Select all<span className="sr-only">{selectAllLabel(total, props.filtered).slice('Select all'.length)}</span>
              </span>
            ) : (
              selectAllLabel(total, props.filtered)
            )}
          </button>
        ) : null}
        {selectedCount > 0 ? (
          <>
            <button type="button" className="btn btn-ghost shrink-0 px-2" onClick={props.onClearSelection} aria-label="Clear selection" title="Clear selection">
              <Icon name="close" />
            </button>
            {props.onMarkSelected ? (
              <>
                <button type="button" className="btn btn-secondary shrink-0 px-2" onClick={() => props.onMarkSelected?.(true)} aria-label="Mark read" title="Mark read">
                  <Icon name="mail-open" />
                </button>
                <button type="button" className="btn btn-secondary shrink-0 px-2" onClick={() => props.onMarkSelected?.(false)} aria-label="Mark unread" title="Mark unread">
                  <Icon name="mail" />
                </button>
              </>
            ) : null}
            <button
              type="button"
              className="btn btn-danger shrink-0 px-2 @min-[26rem]:px-3"
              onClick={props.onDeleteSelected}
              aria-keyshortcuts="#"
              title={`Delete ${selectedCount.toLocaleString()} selected`}
            >
              <Icon name="trash" />
              <span className="sr-only @min-[26rem]:not-sr-only">Delete</span>
              <span className="sr-only"> {selectedCount.toLocaleString()} selected</span>
            </button>
          </>
        ) : null}
      </div>
    </div>
  );
}
