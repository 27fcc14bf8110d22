import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';
import { seriousViolations } from './support/axe';
import { USERS } from './support/users';

test('a message too complex to display says so, offers its source, and shows the text that could be read', async ({ page, logInAs, inbox, pane, snap }) => {
  await logInAs(USERS.hostile);
  await inbox.open('very wide');
  const alert = pane.read.getByRole('alert');
  await expect(alert).toHaveText('This message is built in a way too complex to display. Its source can still be viewed and downloaded.');
  await expect(alert.getByRole('button', { name: 'Retry' })).toHaveCount(0);
  await expect(page.getByTestId('readable-text')).toHaveText('the text comes first');
  await expect(pane.read.getByRole('link', { name: 'Download .eml' })).toHaveAttribute('href', /\/raw$/);
  await snap('read-too-complex');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await seriousViolations(page), scheme).toEqual([]);
  }

  await pane.read.getByRole('button', { name: 'View the source' }).click();
  await expect(pane.source).toBeVisible();
  await expect(pane.sourceText).toContainText('the text comes first');
});

test('a right-to-left override cannot dress an .exe up as a PDF, in the list, the message or the download', async ({ page, logInAs, inbox, pane }) => {
  await logInAs(USERS.hostile);
  await expect(inbox.row('Your invoice is ready')).toContainText('Payroll Dept');
  await inbox.open('Your invoice is ready');
  await expect(pane.attachments).toHaveCount(1);
  await expect(pane.attachments.first()).toContainText('invoicefdp.exe');
  const [download] = await Promise.all([page.waitForEvent('download'), pane.attachments.first().getByRole('link', { name: /^Download / }).click()]);
  expect(download.suggestedFilename()).toBe('invoicefdp.exe');
  expect((await readFile(await download.path())).subarray(0, 2).toString('latin1')).toBe('MZ');
  const shown = await pane.read.evaluate((element) => element.textContent ?? '');
  expect(shown).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F\uFEFF]/);
});
