import type { MailSession } from '../mail/mail-session';
import type { ServerPanel, SessionInfo } from '../contract/session';

/** The session as the browser sees it: never the password, never message numbers as identity. */
export function sessionView(session: MailSession): SessionInfo {
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

/** `GET /api/session/server`: what the server offers, the policies that matter to a person, and the redacted transcript. */
export function serverPanel(session: MailSession): ServerPanel {
  const names = new Set(session.capabilities.map((capability) => capability.split(' ')[0]!.toUpperCase()));
  return {
    capabilities: session.capabilities,
    policies: {
      expireDays: session.policies.expireDays,
      loginDelaySeconds: session.policies.loginDelaySeconds,
      pipelining: names.has('PIPELINING'),
      top: names.has('TOP') && !session.lacksTop,
      uidl: names.has('UIDL'),
    },
    transcript: session.transcript.entries().map((line) => ({ at: new Date(line.at).toISOString(), direction: line.direction, text: line.text })),
  };
}
