/**
 * The mail layer (`MailSession`) against the scriptable fake server, as the
 * app drives it: a fake maildrop per test, one login, every server closed after.
 */
import { MailSession, type SessionDeps } from '../../lib/mail/mail-session';
import { mailbox, startFakePop3, type FakePop3Server, type MailboxOptions } from './fake-pop3-server';

export const FAKE_USER = 'alice';
export const FAKE_PASSWORD = 'correct horse';

export class FakeMaildrops {
  private readonly servers: FakePop3Server[] = [];

  async start(options: MailboxOptions): Promise<FakePop3Server> {
    const server = await startFakePop3(mailbox({ user: FAKE_USER, password: FAKE_PASSWORD, ...options }));
    this.servers.push(server);
    return server;
  }

  open(server: FakePop3Server, deps: SessionDeps = {}): Promise<MailSession> {
    return MailSession.open(
      'fake-session-token',
      { host: '127.0.0.1', port: server.port, security: 'none', address: '127.0.0.1' },
      { kind: 'password', username: FAKE_USER, password: FAKE_PASSWORD, mechanism: 'auto', allowInsecure: true },
      deps,
    );
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.servers.map((server) => server.close()));
  }
}
