'use client';

import type { SessionInfo } from './api-client';
import { formatSize } from './format-size';
import { Icon } from './icon';
import type { PanelName } from './inbox-panels';

interface AppHeaderProps {
  session: SessionInfo;
  count: number;
  size: number;
  refreshing: boolean;
  onRefresh: () => void;
  onShortcuts: () => void;
  onLogout: () => void;
  /** Opens one of the panels (proposed deletions, rules, the server in words). */
  onPanel?: (panel: PanelName) => void;
}

const PANEL_BUTTONS: Array<{ panel: PanelName; label: string; icon: 'proposed' | 'rules' | 'server'; title: string }> = [
  { panel: 'proposed', label: 'Proposed', icon: 'proposed', title: 'What your rules propose to delete' },
  { panel: 'rules', label: 'Rules', icon: 'rules', title: 'Rules that propose deletions' },
  { panel: 'server', label: 'Server', icon: 'server', title: 'The server, in words' },
];

/** Who is logged in where, how big the maildrop is, and the global actions. */
export function AppHeader({ session, count, size, refreshing, onRefresh, onShortcuts, onLogout, onPanel }: AppHeaderProps) {
  return (
    <header className="flex items-center gap-2 border-b border-slate-200 bg-white px-3 py-2 sm:gap-3 sm:px-4 dark:border-slate-800 dark:bg-slate-900">
      <span className="grid h-8 w-8 shrink-0 place-items-center rounded-lg bg-sky-700 text-white dark:bg-sky-500 dark:text-slate-950">
        <Icon name="mail" className="h-5 w-5" />
      </span>
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-semibold">
          <span className="hidden sm:inline">Postern · </span>
          {session.username}
          <span className="font-normal text-slate-600 dark:text-slate-400">@{session.host}</span>
        </p>
        <p className="truncate text-xs text-slate-600 tabular-nums dark:text-slate-400" data-testid="maildrop-stats">
          {count.toLocaleString()} message{count === 1 ? '' : 's'} · {formatSize(size)}
          {session.security === 'none' ? ' · unencrypted connection' : ''}
        </p>
      </div>
      <nav aria-label="Account" className="flex items-center gap-0.5 sm:gap-1">
        <button type="button" className="btn btn-ghost" onClick={onRefresh} disabled={refreshing} aria-keyshortcuts="r">
          <Icon name="refresh" className={`h-4 w-4 ${refreshing ? 'animate-spin' : ''}`} />
          <span className="sr-only sm:not-sr-only">{refreshing ? 'Refreshing…' : 'Refresh'}</span>
        </button>
        {onPanel
          ? PANEL_BUTTONS.map(({ panel, label, icon, title }) => (
              <button key={panel} type="button" className="btn btn-ghost px-2 sm:px-3" onClick={() => onPanel(panel)} title={title}>
                <Icon name={icon} />
                <span className="sr-only lg:not-sr-only">{label}</span>
              </button>
            ))
          : null}
        <button type="button" className="btn btn-ghost hidden sm:inline-flex" onClick={onShortcuts} aria-keyshortcuts="?" title="Keyboard shortcuts (?)">
          <Icon name="keyboard" />
          <span className="sr-only">Keyboard shortcuts</span>
        </button>
        <button type="button" className="btn btn-ghost" onClick={onLogout}>
          <Icon name="logout" />
          <span className="sr-only sm:not-sr-only">Log out</span>
        </button>
      </nav>
    </header>
  );
}
