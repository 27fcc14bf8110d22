/** The query lives in the one contract module (lib/contract/session.ts). */
export { discoverQuerySchema as discoverQuery } from '@/lib/contract/session';
