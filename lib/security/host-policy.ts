import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { AppError } from '../errors';

/**
 * Which mail servers this deployment may connect to. The check applies to the
 * resolved addresses actually connected to, so a name that resolves to
 * 127.0.0.1 is loopback, and every spelling of an address is normalised
 * first. One refusal message whatever rule matched: the app must not become
 * a port scanner that tells private hosts apart.
 */

const NON_PUBLIC_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
  '192.0.0.0/24', '192.0.2.0/24', '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
  '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
];
// ::ffff:0:0:0/96 is RFC 2765's IPv4-translated form (SIIT): a translator on the path turns it into the IPv4 address.
const NON_PUBLIC_V6 = [
  '::/96', '::1/128', '::ffff:0:0/96', '::ffff:0:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '2001::/23',
  '2001:db8::/32', '2002::/16', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
];

/**
 * One list per family: Node's BlockList matches an IPv4 address against
 * IPv6 rules through its IPv4-mapped form, so a single mixed list holding
 * ::ffff:0:0/96 would refuse every IPv4 address. Mapped addresses are turned
 * into IPv4 by `canonicalAddress` before any check.
 */
interface FamilyLists {
  ipv4: net.BlockList;
  ipv6: net.BlockList;
}

function buildLists(v4: string[], v6: string[]): FamilyLists {
  const lists = { ipv4: new net.BlockList(), ipv6: new net.BlockList() };
  for (const cidr of v4) addCidr(lists.ipv4, cidr, 'ipv4');
  for (const cidr of v6) addCidr(lists.ipv6, cidr, 'ipv6');
  return lists;
}

function addCidr(list: net.BlockList, cidr: string, type: 'ipv4' | 'ipv6'): void {
  const [address = '', bits = ''] = cidr.split('/');
  list.addSubnet(address, Number(bits), type);
}

function inLists(lists: FamilyLists, canonical: { address: string; family: 'ipv4' | 'ipv6' }): boolean {
  return lists[canonical.family].check(canonical.address, canonical.family);
}

const nonPublic = buildLists(NON_PUBLIC_V4, NON_PUBLIC_V6.filter((cidr) => cidr !== '::ffff:0:0/96'));

/**
 * Parses IPv4 the way inet_aton does (what resolvers accept): 1 to 4 parts,
 * each decimal, octal (leading 0) or hex (0x). `2130706433`, `0x7f.1` and
 * `017700000001` are all 127.0.0.1.
 */
export function parseLooseIPv4(text: string): string | undefined {
  if (!/^[0-9a-fA-Fx.]+$/.test(text)) return undefined;
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/i.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]*$/.test(part)) value = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) value = parseInt(part, 10);
    else return undefined;
    if (!Number.isFinite(value)) return undefined;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  let number = last;
  values.forEach((v, i) => (number += v * 2 ** (8 * (3 - i))));
  return [24, 16, 8, 0].map((shift) => Math.floor(number / 2 ** shift) % 256).join('.');
}

/** One canonical form of an address: IPv4 dotted quad (also out of IPv4-mapped IPv6), or IPv6. */
export function canonicalAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (net.isIPv4(bare)) return { address: bare, family: 'ipv4' };
  if (net.isIPv6(bare)) {
    const mapped = ipv4FromMapped(bare);
    return mapped ? { address: mapped, family: 'ipv4' } : { address: bare.toLowerCase(), family: 'ipv6' };
  }
  const loose = parseLooseIPv4(bare);
  return loose ? { address: loose, family: 'ipv4' } : undefined;
}

