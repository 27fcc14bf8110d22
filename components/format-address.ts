import type { Address } from './api-client';

/** "Ada Lovelace" when there is a name, the bare address otherwise. */
export function displayName(address: Address | null | undefined): string {
  if (!address) return '(unknown sender)';
  return address.name.trim() || address.address || '(unknown sender)';
}

/** "Ada Lovelace <ada@example.org>" for header panels. */
export function fullAddress(address: Address): string {
  const name = address.name.trim();
  if (name && address.address) return `${name} <${address.address}>`;
  return name || address.address;
}

export function addressList(addresses: Address[] | null | undefined): string {
  if (!addresses || addresses.length === 0) return '';
  return addresses.map(fullAddress).join(', ');
}
