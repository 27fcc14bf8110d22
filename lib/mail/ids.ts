import { createHash } from 'node:crypto';

/**
 * Public message ids. From a trustworthy UIDL: `u` + base64url(uid), so the
 * same message has the same id in every session. Where the server has no
 * UIDL, or its UIDs are malformed or repeated: `c` + a hash of the message's
 * size and header bytes, with `.2`, `.3`… for exact duplicates in maildrop
 * order, so two ids never name the same message and a delete cannot hit the wrong one.
 */
export function idFromUid(uid: string): string {
  return `u${Buffer.from(uid, 'latin1').toString('base64url')}`;
}

export function contentId(size: number, headers: Buffer): string {
  const hash = createHash('sha256').update(String(size)).update('\0').update(headers).digest('base64url');
  return `c${hash.slice(0, 22)}`;
}

export function withOccurrence(id: string, occurrence: number): string {
  return occurrence <= 1 ? id : `${id}.${occurrence}`;
}

export const MESSAGE_ID_PATTERN = /^[uc][A-Za-z0-9_-]{1,200}(\.[0-9]{1,6})?$/;
