/**
 * "Sign in with …" in Chromium, as a person does it: the button on the login
 * page, the provider's own sign-in and consent pages (oidc-provider on
 * 127.0.0.1, another site than the app on localhost), back to the inbox.
 * Token state changes through the provider's test hooks, never by waiting.
 */
import { expect, test } from './fixtures';
import { seriousViolations } from './support/axe';

async function providerHook(issuer: string, action: 'expire' | 'revoke', account: string): Promise<number> {
  const response = await fetch(`${issuer}/__test/${action}?account=${encodeURIComponent(account)}`, { method: 'POST' });
  expect(response.ok).toBe(true);
  const body = (await response.json()) as Record<string, number>;
  return Object.values(body)[0] ?? 0;
}

/** Refreshes the provider granted for this account (other tests' sign-ins are not counted). */
async function refreshCount(issuer: string, account: string): Promise<number> {
  return ((await (await fetch(`${issuer}/__test/stats?account=${encodeURIComponent(account)}`)).json()) as { refreshGranted: number }).refreshGranted;
}

test.describe('Sign in with a provider', () => {
  test('click the button, sign in and consent at the provider, land in the inbox; an expired token is renewed unnoticed', async ({
    page,
    context,
    state,
    inbox,
    snap,
  }) => {
    const { oauth } = state;
    const account = oauth.accounts.signIn;
    await page.goto(`${oauth.appUrl}/`);
    const button = page.getByRole('link', { name: `Sign in with ${oauth.providerLabel}` });
    await expect(button).toBeVisible();
    await snap('login-oauth-buttons');
    await button.click();

    // The provider's own pages, on the other site.
    await page.waitForURL((url) => url.origin === oauth.issuer);
    // Scoped to /api/oauth, so asked for by that path.
    const flowCookie = (await context.cookies(`${oauth.appUrl}/api/oauth/local/callback`)).find((cookie) => cookie.name === 'postern_oauth');
    expect(flowCookie?.sameSite).toBe('Lax');
    expect(flowCookie?.httpOnly).toBe(true);
    await page.locator('input[name="login"]').fill(account);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    const landing = page.waitForRequest((request) => request.url() === `${oauth.appUrl}/` && request.isNavigationRequest());
    const probe = page.waitForRequest((request) => request.url() === `${oauth.appUrl}/api/session`);
    await page.getByRole('button', { name: 'Continue' }).click();

    // Back on the app (a cross-site redirect chain), the inbox of the provider's mailbox.
    await page.waitForURL((url) => url.origin === oauth.appUrl);
    await inbox.waitForList();
    // The SameSite=Strict session cookie is not sent on the page load that ends a cross-site chain,
    // but the page's own same-origin request for the session carries it: that is what lets us in.
    expect((await (await landing).allHeaders()).cookie ?? '').not.toContain('postern_session=');
    expect((await (await probe).allHeaders()).cookie ?? '').toContain('postern_session=');
    await expect(page.getByText(`${account}@example.test`).first()).toBeVisible();
    expect(new URL(page.url()).pathname).toBe('/');
    await snap('inbox-after-oauth');
    // The tokens stayed on the server: the browser holds only the HttpOnly session id, and (this app runs
    // two workers) the number of the worker holding the session, Lax so the provider's redirect back carries it.
    const cookies = await context.cookies(`${oauth.appUrl}/api/oauth/local/callback`);
    expect(cookies.map((cookie) => cookie.name).sort()).toEqual(['postern_session', 'postern_worker']);
    expect(cookies.every((cookie) => cookie.httpOnly)).toBe(true);
    const worker = cookies.find((cookie) => cookie.name === 'postern_worker');
    expect(worker?.value).toMatch(/^[12]$/);
    expect(worker?.sameSite).toBe('Lax');
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // The access token expires; the next POP3 login (Refresh) renews it without a word to the person.
    const before = await refreshCount(oauth.issuer, account);
    expect(await providerHook(oauth.issuer, 'expire', account)).toBeGreaterThan(0);
    const refreshed = page.waitForResponse((response) => response.url().includes('/api/messages') && response.url().includes('refresh=1'));
    await inbox.refreshButton.click();
    expect((await refreshed).status()).toBe(200);
    await inbox.waitForList();
    await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveCount(0);
    expect(await refreshCount(oauth.issuer, account)).toBe(before + 1);
  });

  test('a revoked sign-in goes back to the login page: "sign in again"', async ({ page, state, inbox }) => {
    const { oauth } = state;
    const account = oauth.accounts.revoked;
    await page.goto(`${oauth.appUrl}/`);
    await page.getByRole('link', { name: `Sign in with ${oauth.providerLabel}` }).click();
    await page.locator('input[name="login"]').fill(account);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await inbox.waitForList();

    expect(await providerHook(oauth.issuer, 'revoke', account)).toBeGreaterThan(0);
    await inbox.refreshButton.click();
    await expect(page.getByRole('status').filter({ hasText: /sign in again/i })).toBeVisible();
    await expect(page.getByRole('link', { name: `Sign in with ${oauth.providerLabel}` })).toBeVisible();
  });

  test('refusing consent comes back to the login page in words', async ({ page, state, snap }) => {
    const { oauth } = state;
    await page.goto(`${oauth.appUrl}/`);
    await page.getByRole('link', { name: `Sign in with ${oauth.providerLabel}` }).click();
    await page.locator('input[name="login"]').fill(oauth.accounts.denied);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('link', { name: '[ Cancel ]' }).click();

    await page.waitForURL((url) => url.origin === oauth.appUrl);
    const alert = page.getByRole('alert').filter({ hasText: /\S/ });
    await expect(alert).toContainText(`You did not allow Postern to use your ${oauth.providerLabel} mailbox`);
    await expect(alert).toBeFocused();
    // The code is taken out of the address bar: a reload does not repeat the message.
    expect(new URL(page.url()).search).toBe('');
    await snap('login-oauth-denied');
    // The buttons and the message pass the same accessibility bar as the rest of the login page.
    expect(await seriousViolations(page)).toEqual([]);
  });
});
