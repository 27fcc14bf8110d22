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
    // The bar is as long as the percent in words says, measured the moment the words change: a
    // transition on the width would still draw the old length there.
    const samples = await pane.read.evaluate(
      (view) =>
        new Promise<Array<{ words: string; drawn: number }>>((resolve) => {
          const text = view.querySelector('[data-testid="download-progress-text"]');
          const found: Array<{ words: string; drawn: number }> = [];
          if (!text) return resolve(found);
          const observer = new MutationObserver(() => {
            const bar = view.querySelector('#download-progress');
            const fill = view.querySelector('[data-testid="download-progress-fill"]');
            if (!text.isConnected || !bar || !fill) {
              observer.disconnect();
              return resolve(found);
            }
            found.push({ words: text.textContent ?? '', drawn: (fill.getBoundingClientRect().width / bar.getBoundingClientRect().width) * 100 });
            if (found.length === 3) {
              observer.disconnect();
              resolve(found);
            }
          });
          observer.observe(view, { subtree: true, childList: true, characterData: true });
        }),
    );
    expect(samples.length, 'the words changed while the bar was there').toBeGreaterThan(0);
    for (const { words, drawn } of samples) {
      const said = Number(/\((\d+)%\)$/.exec(words)?.[1] ?? NaN);
      expect(Math.abs(drawn - said), `bar ${drawn.toFixed(1)}% vs “${words}”`).toBeLessThan(1);
    }
    await snap('read-progress');

    await pane.waitForRead();
    await expect(pane.progress).toHaveCount(0);
    await expect(pane.attachments).toHaveCount(1);
  } finally {
    await proxy.close();
  }
});
