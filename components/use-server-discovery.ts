'use client';

import { useEffect, useRef, useState } from 'react';
import { discoverServer, type ServerDiscovery } from './api-client';

export type DiscoveredServer = NonNullable<ServerDiscovery['found']>;

export interface DiscoveryState {
  /** The domain the answer is for (lower case), or null when the field holds no address. */
  domain: string | null;
  answer: ServerDiscovery | null;
  checking: boolean;
}

/** Waits for a pause in typing before asking: one request per address, not per keystroke. */
const PAUSE_MS = 350;

function domainOf(text: string): string | null {
  const match = /^[^@\s]+@([^@\s]+\.[^@\s.]{2,})$/.exec(text.trim());
  return match?.[1] ? match[1].toLowerCase().replace(/\.$/, '') : null;
}

/**
 * Server settings for what the user-name field holds, when it holds an
 * address and `enabled` (the server fields are empty, or still hold what an
 * earlier answer filled in). The answer depends on the domain only, so it is
 * kept per domain for the life of the form. A failed look-up (offline,
 * throttled) is simply no offer: the person can always type the server.
 */
export function useServerDiscovery(username: string, enabled: boolean): DiscoveryState {
  const domain = enabled ? domainOf(username) : null;
  const cache = useRef(new Map<string, ServerDiscovery>());
  const [answered, setAnswered] = useState<{ domain: string; answer: ServerDiscovery } | null>(null);
  const [checking, setChecking] = useState(false);

  useEffect(() => {
    if (!domain) {
      setChecking(false);
      return;
    }
    const known = cache.current.get(domain);
    if (known) {
      setAnswered({ domain, answer: known });
      setChecking(false);
      return;
    }
    const controller = new AbortController();
    setChecking(true);
    const timer = setTimeout(() => {
      discoverServer(username.trim(), controller.signal)
        .then((answer) => {
          cache.current.set(domain, answer);
          setAnswered({ domain, answer });
        })
        .catch(() => undefined)
        .finally(() => {
          if (!controller.signal.aborted) setChecking(false);
        });
    }, PAUSE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // The local part does not change the answer: only a new domain asks again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [domain]);

  return {
    domain,
    answer: domain && answered?.domain === domain ? answered.answer : null,
    checking: domain !== null && checking,
  };
}
