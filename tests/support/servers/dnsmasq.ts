/**
 * A real DNS server for the discovery tests: Debian's dnsmasq on a loopback
 * high port, authoritative for the names it is given and for nothing else
 * (`--no-resolv`, `--local=/<zone>/`: unknown names in the zone get NXDOMAIN
 * at once, and nothing is ever forwarded). Queries are logged so tests can
 * assert exactly which names the app asked about.
 */
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { sleep } from '../sleep';
import { ensureDebianPackages, freePort, startManagedProcess, type ManagedProcess } from './common';

export const DNSMASQ = '/usr/sbin/dnsmasq';
export const DNSMASQ_INSTALL_HINT = 'dnsmasq is missing: run `node scripts/ensure-test-deps.mjs` (as root) or `apt-get install dnsmasq-base`.';

const READY_TIMEOUT_MS = 15_000;

export interface SrvRecord {
  /** e.g. `_pop3s._tcp.example.test` */
  name: string;
  /** Omitted: the "." target, "service not offered here". */
  target?: string;
  port?: number;
  priority?: number;
  weight?: number;
}

export interface DnsmasqOptions {
  /** Zones answered locally (NXDOMAIN for names not given), e.g. `test`. */
  zones: readonly string[];
  srv?: readonly SrvRecord[];
  /** name → addresses */
  hosts?: Readonly<Record<string, readonly string[]>>;
}

export interface DnsmasqServer {
  port: number;
  /** For POSTERN_DNS_SERVERS / Resolver.setServers. */
  address: string;
  /** Names queried so far (from dnsmasq's own query log), in order. */
  queries(): string[];
  stop(): Promise<void>;
}

function srvArgument(record: SrvRecord): string {
  if (record.target === undefined) return `--srv-host=${record.name}`;
  return `--srv-host=${record.name},${record.target},${record.port ?? 0},${record.priority ?? 0},${record.weight ?? 0}`;
}

export async function startDnsmasq(options: DnsmasqOptions): Promise<DnsmasqServer> {
  // Also listed in scripts/ensure-test-deps.mjs, which `npm test` runs first.
  await ensureDebianPackages('dnsmasq', ['dnsmasq-base']);
  if (!existsSync(DNSMASQ)) throw new Error(DNSMASQ_INSTALL_HINT);
  let lastOutput = '';
  // The free TCP port may be taken for UDP (or grabbed meanwhile): try a few.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const args = [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--bind-interfaces',
      '--listen-address=127.0.0.1',
      '--except-interface=nonexistent0',
      `--port=${port}`,
      '--user=root',
      '--pid-file=',
      '--log-facility=-',
      '--log-queries',
      ...options.zones.map((zone) => `--local=/${zone}/`),
      ...(options.srv ?? []).map(srvArgument),
      ...Object.entries(options.hosts ?? {}).map(([name, addresses]) => `--host-record=${[name, ...addresses].join(',')}`),
    ];
    const daemon = startManagedProcess(DNSMASQ, args);
    const ready = await waitUntilAnswering(daemon, port);
    if (ready) return running(daemon, port);
    lastOutput = daemon.output();
    await daemon.stop();
    if (!/Address already in use|failed to create listening socket/i.test(lastOutput)) break;
  }
  throw new Error(`dnsmasq did not start:\n${lastOutput}\n${DNSMASQ_INSTALL_HINT}`);
}

/** Ready is when it answers a question (any answer, NXDOMAIN included), not when some time has passed. */
async function waitUntilAnswering(daemon: ManagedProcess, port: number): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (daemon.exitStatus()) return false;
    const resolver = new Resolver({ timeout: 200, tries: 1 });
    resolver.setServers([`127.0.0.1:${port}`]);
    try {
      await resolver.resolve4('postern-readiness.invalid');
      return true;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Any DNS answer proves it is up; only silence or a refused socket mean "not yet".
      if (code !== 'ETIMEOUT' && code !== 'ECONNREFUSED') return true;
    }
    await sleep(50);
  }
  return false;
}

function running(daemon: ManagedProcess, port: number): DnsmasqServer {
  return {
    port,
    address: `127.0.0.1:${port}`,
    queries: () =>
      [...daemon.output().matchAll(/query\[[A-Z0-9]+\] (\S+) from/g)]
        .map((match) => match[1]!)
        .filter((name) => name !== 'postern-readiness.invalid'),
    stop: () => daemon.stop(),
  };
}
