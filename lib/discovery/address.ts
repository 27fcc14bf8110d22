import net from 'node:net';
import { domainToASCII } from 'node:url';
import { parseLooseIPv4 } from '../security/host-policy';

/**
 * The mail domain of an address, in the form DNS is asked about: lower case,
 * IDNA (punycode) ASCII, no trailing dot. Undefined for anything that is not
 * a plain DNS name: address literals (`name@[10.0.0.1]`), bare IP addresses,
 * single labels (`name@localhost`), or names with characters DNS does not
 * carry. Discovery then has nothing to look up, and says nothing.
 */
export function mailDomain(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return undefined;
  const raw = address.slice(at + 1).trim().replace(/\.$/, '');
  if (raw.startsWith('[') || net.isIP(raw) || parseLooseIPv4(raw)) return undefined;
  const ascii = domainToASCII(raw);
  if (!ascii || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2) return undefined;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  if (!labels.every((part) => label.test(part))) return undefined;
  // A numeric top-level label is never a domain (and resolvers may read the name as an address).
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return undefined;
  return ascii;
}
