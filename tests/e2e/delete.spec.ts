import { expect, test } from './fixtures';
import { SAMPLE, sampleMessage } from './support/sample';
import { USERS } from './support/users';

test.describe.configure({ mode: 'serial' });

test.describe('deleting', () => {
  test('a single delete stays pending, struck through, until undone', async ({ harness, logInAs, inbox, pane, snap }) => {
    await logInAs(USERS.undoer);
    const message = sampleMessage('plain');
    await inbox.peek(message.subject);
    await pane.deleteButton.click();

    const row = inbox.row(message.subject);
    await expect(row).toHaveAttribute('data-pending', 'true');
    await expect(row).toContainText('to be deleted');
    await expect(row.locator('.line-through').first()).toBeVisible();
    await expect(inbox.pendingBar).toContainText('1 message marked for deletion');
    // Delete moves on: the pane shows the next message, not the one just marked.
    await expect(pane.peek).toBeVisible();
    await expect(pane.heading()).not.toHaveText(message.subject);
    await snap('pending-deletes');

    await inbox.undoButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    await expect(row).not.toHaveAttribute('data-pending', 'true');
    expect(await harness.storedCount(USERS.undoer)).toBe(SAMPLE.length);
  });

  test('logging out says how many deletions it applies, asks once, then applies them', async ({ page, harness, logInAs, inbox, loginPage, snap }) => {
    await logInAs(USERS.undoer);
    const before = await harness.storedCount(USERS.undoer);
    await inbox.rowCheckbox(sampleMessage('long-header').subject).check();
    await page.getByRole('button', { name: 'Delete 1 selected' }).click();
    await expect(inbox.pendingBar).toContainText('1 message marked for deletion');

    await inbox.logoutButton.click();
    const dialog = page.getByRole('dialog', { name: 'Log out and delete 1 message?' });
    await expect(dialog).toBeVisible();
    await snap('logout-confirm');
    await dialog.getByRole('button', { name: 'Delete 1 and log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in to your mailbox' })).toBeVisible();
    await expect(loginPage.page.getByText('You are logged out. 1 message deleted from the server.')).toBeVisible();
    expect(await harness.storedCount(USERS.undoer)).toBe(before - 1);
  });
});

test.describe('multi-select', () => {
  test('marks several, applies them, and they are gone from the server', async ({ page, harness, logInAs, inbox }) => {
    await logInAs(USERS.applier);
    expect(await harness.storedCount(USERS.applier)).toBe(SAMPLE.length);
    const doomed = [sampleMessage('8bit-latin1').subject, sampleMessage('dot-lines').subject];
    for (const subject of doomed) await inbox.rowCheckbox(subject).check();
    await expect(inbox.listSummary).toContainText('2 selected');
    await page.getByRole('button', { name: 'Delete 2 selected' }).click();
    await expect(inbox.pendingBar).toContainText('2 messages marked for deletion');
    for (const subject of doomed) await expect(inbox.row(subject)).toHaveAttribute('data-pending', 'true');

    await inbox.applyButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    await expect(inbox.rows).toHaveCount(SAMPLE.length - 2);
    for (const subject of doomed) await expect(inbox.row(subject)).toHaveCount(0);
    await expect(inbox.stats).toContainText(`${SAMPLE.length - 2} messages`);
    expect(await harness.storedCount(USERS.applier)).toBe(SAMPLE.length - 2);
  });

  test('"select all matching" takes every message the filter matches', async ({ page, harness, logInAs, inbox }) => {
    await logInAs(USERS.applier);
    const before = await harness.storedCount(USERS.applier);
    // Matches the sender address of one sample message (Françoise, example.fr).
    await inbox.filterBy('example.fr');
    // Counted once the filter has settled (not from the rows of the unfiltered list still on screen).
    const matching = await inbox.matchingCount();
    expect(matching).toBeGreaterThan(0);
    await expect(inbox.rows).toHaveCount(matching);
    await page.getByRole('button', { name: new RegExp(`^Select all ${matching} matching$`) }).click();
    await expect(inbox.listSummary).toContainText(`${matching} selected`);
    await page.getByRole('button', { name: `Delete ${matching} selected` }).click();
    await expect(inbox.pendingBar).toContainText(`${matching} message`);
    await inbox.applyButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    expect(await harness.storedCount(USERS.applier)).toBe(before - matching);
  });
});
