import { canonicalAddress } from './host-policy';

/**
 * The key a client is throttled under. An IPv4 address is one client; an IPv6 client is usually given a
 * whole /64 (a home, a phone, a virtual machine) and can pick any address in it, so counting per address
 * would give it 2^64 fresh quotas: IPv6 counts per /64. IPv4-mapped IPv6 is its IPv4 address. Anything
 * that is not an address (a peer Node could not name) is its own key.
 */
export function throttleKey(address: string): string {
  const canonical = canonicalAddress(address);
  if (!canonical) return address;
  if (canonical.family === 'ipv4') return canonical.address;
  return `${ipv6Groups(canonical.address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (an IPv4 tail read as its two groups), lower case, no leading zeros. */
function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.split('::');
  const part = (text: string) => (text === '' ? [] : text.split(':').flatMap(groupsOf));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right];
}

function groupsOf(piece: string): string[] {
  if (!piece.includes('.')) return [parseInt(piece, 16).toString(16)];
  const [a = 0, b = 0, c = 0, d = 0] = piece.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}
