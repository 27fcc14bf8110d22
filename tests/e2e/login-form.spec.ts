import { expect, test } from './fixtures';
import { axeViolations, WIDTHS } from './support/axe-scan';
import { USERS } from './support/users';

/** The login form of issue 11: remembered settings (never the password), and a login that can be cancelled. */
for (const width of WIDTHS) {
  test.describe(`login form at ${width.label} width`, () => {
    test.use(width.use);

    test('server, security, port and user name are remembered after a login that worked; the password never is', async ({ page, state, loginPage, inbox }) => {
      await loginPage.goto(state.appUrl);
      await loginPage.logIn({ host: 'localhost', security: 'tls', port: state.dovecot.tlsPort, username: USERS.login, password: state.password });
      await inbox.waitForList();
      const stored = await page.evaluate(() => JSON.stringify(window.localStorage));
      expect(stored).toContain(USERS.login);
      expect(stored).not.toContain(state.password);
      expect(JSON.parse(await page.evaluate(() => window.localStorage.getItem('postern.login') ?? 'null'))).toEqual({
        host: 'localhost',
        security: 'tls',
        port: String(state.dovecot.tlsPort),
        username: USERS.login,
      });

      // A new visit without the session: the form is filled in but for the password, which has the focus.
      await page.context().clearCookies();
      await loginPage.goto(state.appUrl);
      await expect(loginPage.host).toHaveValue('localhost');
      await expect(loginPage.security).toHaveValue('tls');
      await expect(loginPage.port).toHaveValue(String(state.dovecot.tlsPort));
      await expect(loginPage.username).toHaveValue(USERS.login);
      await expect(loginPage.password).toHaveValue('');
      await expect(loginPage.password).toBeFocused();
      expect(await axeViolations(page)).toEqual([]);

      // Forgetting empties the fields and the browser's copy.
      await page.getByRole('button', { name: 'Forget them' }).click();
      await expect(loginPage.host).toHaveValue('');
      await expect(loginPage.username).toHaveValue('');
      expect(await page.evaluate(() => window.localStorage.getItem('postern.login'))).toBeNull();
    });

    test('a login that hangs (plain POP3 on the TLS port) can be cancelled: back to the form at once', async ({ page, state, loginPage, snap }) => {
      await loginPage.goto(state.appUrl);
      // STARTTLS on the implicit-TLS port: the app waits for a greeting the server never sends in clear.
      await loginPage.logIn({ host: 'localhost', security: 'starttls', port: state.dovecot.tlsPort, username: USERS.login, password: state.password });
      const cancel = page.getByRole('button', { name: 'Cancel' });
      await expect(cancel).toBeVisible();
      await expect(page.getByRole('button', { name: /^Trying STARTTLS on port \d+…$/ })).toBeDisabled();
      await snap(`login-cancel-${width.label}`);
      await cancel.click();
      // Well before the login's own deadline (20 s): the form is back, with a word on what happened.
      await expect(loginPage.submit).toBeEnabled({ timeout: 10_000 });
      await expect(page.getByText('Login cancelled. Change the settings and try again.')).toBeVisible();
      await expect(cancel).toHaveCount(0);
      await expect(loginPage.formError).toHaveCount(0);
      // No session was left for this browser.
      expect((await page.request.get(`${state.appUrl}/api/session`)).status()).toBe(401);
      // And the next try works.
      await loginPage.security.selectOption('tls');
      await loginPage.password.fill(state.password);
      await loginPage.submit.click();
      await expect(page.getByRole('heading', { name: 'Inbox' })).toBeAttached();
    });

    test('an empty form flags every missing field at once; each error goes as soon as its field is fixed', async ({ page, state, loginPage, snap }) => {
      await loginPage.goto(state.appUrl);
      await loginPage.submit.click();
      await expect(loginPage.fieldError('host')).toHaveText(/Enter the address of your mail server/);
      await expect(loginPage.fieldError('username')).toHaveText(/Enter your user name\./);
      await expect(loginPage.fieldError('password')).toHaveText(/Enter your password\./);
      await expect(loginPage.host).toBeFocused();
      await expect(loginPage.username).toHaveAttribute('aria-invalid', 'true');
      await snap(`login-all-missing-${width.label}`);

      // Typing into a field clears its sentence at once; the others stay until fixed.
      await loginPage.host.fill('localhost');
      await expect(loginPage.fieldError('host')).toHaveCount(0);
      await expect(loginPage.host).not.toHaveAttribute('aria-invalid', 'true');
      await expect(loginPage.fieldError('username')).toBeVisible();
      await loginPage.username.fill(USERS.login);
      await expect(loginPage.fieldError('username')).toHaveCount(0);
      await expect(loginPage.fieldError('password')).toBeVisible();
      await loginPage.submit.click();
      // What is still missing is flagged, and focused.
      await expect(loginPage.password).toBeFocused();
      await expect(loginPage.fieldError('password')).toBeVisible();
      await expect(loginPage.fieldError('host')).toHaveCount(0);
    });

    test('the security choice names no port; the Port field and its hint say which one', async ({ state, loginPage }) => {
      await loginPage.goto(state.appUrl);
      await loginPage.security.selectOption('tls');
      await expect(loginPage.security.locator('option:checked')).toHaveText('TLS');
      await expect(loginPage.port).toHaveAttribute('placeholder', '995');
      await expect(loginPage.page.locator('#security-hint')).toHaveText('Your password travels encrypted. The usual port is 995.');
      await loginPage.port.fill(String(state.dovecot.tlsPort));
      // No option claims a port the field beside it may contradict.
      await expect(loginPage.security.locator('option')).toHaveText(['Auto (TLS, then STARTTLS)', 'TLS', 'STARTTLS', 'None: plain, unencrypted']);
      await loginPage.security.selectOption('starttls');
      await expect(loginPage.security.locator('option:checked')).toHaveText('STARTTLS');
      await expect(loginPage.page.locator('#security-hint')).toHaveText('Your password travels encrypted. The usual port is 110.');
    });
  });
}
