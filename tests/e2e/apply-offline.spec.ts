import { expect, test } from './fixtures';
import { SAMPLE, sampleMessage } from './support/sample';
import { USERS } from './support/users';

/**
 * Apply (`QUIT`, log in again) on a server that refuses the new login for a while (an enforced
 * LOGIN-DELAY). The deletion is real — Dovecot removes the message on QUIT — but Dovecot cannot
 * enforce a login delay, so the refusal of the second login is staged by rewriting the commit
 * answer into the one the session gives then (`reconnected: false, retryAfter`; the session side is
 * tested against the fake server in tests/unit/mail/mail-session-login.test.ts). What is checked
 * here is the page: the deleted row goes, the rest stays, and the list is not asked for again.
 */
test('Apply whose new login is refused keeps the list it knows, without the deleted rows', async ({ page, harness, logInAs, inbox, snap }) => {
  await logInAs(USERS.offline);
  const doomed = sampleMessage('dot-lines').subject;
  await inbox.rowCheckbox(doomed).check();
  await page.getByRole('button', { name: 'Delete 1 selected' }).click();
  await expect(inbox.pendingBar).toContainText('1 message marked for deletion');

  await page.route('**/api/session/commit', async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.reconnected).toBe(true); // Dovecot let the session back in; the refusal below is staged
    await route.fulfill({ response, json: { ...body, reconnected: false, retryAfter: 300 } });
  });
  const listRequests: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/messages') listRequests.push(request.url());
  });

  await inbox.applyButton.click();
  await expect(page.getByText('1 message deleted from the server. The server asks to wait before logging in again (about 5 min)')).toBeVisible();
  await expect(inbox.pendingBar).toHaveCount(0);
  await expect(inbox.row(doomed)).toHaveCount(0);
  await expect(inbox.rows).toHaveCount(SAMPLE.length - 1);
  await snap('apply-relogin-refused');
  expect(listRequests, 'the list is not asked for while the server refuses logins').toEqual([]);
  expect(await harness.storedCount(USERS.offline)).toBe(SAMPLE.length - 1);
});
