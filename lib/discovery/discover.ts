import { canonicalAddress, checkServer, portAllowed, type HostPolicy } from '../security/host-policy';
import { AppError } from '../errors';
import { mailDomain } from './address';
import { lookupProvider, type DiscoveredSecurity } from './providers';
import { lookupPop3Srv, makeResolver, resolveAddresses, type DnsOptions } from './srv';

/** What `GET /api/discover` answers (docs/API.md). */
export interface Discovery {
  found: {
    host: string;
    port: number;
    security: DiscoveredSecurity;
    source: 'table' | 'srv';
    provider?: string;
    note?: string;
  } | null;
  /** A plain sentence where the provider (or the domain's DNS) says there is no POP3. */
  noPop3?: string;
  /** A server was found but this deployment would refuse it: said in words instead of offered. */
  refused?: string;
}

export interface DiscoverDeps {
  policy: HostPolicy;
  dns: DnsOptions;
}

const REFUSED = 'A POP3 server is named for this address, but this deployment does not allow connecting to it.';

/**
 * Settings for an address: the shipped table first (no network at all), then
 * the domain's SRV records. Only DNS questions are asked — the two SRV names
 * and, to apply the host policy, the found host's A/AAAA records — and never
 * a connection. A refused server is not named (host or port) in the answer,
 * like the login's refusal, so the route tells nothing about internal hosts
 * beyond "refused".
 */
export async function discover(address: string, deps: DiscoverDeps): Promise<Discovery> {
  const domain = mailDomain(address);
  if (!domain) return { found: null };

  const entry = lookupProvider(domain);
  if (entry) {
    if (!entry.pop3) return { found: null, noPop3: entry.noPop3 ?? `${entry.name} offers no POP3.` };
    // Providers' public hosts: only the port is checked here (resolving them would cost a lookup per
    // keystroke pause); the login resolves the host and checks every address as for any typed server.
    if (!portAllowed(deps.policy, entry.pop3.port)) return { found: null, refused: REFUSED };
    return {
      found: { ...entry.pop3, source: 'table', provider: entry.name, ...(entry.note ? { note: entry.note } : {}) },
    };
  }

  const resolver = makeResolver(deps.dns);
  const timer = setTimeout(() => resolver.cancel(), deps.dns.timeoutMs);
  try {
    const srv = await lookupPop3Srv(domain, resolver);
    if (srv.kind === 'none') return { found: null };
    if (srv.kind === 'not-offered') return { found: null, noPop3: `The DNS records of ${domain} say it offers no POP3 service.` };
    const { host, port, security } = srv.settings;
    const verdict = await policyVerdict(deps.policy, host, port, (name) => resolveAddresses(name, resolver));
    if (verdict === 'refused') return { found: null, refused: REFUSED };
    // A target without addresses (or none in time) is nothing to offer.
    if (verdict === 'unresolved') return { found: null };
    return { found: { host, port, security, source: 'srv' } };
  } catch {
    // A lookup that fails in an unexpected way is "nothing found": the person can still type the server.
    return { found: null };
  } finally {
    clearTimeout(timer);
  }
}

/** The same check as at login (lib/security/host-policy.ts), with the answer kept apart from the reason. */
async function policyVerdict(
  policy: HostPolicy,
  host: string,
  port: number,
  resolve: (host: string) => Promise<string[]>,
): Promise<'allowed' | 'refused' | 'unresolved'> {
  // SRV targets are DNS names; anything else in one is not something to put in a form.
  if (canonicalAddress(host) === undefined && !/^[a-z0-9.-]+$/.test(host)) return 'unresolved';
  try {
    await checkServer(policy, host, port, resolve);
    return 'allowed';
  } catch (error) {
    return error instanceof AppError && error.code === 'HOST_NOT_ALLOWED' ? 'refused' : 'unresolved';
  }
}
