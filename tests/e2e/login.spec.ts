import { expect, test } from './fixtures';
import { USERS } from './support/users';

test.describe('logging in', () => {
  test('with TLS on the implicit-TLS port', async ({ state, loginPage, inbox, snap }) => {
    await loginPage.goto(state.appUrl);
    await snap('login');
    await loginPage.logIn({ host: 'localhost', security: 'tls', port: state.dovecot.tlsPort, username: USERS.login, password: state.password });
    await inbox.waitForList();
    await expect(inbox.stats).toContainText(/\d+ messages/);
    await expect(inbox.page.getByText(`${USERS.login}`, { exact: false }).first()).toBeVisible();
  });

  test('with STARTTLS on the plain port', async ({ state, loginPage, inbox }) => {
    await loginPage.goto(state.appUrl);
    await loginPage.logIn({ host: 'localhost', security: 'starttls', port: state.dovecot.port, username: USERS.login, password: state.password });
    await inbox.waitForList();
    await expect(inbox.stats).not.toContainText('unencrypted');
  });

  test('plain only after accepting the warning', async ({ state, loginPage, inbox, snap }) => {
    await loginPage.goto(state.appUrl);
    await loginPage.fill({ host: '127.0.0.1', security: 'none', port: state.dovecot.port, username: USERS.login, password: state.password });
    await expect(loginPage.page.getByText('Without encryption, your password and your mail travel in the clear')).toBeVisible();
    await loginPage.submit.click();
    await expect(loginPage.fieldError('allowInsecure')).toContainText('Tick this box');
    await snap('login-plain-warning');
    await loginPage.allowInsecure.check();
    await loginPage.submit.click();
    await inbox.waitForList();
    await expect(inbox.stats).toContainText('unencrypted connection');
  });

  test('a wrong password is reported next to the password field', async ({ state, loginPage }) => {
    await loginPage.goto(state.appUrl);
    await loginPage.logIn({ host: 'localhost', security: 'tls', port: state.dovecot.tlsPort, username: USERS.login, password: 'not-the-password' });
    await expect(loginPage.fieldError('password')).toHaveText(/The server refused the user name or password\./, { timeout: 40_000 });
    await expect(loginPage.password).toHaveAttribute('aria-invalid', 'true');
    await expect(loginPage.password).toBeFocused();
  });

  test('a blocked host is refused before any connection, next to the host field', async ({ state, loginPage, snap }) => {
    await loginPage.goto(state.appUrl);
    // A port the policy allows (1024-65535 here), so it is the host that is refused.
    await loginPage.logIn({ host: '10.0.0.1', security: 'tls', port: 1995, username: 'someone', password: 'whatever' });
    await expect(loginPage.fieldError('host')).toHaveText(/^⚠?This server is not allowed here\.$/);
    await expect(loginPage.host).toHaveAttribute('aria-invalid', 'true');
    await snap('login-error-host');
  });

  test('a refused port is named with the ports allowed, next to the port field, not blamed on the server', async ({ state, loginPage }) => {
    await loginPage.goto(state.appUrl);
    await loginPage.logIn({ host: 'localhost', security: 'tls', port: 995, username: 'someone', password: 'whatever' });
    await expect(loginPage.fieldError('port')).toHaveText(/^⚠?Port 995 is not allowed here; allowed: 1024–65535\.$/);
    await expect(loginPage.port).toHaveAttribute('aria-invalid', 'true');
    await expect(loginPage.host).not.toHaveAttribute('aria-invalid', 'true');
  });

  test('auto mode tries TLS on 995, then STARTTLS on 110, and reports what stopped it', async ({ state, loginPage }) => {
    const attempts: Array<{ security: string; port: number }> = [];
    loginPage.page.on('request', (request) => {
      if (request.url().endsWith('/api/session') && request.method() === 'POST') {
        const body = request.postDataJSON() as { security: string; port: number };
        attempts.push({ security: body.security, port: body.port });
      }
    });
    await loginPage.goto(state.appUrl);
    await expect(loginPage.security).toHaveValue('auto');
    await expect(loginPage.port).toHaveCount(0);
    // Ports 995 and 110 are outside POP3_ALLOWED_PORTS here, so each attempt is refused at once.
    await loginPage.logIn({ host: '127.0.0.1', username: USERS.login, password: state.password });
    // Auto has no port field: the sentence says which ports it tried and what to do.
    await expect(loginPage.fieldError('host')).toHaveText(/^⚠?Auto tries ports 995 and 110, which are not allowed here\. Choose a security setting and enter the port\.$/);
    expect(attempts).toEqual([
      { security: 'tls', port: 995 },
      { security: 'starttls', port: 110 },
    ]);
  });
});

test.describe('with the server pinned by POP3_SERVER', () => {
  test('only user name and password are asked for', async ({ state, loginPage, inbox, snap }) => {
    await loginPage.page.goto(`${state.pinnedAppUrl}/`);
    await expect(loginPage.page.getByText(/Server: localhost port \d+, TLS/)).toBeVisible();
    await expect(loginPage.host).toHaveCount(0);
    await expect(loginPage.security).toHaveCount(0);
    await snap('login-pinned');
    await loginPage.logIn({ username: USERS.login, password: state.password });
    await inbox.waitForList();
  });
});
