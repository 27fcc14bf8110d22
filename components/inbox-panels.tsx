'use client';

import { useCallback, useState } from 'react';
import type { MessageSummary } from './api-client';
import { ProposedPanel } from './proposed-panel';
import { RulesEditor } from './rules-editor';
import { ServerPanel } from './server-panel';

export type PanelName = 'rules' | 'proposed' | 'server';

/** Which panel is open over the inbox (one at a time). */
export function useInboxPanels() {
  const [panel, setPanel] = useState<PanelName | null>(null);
  const show = useCallback((name: PanelName) => setPanel(name), []);
  const close = useCallback(() => setPanel(null), []);
  return { panel, show, close };
}

interface InboxPanelsProps {
  panels: ReturnType<typeof useInboxPanels>;
  /** Marked in this session. */
  pending: ReadonlySet<string>;
  /** The proposals were marked: add them to the inbox's pending marks. */
  onMarked: (ids: string[]) => void;
  /** Show one message in the peek. */
  onPeek: (message: MessageSummary) => void;
  /** The rules changed (proposals in the listing may differ). */
  onRulesChanged?: () => void;
}

/** The panels opened from the app header: rules, proposed deletions, the server in words. */
export function InboxPanels({ panels, pending, onMarked, onPeek, onRulesChanged }: InboxPanelsProps) {
  const { panel, show, close } = panels;
  return (
    <>
      <RulesEditor open={panel === 'rules'} onClose={close} onChanged={() => onRulesChanged?.()} />
      <ProposedPanel
        open={panel === 'proposed'}
        onClose={close}
        pending={pending}
        onMarked={onMarked}
        onPeek={(message) => {
          close();
          onPeek(message);
        }}
        onEditRules={() => show('rules')}
      />
      <ServerPanel open={panel === 'server'} onClose={close} />
    </>
  );
}
