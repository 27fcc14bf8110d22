'use client';

import { useState } from 'react';
import type { Address } from './api-client';
import { asApiError } from './inbox-helpers';
import { getRules, putRules } from './api-panels';
import { errorSentence } from './error-messages';
import { Icon } from './icon';
import { domainOf, ruleFromSender, withRule } from './rule-text';

interface AlwaysDeleteProps {
  from: Address | null;
  /** A rule was added: the listing's proposals may have changed. */
  onRuleAdded?: () => void;
}

/**
 * "Always delete mail like this": a rule on this sender or this sender's domain, in two clicks.
 * Rules only propose; nothing is marked until the person reviews the proposals.
 */
export function AlwaysDelete({ from, onRuleAdded }: AlwaysDeleteProps) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const address = from?.address ?? '';
  const domain = domainOf(address);
  if (!address || !domain) return null;

  const add = async (scope: 'sender' | 'domain') => {
    const rule = ruleFromSender(address, scope);
    if (!rule) return;
    setBusy(true);
    setResult(null);
    try {
      const next = withRule(await getRules(), rule);
      if (next.added) await putRules(next.rules);
      setResult({
        ok: true,
        text: next.added
          ? `Rule added: mail ${scope === 'sender' ? `from ${rule.match.from}` : `from anyone at ${domain}`} is now proposed for deletion. Review it under “Proposed”.`
          : 'A rule for this already exists.',
      });
      if (next.added) onRuleAdded?.();
    } catch (cause) {
      const error = asApiError(cause);
      setResult({ ok: false, text: `The rule could not be saved. ${errorSentence(error)}` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <details
      onToggle={(event) => {
        // The options open below the fold on most screens: bring them into view, so the click visibly did something.
        const details = event.currentTarget;
        if (!details.open) return;
        const still = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
        details.scrollIntoView({ block: 'nearest', behavior: still ? 'auto' : 'smooth' });
      }}
      className="group rounded-lg border border-slate-200 bg-white text-sm dark:border-slate-800 dark:bg-slate-900" data-testid="always-delete">
      <summary className="flex cursor-pointer items-center gap-2 px-3 py-2 font-medium select-none">
        <Icon name="trash" />
        Always delete mail like this…
      </summary>
      <div className="space-y-2 border-t border-slate-200 px-3 py-3 dark:border-slate-800">
        <p className="text-slate-700 dark:text-slate-300">Add a rule that proposes such mail for deletion (you review before anything is marked):</p>
        <div className="flex flex-wrap gap-2">
          <button type="button" className="btn btn-secondary max-w-full justify-start text-left whitespace-normal" disabled={busy} onClick={() => void add('sender')}>
            <span className="min-w-0 [overflow-wrap:anywhere]">From this sender ({address})</span>
          </button>
          <button type="button" className="btn btn-secondary max-w-full justify-start text-left whitespace-normal" disabled={busy} onClick={() => void add('domain')}>
            <span className="min-w-0 [overflow-wrap:anywhere]">From this domain ({domain})</span>
          </button>
        </div>
        <p role="status" className={result && !result.ok ? 'text-red-700 dark:text-red-300' : 'text-slate-700 dark:text-slate-300'}>
          {result?.text ?? ''}
        </p>
      </div>
    </details>
  );
}
