import { Icon } from './icon';

/** What the reading pane says before anything is selected. */
export function PanePlaceholder() {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-3 p-8 text-center text-slate-600 dark:text-slate-400">
      <Icon name="eye" className="h-8 w-8" />
      <p className="max-w-sm text-sm">
        Select a message to peek at its headers and first lines. Nothing big is downloaded until you ask.
      </p>
      <p className="text-sm">
        Press <kbd className="kbd">?</kbd> for keyboard shortcuts.
      </p>
    </div>
  );
}
