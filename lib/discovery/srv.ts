import { Resolver } from 'node:dns/promises';
import type { DiscoveredSecurity, Pop3Settings } from './providers';

/**
 * RFC 6186 SRV records for POP3: `_pop3s._tcp.DOMAIN` (implicit TLS) and
 * `_pop3._tcp.DOMAIN` (STARTTLS: RFC 8314 has a client upgrade that service,
 * never use it in the clear), ordered as RFC 2782 says.
 */

export interface SrvAnswer {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface SrvCandidate extends Pop3Settings {
  priority: number;
  weight: number;
}

export type SrvResult =
  /** Lookups answered and named a server. */
  | { kind: 'found'; settings: Pop3Settings }
  /** A record with target "." (RFC 2782: "decidedly not available") and nothing else usable. */
  | { kind: 'not-offered' }
  /** No records (or no answer in time). */
  | { kind: 'none' };

export const POP3_SERVICES: ReadonlyArray<{ label: string; security: DiscoveredSecurity }> = [
  { label: '_pop3s._tcp', security: 'tls' },
  { label: '_pop3._tcp', security: 'starttls' },
];

/**
 * Orders candidates: lowest priority first (RFC 6186 §3.4 has the priority
 * compared across both services), implicit TLS before STARTTLS at equal
 * priority (RFC 8314 prefers it), and within one priority and service the
 * weighted random order of RFC 2782 (weight 0 entries first in the draw, so
 * they are picked rarely but can be). `random` returns [0, 1) and is a
 * parameter so tests can pin the draw.
 */
export function orderCandidates(candidates: readonly SrvCandidate[], random: () => number = Math.random): SrvCandidate[] {
  const groups = new Map<string, SrvCandidate[]>();
  for (const candidate of candidates) {
    const key = `${candidate.priority}:${candidate.security}`;
    groups.set(key, [...(groups.get(key) ?? []), candidate]);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const [pa = '', sa = ''] = a.split(':');
    const [pb = '', sb = ''] = b.split(':');
    return Number(pa) - Number(pb) || (sa === sb ? 0 : sa === 'tls' ? -1 : 1);
  });
  return keys.flatMap((key) => weightedOrder(groups.get(key) ?? [], random));
}

function weightedOrder(group: readonly SrvCandidate[], random: () => number): SrvCandidate[] {
  const pool = [...group].sort((a, b) => a.weight - b.weight);
  const ordered: SrvCandidate[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, candidate) => sum + candidate.weight, 0);
    let index = 0;
    if (total > 0) {
      const pick = Math.floor(random() * (total + 1));
      let running = 0;
      index = pool.findIndex((candidate) => (running += candidate.weight) >= pick);
      if (index < 0) index = pool.length - 1;
    }
    ordered.push(...pool.splice(index, 1));
  }
  return ordered;
}

/** The answers of both services turned into one choice. */
export function selectSrv(
  answers: ReadonlyArray<{ security: DiscoveredSecurity; records: readonly SrvAnswer[] }>,
  random: () => number = Math.random,
): SrvResult {
  let notOffered = false;
  const candidates: SrvCandidate[] = [];
  for (const { security, records } of answers) {
    for (const record of records) {
      const host = record.name.replace(/\.$/, '').toLowerCase();
      // "." alone means the service is not offered here; a port of 0 is no service either.
      if (host === '' || record.port === 0) {
        notOffered = true;
        continue;
      }
      candidates.push({ host, port: record.port, security, priority: record.priority, weight: record.weight });
    }
  }
  const [first] = orderCandidates(candidates, random);
  if (first) return { kind: 'found', settings: { host: first.host, port: first.port, security: first.security } };
  return notOffered ? { kind: 'not-offered' } : { kind: 'none' };
}

export interface DnsOptions {
  /** `ip` or `ip:port` (`[v6]:port`); empty: the system's resolvers. */
  servers: readonly string[];
  /** One budget for every query of one discovery. */
  timeoutMs: number;
}

/**
 * One resolver per discovery, so `cancel()` ends exactly its own queries when
 * the budget is spent. Only DNS questions are asked; nothing is connected to.
 */
export function makeResolver(options: DnsOptions): Resolver {
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(options.timeoutMs / 2)), tries: 2 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  return resolver;
}

const NO_DATA = new Set(['ENODATA', 'ENOTFOUND', 'ESERVFAIL', 'EREFUSED', 'ETIMEOUT', 'ECANCELLED', 'ECONNREFUSED', 'EBADRESP', 'EFORMERR']);

function isNoData(error: unknown): boolean {
  return typeof error === 'object' && error !== null && NO_DATA.has(String((error as { code?: unknown }).code));
}

/** Asks for both SRV names at once; a failed or silent lookup counts as "no records". */
export async function lookupPop3Srv(domain: string, resolver: Resolver): Promise<SrvResult> {
  const answers = await Promise.all(
    POP3_SERVICES.map(async ({ label, security }) => {
      try {
        return { security, records: await resolver.resolveSrv(`${label}.${domain}`) };
      } catch (error) {
        if (isNoData(error)) return { security, records: [] };
        throw error;
      }
    }),
  );
  return selectSrv(answers);
}

/** The addresses of a host, through the same resolver (A and AAAA; none when neither answers). */
export async function resolveAddresses(host: string, resolver: Resolver): Promise<string[]> {
  const [v4, v6] = await Promise.all([
    resolver.resolve4(host).catch((error: unknown) => (isNoData(error) ? [] : Promise.reject(error))),
    resolver.resolve6(host).catch((error: unknown) => (isNoData(error) ? [] : Promise.reject(error))),
  ]);
  return [...v4, ...v6];
}
