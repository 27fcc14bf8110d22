'use client';

import type { ReactNode } from 'react';
import { Icon } from './icon';
import type { DiscoveredServer, DiscoveryState } from './use-server-discovery';

const SECURITY_WORDS: Record<DiscoveredServer['security'], string> = { tls: 'TLS', starttls: 'STARTTLS' };

export function describeServer(server: DiscoveredServer): string {
  return `${server.host}, port ${server.port}, ${SECURITY_WORDS[server.security]}`;
}

function origin(server: DiscoveredServer, domain: string): string {
  return server.source === 'table' ? `Known settings for ${server.provider ?? domain}` : `The DNS records of ${domain} name this server`;
}

function originAfter(server: DiscoveredServer, domain: string): string {
  return server.source === 'table' ? `known settings for ${server.provider ?? domain}` : `named by the DNS records of ${domain}`;
}

interface ServerDiscoveryOfferProps {
  state: DiscoveryState;
  /** True while the server fields hold exactly what `state` offers. */
  applied: boolean;
  onUse: (server: DiscoveredServer) => void;
}

/**
 * What address discovery found, in words, under the user-name field: an offer
 * with one button that fills the server fields, the provider's note (app
 * password, OAuth), or a plain sentence when there is no POP3 or the server
 * found is not allowed here. Announced politely to screen readers.
 */
export function ServerDiscoveryOffer({ state, applied, onUse }: ServerDiscoveryOfferProps) {
  const { answer, domain } = state;
  const found = answer?.found ?? null;
  let content: ReactNode = null;
  if (answer && domain) {
    if (found) {
      content = (
        <div className="rounded-md border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950/60 dark:text-sky-100">
          {applied ? (
            <p className="flex items-start gap-2">
              <Icon name="check" className="mt-0.5 h-4 w-4 shrink-0" />
              <span>
                Using <strong className="font-medium">{describeServer(found)}</strong> ({originAfter(found, domain)}).
              </span>
            </p>
          ) : (
            <div className="flex flex-col items-start gap-2">
              <p>
                {origin(found, domain)}. Use <strong className="font-medium">{describeServer(found)}</strong>?
              </p>
              <button type="button" className="btn btn-secondary" onClick={() => onUse(found)}>
                Use these settings
              </button>
            </div>
          )}
          {found.note ? <p className="mt-1.5 text-sky-900 dark:text-sky-200">{found.note}</p> : null}
        </div>
      );
    } else if (answer.noPop3 || answer.refused) {
      content = (
        <p className="flex items-start gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-800 dark:bg-amber-950/60 dark:text-amber-100">
          <Icon name="warning" className="mt-0.5 h-4 w-4 shrink-0" />
          <span>{answer.noPop3 ?? answer.refused}</span>
        </p>
      );
    }
  }
  return (
    <div role="status" aria-live="polite" data-testid="server-discovery" className={content ? 'mt-2' : undefined}>
      {content}
    </div>
  );
}
