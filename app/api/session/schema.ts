/** The login body lives in the one contract module (lib/contract/session.ts). */
export { loginBodySchema as loginBody, type LoginBody } from '@/lib/contract/session';
