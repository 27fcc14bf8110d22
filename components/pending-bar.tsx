'use client';

import { useState } from 'react';
import { Icon } from './icon';

interface PendingBarProps {
  count: number;
  busy: boolean;
  onUndo: () => void;
  onApply: () => void;
}

/**
 * Marks are only marks until applied: say so, and offer both ways out. The bar floats at the
 * bottom of the window, over space the inbox keeps free for it (footSpace), so marking a
 * message never moves the rows under the pointer.
 */
/**
 * Room kept below the inbox (Tailwind classes) for what floats over its foot, so the list's last row can
 * be scrolled above it: the bar (one line from 640 px wide, three short ones below), and a passing notice
 * (one line, see the toast in inbox-view) where it floats over the list, below 768 px: above the bar, or
 * alone at the foot. From 768 px the notice floats over the reading pane and needs no room.
 */
export function footSpace({ bar, notice }: { bar: boolean; notice: boolean }): string {
  if (bar) return notice ? 'pb-44 sm:pb-28 md:pb-14' : 'pb-28 sm:pb-14';
  return notice ? 'pb-16 md:pb-0' : '';
}

function marksText(count: number): string {
  return count > 0 ? `${count.toLocaleString()} message${count === 1 ? '' : 's'} marked for deletion.` : 'No messages marked for deletion.';
}

interface MarksSaid {
  count: number;
  notice: string;
  text: string;
}

/**
 * What the marks live region says, so that each change of the count is heard once. The region says
 * the new count, unless another live region says the change in the same update: a new toast (Keep,
 * Undo, Apply) or a panel (the Proposed panel's own notice; while a panel is open the rest of the
 * page is inert anyway). Then the region empties, which says nothing. A toast that repeats its text
 * is not heard again, so then the region speaks.
 */
export function nextMarksSaid(said: MarksSaid, count: number, notice: string, panelOpen: boolean): MarksSaid {
  if (said.count === count) return said.notice === notice ? said : { ...said, notice };
  const spokenElsewhere = panelOpen || (notice !== '' && notice !== said.notice);
  return { count, notice, text: spokenElsewhere ? '' : marksText(count) };
}

/** The marks live region's words for this render (see nextMarksSaid). */
export function useMarksSaid(count: number, notice: string, panelOpen: boolean): string {
  // At first nothing has changed: the count already marked is on the page from the start, not news.
  const [said, setSaid] = useState<MarksSaid>(() => ({ count, notice, text: count > 0 ? marksText(count) : '' }));
  const next = nextMarksSaid(said, count, notice, panelOpen);
  if (next !== said) setSaid(next);
  return next.text;
}

/** Says changes of the count of marks to screen readers; always on the page, so the change is heard. */
export function MarksAnnouncer({ text }: { text: string }) {
  return (
    <p role="status" className="sr-only" data-testid="marks-announcer">
      {text}
    </p>
  );
}

export function PendingBar({ count, busy, onUndo, onApply }: PendingBarProps) {
  if (count === 0) return null;
  return (
    <div
      role="region"
      aria-label="Pending deletions"
      className="fixed inset-x-0 bottom-0 z-20 flex min-h-14 flex-wrap items-center gap-2 border-t border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 shadow-[0_-2px_8px_rgba(0,0,0,0.08)] sm:px-4 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-100"
    >
      {/* Not a live region itself: it comes and goes, so the inbox keeps one that is always there (MarksAnnouncer). */}
      <p className="flex min-w-0 basis-full items-center gap-2 sm:flex-1 sm:basis-auto" data-testid="pending-count">
        <Icon name="trash" className="h-4 w-4 shrink-0" />
        <span>
          <strong>{count.toLocaleString()}</strong> message{count === 1 ? '' : 's'} marked for deletion.
          {/* The same words everywhere; where the bar is narrow the line wraps. */} Nothing is deleted until you apply or log out.
        </span>
      </p>
      <span className="ml-auto sm:hidden" />
      <button type="button" className="btn btn-secondary" onClick={onUndo} disabled={busy} aria-keyshortcuts="u">
        <Icon name="undo" />
        Undo
      </button>
      <button type="button" className="btn btn-danger" onClick={onApply} disabled={busy}>
        <Icon name="check" />
        Apply now
      </button>
    </div>
  );
}
