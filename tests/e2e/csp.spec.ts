import { expect, test } from './fixtures';
import { USERS } from './support/users';

// The page's scripts run under a nonce-only script policy (proxy.ts): nothing the app needs may be refused.
test('the app runs under its nonce-based Content-Security-Policy without a single violation', async ({ state, loginPage, inbox, page }) => {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (execute|load)/i.test(message.text())) violations.push(message.text());
  });
  const response = await page.goto(state.appUrl);
  const policy = (await response?.headerValue('content-security-policy')) ?? '';
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
  await loginPage.logIn({ host: 'localhost', security: 'tls', port: state.dovecot.tlsPort, username: USERS.login, password: state.password });
  await inbox.waitForList();
  await expect(inbox.stats).toContainText(/\d+ messages/);
  expect(violations).toEqual([]);
  // A script without the nonce, as an injection would add it, is refused by the policy.
  const ran = await page.evaluate(async () => {
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="data:," onerror="window.__injected = true">';
    document.body.append(holder);
    await new Promise((resolve) => setTimeout(resolve, 0));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => violations.some((text) => /script-src/.test(text))).toBe(true);
});
