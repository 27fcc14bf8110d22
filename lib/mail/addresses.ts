import type { AddressObject, EmailAddress } from 'mailparser';

export interface MailAddress {
  name: string;
  address: string;
}

/** Flattens mailparser's address objects (including groups) into name/address pairs. */
export function flattenAddresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (!value) return [];
  const objects = Array.isArray(value) ? value : [value];
  const out: MailAddress[] = [];
  const visit = (entries: EmailAddress[]) => {
    for (const entry of entries) {
      if (entry.group) visit(entry.group);
      else if (entry.address || entry.name) out.push({ name: entry.name ?? '', address: entry.address ?? '' });
    }
  };
  for (const object of objects) visit(object.value);
  return out;
}
