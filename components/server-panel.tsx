'use client';

import { useEffect, useState } from 'react';
import type { ApiError } from './api-client';
import { asApiError } from './inbox-helpers';
import { getServerInWords, type ServerInWords } from './api-panels';
import { ErrorBanner } from './error-banner';
import { Icon } from './icon';
import { PanelSheet } from './panel-sheet';
import { policySentences } from './server-policies';

function timeOf(at: string): string {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? at : date.toISOString().slice(11, 23);
}

/** "The server, in words": capabilities, the policies that matter, and this session's redacted transcript. */
export function ServerPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [info, setInfo] = useState<ServerInWords | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    if (!open) return;
    const controller = new AbortController();
    setError(null);
    getServerInWords(controller.signal)
      .then(setInfo)
      .catch((cause: unknown) => {
        if (!controller.signal.aborted) setError(asApiError(cause));
      });
    return () => controller.abort();
  }, [open, attempt]);

  return (
    <PanelSheet
      open={open}
      onClose={onClose}
      title="The server, in words"
      headingId="server-heading"
      testId="server-panel"
      description="What your mail server offers, what its rules mean for you, and what was said between Postern and it in this session."
    >
      {error ? <ErrorBanner error={error} context="The server's details could not be loaded." onRetry={() => setAttempt((n) => n + 1)} /> : null}
      {!info && !error ? (
        <p className="text-sm text-slate-600 dark:text-slate-400" aria-busy="true">
          Asking…
        </p>
      ) : null}
      {info ? (
        <div className="space-y-6">
          <section aria-labelledby="server-policies-heading">
            <h3 id="server-policies-heading" className="mb-2 font-semibold">
              What matters to you
            </h3>
            <dl className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900">
              {policySentences(info.policies).map(({ name, sentence }) => (
                <div key={name} className="px-3 py-2 sm:flex sm:gap-4" data-testid="server-policy">
                  <dt className="shrink-0 font-mono text-xs font-semibold sm:w-28 sm:pt-0.5">{name}</dt>
                  <dd className="text-sm text-slate-800 dark:text-slate-200">{sentence}</dd>
                </div>
              ))}
            </dl>
          </section>

          <section aria-labelledby="server-capabilities-heading">
            <h3 id="server-capabilities-heading" className="mb-2 font-semibold">
              Capabilities (CAPA)
            </h3>
            {info.capabilities.length === 0 ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">The server listed no capabilities.</p>
            ) : (
              <ul className="flex flex-wrap gap-1.5" aria-label="Capabilities">
                {info.capabilities.map((capability) => (
                  <li key={capability} className="rounded border border-slate-300 bg-white px-1.5 py-0.5 font-mono text-xs break-all dark:border-slate-700 dark:bg-slate-900">
                    {capability}
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section aria-labelledby="server-transcript-heading">
            <div className="mb-2 flex flex-wrap items-center gap-2">
              <h3 id="server-transcript-heading" className="font-semibold">
                Transcript of this session
              </h3>
              <span className="text-xs text-slate-600 dark:text-slate-400">last {info.transcript.length} lines; passwords and sign-in data are never shown</span>
              <button type="button" className="btn btn-ghost ml-auto" onClick={() => setAttempt((n) => n + 1)}>
                <Icon name="refresh" />
                Reload
              </button>
            </div>
            {info.transcript.length === 0 ? (
              <p className="text-sm text-slate-600 dark:text-slate-400">Nothing recorded yet.</p>
            ) : (
              <ol
                aria-label="Protocol transcript"
                tabIndex={0}
                className="relative max-h-[50vh] overflow-auto rounded-lg border border-slate-200 bg-white p-2 font-mono text-xs leading-relaxed dark:border-slate-800 dark:bg-slate-900"
                data-testid="server-transcript"
              >
                {info.transcript.map((line, index) => (
                  <li key={index} className="flex gap-2 whitespace-pre-wrap">
                    <span className="shrink-0 text-slate-600 tabular-nums dark:text-slate-400">{timeOf(line.at)}</span>
                    <span className={`shrink-0 font-semibold ${line.direction === 'client' ? 'text-sky-800 dark:text-sky-300' : 'text-emerald-800 dark:text-emerald-300'}`}>
                      <span aria-hidden="true">{line.direction === 'client' ? 'C:' : 'S:'}</span>
                      <span className="sr-only">{line.direction === 'client' ? 'Postern said' : 'Server said'}</span>
                    </span>
                    <span className="min-w-0 break-all">{line.text}</span>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </div>
      ) : null}
    </PanelSheet>
  );
}
