import { expect, test } from './fixtures';
import { PanelsPage } from './pages/panels-page';
import { recordAnnouncements } from './support/announcements';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

test('marking from the Proposed panel is said once, by the panel, each time the button is pressed', async ({ page, state, logInAs, inbox }) => {
  const announcements = await recordAnnouncements(page);
  const panels = new PanelsPage(page);
  await logInAs(USERS.undoer);
  const setRules = async (rules: unknown[]) => expect((await page.request.put(`${state.appUrl}/api/rules`, { data: { rules } })).ok()).toBe(true);
  // Rules live per account for the life of the app process: this account has none but this test's, and none after it.
  const shop = sampleMessage('html');
  const report = sampleMessage('attachments');
  await setRules([
    { name: 'Shop mail', match: { from: 'shop.example' }, action: 'delete' },
    { name: 'Reports', match: { from: 'example.net' }, action: 'delete' },
  ]);
  try {
    await panels.openProposed();
    await expect(panels.proposedRows).toHaveCount(2);
    const reportBox = panels.proposedRows.filter({ hasText: report.subject }).getByRole('checkbox');
    await reportBox.uncheck();

    const before = (await announcements()).length;
    await panels.proposed.getByRole('button', { name: 'Mark 1 proposed' }).click();
    await expect(panels.proposedRows.filter({ hasText: shop.subject })).toContainText('marked');
    await expect(panels.proposed.getByRole('status')).toContainText('1 message marked for deletion.');
    expect((await announcements()).slice(before)).toEqual([
      '1 message marked for deletion. Close this panel, then “Apply now” below the inbox deletes them from the server; “Undo” keeps them.',
    ]);

    // The same words again: heard again, and still only once.
    const between = (await announcements()).length;
    await reportBox.check();
    await panels.proposed.getByRole('button', { name: 'Mark 1 proposed' }).click();
    await expect(panels.proposedRows.filter({ hasText: report.subject })).toContainText('marked');
    await expect(panels.proposed.getByRole('status')).toContainText('1 message marked for deletion.');
    expect((await announcements()).slice(between)).toEqual([
      '1 message marked for deletion. Close this panel, then “Apply now” below the inbox deletes them from the server; “Undo” keeps them.',
    ]);

    await panels.close(panels.proposed);
    await expect(inbox.pendingBar).toContainText('2 messages marked for deletion.');
  } finally {
    await setRules([]);
  }
  // Nothing of this test is left marked (marks are the session's, but the account is shared with other tests).
  await inbox.undoButton.click();
  await expect(inbox.pendingBar).toHaveCount(0);
});
