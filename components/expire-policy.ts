import type { SessionInfo } from './api-client';

/**
 * The server's RFC 2449 EXPIRE policy as the session JSON reports it
 * (`policies.expireDays`). Read defensively: the field is absent from servers
 * of this API that predate it, and anything that is not a whole number of
 * days (null = "NEVER" or not said) means there is nothing to warn about.
 */
export function expireDays(session: Pick<SessionInfo, 'policies'>): number | null {
  const policies: unknown = session.policies;
  if (typeof policies !== 'object' || policies === null) return null;
  const days = (policies as { expireDays?: unknown }).expireDays;
  return typeof days === 'number' && Number.isInteger(days) && days >= 0 ? days : null;
}

/** The policy in words, for the notice before the first download and for the confirmation. */
export function expireSentence(days: number): string {
  if (days === 0) return 'This server removes messages from POP3 as soon as they are downloaded (EXPIRE 0).';
  return `This server removes messages from POP3 within ${days} day${days === 1 ? '' : 's'} after they are downloaded (EXPIRE ${days}).`;
}
