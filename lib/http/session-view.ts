import type { MailSession } from '../mail/mail-session';

/** The session as the browser sees it: never the password, never message numbers as identity. */
export function sessionView(session: MailSession) {
  return {
    host: session.target.host,
    port: session.target.port,
    security: session.target.security,
    username: session.username,
    mechanism: session.mechanism ?? null,
    capabilities: session.capabilities,
    count: session.count,
    size: session.size,
    pendingDeletion: [...session.pending],
    /** RFC 2449 EXPIRE and LOGIN-DELAY as the server stated them: `expireDays` null means never, or not said. */
    policies: { expireDays: session.policies.expireDays, loginDelaySeconds: session.policies.loginDelaySeconds },
  };
}
