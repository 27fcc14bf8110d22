import { expect, test } from './fixtures';
import { startThrottleProxy } from './support/throttle-proxy';
import { USERS } from './support/users';

test('a large message shows download progress while RETR streams it', async ({ page, state, loginPage, inbox, pane, snap }) => {
  // 7.8 MB at 2 MB/s: about four seconds of progress.
  const proxy = await startThrottleProxy(state.dovecot.port, 2 * 1024 * 1024);
  try {
    await loginPage.goto(state.appUrl);
    await loginPage.logIn({ host: '127.0.0.1', security: 'none', port: proxy.port, allowInsecure: true, username: USERS.demo, password: state.password });
    await inbox.waitForList();
    await inbox.minSize.selectOption({ label: '1 MB' });
    await expect(inbox.rows).toHaveCount(1);
    await inbox.rows.first().locator('[data-row-index]').click();
    await pane.downloadWhole.click();

    await expect(pane.read.getByText(/^\d+(\.\d)? (KB|MB) of 7\.8 MB \(\d+%\)$/)).toBeVisible({ timeout: 30_000 });
    await expect(pane.progress).toHaveAttribute('max', /^\d+$/);
    // The bar moves as bytes arrive.
    const fraction = async () => Number(await pane.progress.getAttribute('value')) / Number(await pane.progress.getAttribute('max'));
    await expect.poll(fraction, { timeout: 30_000 }).toBeGreaterThan(0.25);
    await snap('read-progress');

    await pane.waitForRead();
    await expect(pane.progress).toHaveCount(0);
    await expect(pane.attachments).toHaveCount(1);
  } finally {
    await proxy.close();
  }
});
