import { expect, test } from './fixtures';
import { startThrottleProxy } from './support/throttle-proxy';
import { USERS } from './support/users';

// Motion as most people have it: a width transition on the bar would show here as a bar behind its words.
test.use({ reducedMotion: 'no-preference' });

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
    await expect(pane.progress).toHaveAttribute('aria-valuemax', '100');
    // The bar moves as bytes arrive.
    const shown = async () => Number(await pane.progress.getAttribute('aria-valuenow'));
    await expect.poll(shown, { timeout: 30_000 }).toBeGreaterThan(25);
    // The bar is as long as the percent in words says, read in one go (no width transition lagging behind).
    const agreement = await pane.read.evaluate((view) => {
      const words = view.querySelector('[data-testid="download-progress-text"]')?.textContent ?? '';
      const bar = view.querySelector('#download-progress')?.getBoundingClientRect();
      const fill = view.querySelector('[data-testid="download-progress-fill"]')?.getBoundingClientRect();
      return { words, drawn: bar && fill ? (fill.width / bar.width) * 100 : -1 };
    });
    const said = Number(/\((\d+)%\)$/.exec(agreement.words)?.[1] ?? NaN);
    expect(Math.abs(agreement.drawn - said), `bar ${agreement.drawn.toFixed(1)}% vs “${agreement.words}”`).toBeLessThan(1);
    await snap('read-progress');

    await pane.waitForRead();
    await expect(pane.progress).toHaveCount(0);
    await expect(pane.attachments).toHaveCount(1);
  } finally {
    await proxy.close();
  }
});
