import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import type { InboxPage } from './pages/inbox-page';
import { USERS } from './support/users';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

/** How many messages the unfiltered list holds, as its summary says. */
async function listed(inbox: InboxPage): Promise<number> {
  await expect(inbox.listSummary).toHaveText(/messages, newest first$/);
  return Number(((await inbox.listSummary.textContent()) ?? '').replace(/[^\d]/g, ''));
}

/**
 * Scrolls the list to its end and checks that its last row is on screen inside the list, above
 * everything floating over the window's foot (the notice, and the pending bar when it shows).
 */
async function expectLastRowAbove(page: Page, total: number, floating: Locator[]): Promise<void> {
  const scroller = page.getByTestId('message-scroller');
  await scroller.evaluate((element) => {
    element.scrollTop = element.scrollHeight;
  });
  const last = scroller.locator(`[data-row-index="${total - 1}"]`);
  await expect(last).toBeVisible();
  const row = (await last.boundingBox())!;
  const list = (await scroller.boundingBox())!;
  expect(row.y + row.height, 'the last row ends inside the list').toBeLessThanOrEqual(list.y + list.height + 0.5);
  for (const cover of floating) {
    const box = await cover.boundingBox();
    expect(box, 'the floating element is on screen').not.toBeNull();
    expect(row.y + row.height, 'the last row ends above what floats over the foot').toBeLessThanOrEqual(box!.y + 0.5);
  }
}

test('on a phone, a notice leaves room: the last row scrolls into view above it', async ({ page, logInAs, inbox, snap }) => {
  await logInAs(USERS.demo);
  const total = await listed(inbox);
  const notice = inbox.toast.locator('span');

  // A notice alone at the foot: marking one message and undoing it.
  await inbox.rows.first().getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Delete 1 selected' }).click();
  await inbox.undoButton.click();
  await expect(inbox.pendingBar).toHaveCount(0);
  await expect(notice).toHaveText('Undone: 1 message will be kept.');
  await expectLastRowAbove(page, total, [notice]);
  await snap('phone-notice-end');
});

test('on a phone, a notice above the pending bar leaves room for both', async ({ page, logInAs, inbox, snap }) => {
  await logInAs(USERS.demo);
  const total = await listed(inbox);
  const notice = inbox.toast.locator('span');

  // Two marked, one kept: the bar stays (one mark) and the notice floats above it.
  await inbox.rows.nth(0).getByRole('checkbox').check();
  await inbox.rows.nth(1).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Delete 2 selected' }).click();
  await expect(inbox.pendingBar).toContainText('2 messages');
  await inbox.rows.nth(0).getByRole('button', { name: /^Keep/ }).click();
  await expect(inbox.pendingBar).toContainText('1 message marked');
  await expect(notice).toHaveText('Undone: 1 message will be kept.');
  await expectLastRowAbove(page, total, [notice, inbox.pendingBar]);
  await snap('phone-notice-bar-end');
});
