import { expect, test } from './fixtures';
import { USERS } from './support/users';

/**
 * A tour of every screen with the realistic demo maildrop, light and dark, saved under
 * tests/artifacts/screenshots/ for a person to look at.
 */
for (const scheme of ['light', 'dark'] as const) {
  test.describe(`screens, ${scheme}`, () => {
    test.use({ colorScheme: scheme });

    test('inbox, large-message cue, peek, read and pending deletes', async ({ page, logInAs, inbox, pane, snap }) => {
      const suffix = scheme === 'dark' ? '-dark' : '';
      await logInAs(USERS.demo);
      await expect(inbox.rows.first()).toBeVisible();
      await snap(`demo-inbox${suffix}`);

      // The big message stands out: its size says "MB" in the warning colour, with a cue for screen readers.
      await inbox.minSize.selectOption({ label: '1 MB' });
      await expect(inbox.listSummary).toContainText('matching');
      await inbox.waitForSettled();
      const big = inbox.rows.first();
      await expect(big).toContainText(/MB/);
      await expect(big.getByText('Large message,')).toBeAttached();
      await snap(`demo-inbox-large-filter${suffix}`);
      await big.locator('[data-row-index]').click();
      await expect(pane.downloadWhole).toHaveText(/Download whole message \(\d+(\.\d)? MB\)/);
      await snap(`demo-peek-large${suffix}`);

      // Read it: the progress bar shows while RETR streams.
      await pane.downloadWhole.click();
      await pane.waitForRead();
      await snap(`demo-read-large${suffix}`);

      await inbox.minSize.selectOption({ label: 'Any size' });
      await expect(inbox.listSummary).not.toContainText('matching');
      await inbox.waitForSettled();

      // An HTML newsletter (remote images blocked), then a plain personal message.
      await inbox.filterBy('Weekly Byte');
      await expect(inbox.rows).toHaveCount(1);
      await inbox.open('The Weekly Byte #112');
      await pane.waitForRead();
      await expect(pane.htmlFrameElement).toBeVisible();
      await snap(`demo-read-html${suffix}`);
      await inbox.filterBy('Sommerfest');
      await expect(inbox.rows).toHaveCount(1);
      await inbox.open('Einladung zum Sommerfest');
      await pane.waitForRead();
      await expect(pane.textBody).toContainText('Sommerfest');
      await snap(`demo-read-text${suffix}`);
      await inbox.filter.fill('');
      await expect(inbox.listSummary).not.toContainText('matching');
      await inbox.waitForSettled();

      // Pending deletes.
      await inbox.rows.nth(1).getByRole('checkbox').check();
      await inbox.rows.nth(2).getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Delete 2 selected' }).click();
      await expect(inbox.pendingBar).toBeVisible();
      await snap(`demo-pending${suffix}`);
      await inbox.undoButton.click();
      await expect(inbox.pendingBar).toHaveCount(0);
    });
  });
}