function ipv4FromMapped(v6: string): string | undefined {
  const list = new net.BlockList();
  list.addSubnet('::ffff:0:0', 96, 'ipv6');
  if (!list.check(v6, 'ipv6')) return undefined;
  const dotted = /([0-9.]+)$/.exec(v6);
  if (dotted?.[1] && net.isIPv4(dotted[1])) return dotted[1];
  const groups = /:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(v6);
  if (!groups?.[1] || !groups[2]) return undefined;
  const high = parseInt(groups[1], 16);
  const low = parseInt(groups[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isPublicAddress(address: string): boolean {
  const canonical = canonicalAddress(address);
  if (!canonical) return false;
  return !inLists(nonPublic, canonical);
}

export interface HostPolicy {
  allowedNames: Set<string>;
  allowedNets: FamilyLists;
  ports: Array<[number, number]>;
}

/** Labels of letters, digits, hyphens (and the underscores some private zones use), dot-separated; a final dot allowed. */
const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export function parseHostPolicy(allowedHosts: string, allowedPorts: string): HostPolicy {
  const allowedNames = new Set<string>();
  const allowedNets = buildLists([], []);
  for (const raw of allowedHosts.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [base = '', bits] = raw.split('/');
    const canonical = canonicalAddress(base);
    if (canonical) {
      const max = canonical.family === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`POP3_ALLOWED_HOSTS: "${raw}" has a bad prefix length (0 to ${max})`);
      allowedNets[canonical.family].addSubnet(canonical.address, prefix, canonical.family);
    } else if (HOST_NAME.test(raw)) {
      allowedNames.add(raw.toLowerCase().replace(/\.$/, ''));
    } else {
      throw new Error(`POP3_ALLOWED_HOSTS: "${raw}" is not a host name, an IP address or a CIDR range`);
    }
  }
  const ports: Array<[number, number]> = [];
  for (const raw of allowedPorts.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(raw);
    if (!match?.[1]) throw new Error(`POP3_ALLOWED_PORTS: "${raw}" is not a port or a range of ports (like 110 or 1024-65535)`);
    const low = Number(match[1]);
    const high = Number(match[2] ?? match[1]);
    if (low < 1 || high > 65535 || low > high) throw new Error(`POP3_ALLOWED_PORTS: "${raw}" is not within 1-65535, low to high`);
    ports.push([low, high]);
  }
  return { allowedNames, allowedNets, ports };
}

const REFUSED = 'This server is not allowed here.';

/** The allowed ports in words ("110, 995, 1024–65535"): the deployment's configuration, no secret. */
export function describePorts(policy: HostPolicy): string {
  return policy.ports.map(([low, high]) => (low === high ? String(low) : `${low}–${high}`)).join(', ');
}

/**
 * A refused port can be named with the allowed list: it is decided from configuration alone,
 * before any look-up or connection, so it tells nothing about the network behind the app.
 */
function portRefused(policy: HostPolicy, port: number): AppError {
  const allowed = describePorts(policy);
  const message = allowed ? `Port ${port} is not allowed here; allowed: ${allowed}.` : `Port ${port} is not allowed here.`;
  return new AppError('HOST_NOT_ALLOWED', message, { hint: 'change-port' });
}

export function portAllowed(policy: HostPolicy, port: number): boolean {
  return policy.ports.some(([low, high]) => port >= low && port <= high);
}

function addressAllowed(policy: HostPolicy, host: string, address: string): boolean {
  const canonical = canonicalAddress(address);
  if (!canonical) return false;
  if (!inLists(nonPublic, canonical)) return true;
  if (policy.allowedNames.has(host.toLowerCase().replace(/\.$/, ''))) return true;
  return inLists(policy.allowedNets, canonical);
}

export type Resolver = (host: string) => Promise<string[]>;

const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((r) => r.address);

/**
 * Resolves once, checks every address, and returns the one to connect to, so
 * DNS cannot change the answer between the check and the connection.
 */
export async function checkServer(
  policy: HostPolicy,
  host: string,
  port: number,
  resolve: Resolver = systemResolver,
): Promise<string> {
  if (!portAllowed(policy, port)) throw portRefused(policy, port);
  const literal = canonicalAddress(host);
  let addresses: string[];
  if (literal) {
    addresses = [literal.address];
  } else {
    try {
      addresses = await resolve(host);
    } catch (cause) {
      throw new AppError('CONNECT_FAILED', `The server name "${host}" could not be found.`, { cause });
    }
  }
  if (addresses.length === 0) throw new AppError('CONNECT_FAILED', `The server name "${host}" could not be found.`);
  for (const address of addresses) {
    if (!addressAllowed(policy, host, address)) throw new AppError('HOST_NOT_ALLOWED', REFUSED);
  }
  return canonicalAddress(addresses[0]!)!.address;
}
