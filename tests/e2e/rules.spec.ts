import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { PanelsPage } from './pages/panels-page';
import { axeViolations, WIDTHS } from './support/axe-scan';
import { sampleMessage, SAMPLE } from './support/sample';
import { USERS } from './support/users';

/** The README's screenshots are rewritten only when asked (POSTERN_DOCS_SCREENSHOTS=1), so a test run leaves the tree clean. */
const SCREENSHOT_DIR = `${__dirname}/../../docs/screenshots`;
const UPDATE_DOCS = process.env.POSTERN_DOCS_SCREENSHOTS === '1';

for (const width of WIDTHS) {
  test.describe(`rules at ${width.label} width`, () => {
    test.use(width.use);
    // One long flow of a person's work, with two axe scans: room on a busy two-core machine.
    test.describe.configure({ timeout: 180_000 });

    test('write rules, export and import them, add one from a message, review the proposals, untick one, mark the ticked ones, apply', async ({ page, state, logInAs, inbox, harness, snap }) => {
      const user = width.label === 'desktop' ? USERS.rules : USERS.rulesPhone;
      const panels = new PanelsPage(page);
      await logInAs(user);
      // Rules live per account for the life of the app process: start from none.
      expect((await page.request.put(`${state.appUrl}/api/rules`, { data: { rules: [] } })).ok()).toBe(true);
      const storedRules = async () => ((await (await page.request.get(`${state.appUrl}/api/rules`)).json()) as { rules: unknown[] }).rules;

      // --- the editor -------------------------------------------------------------------------
      await panels.openRules();
      await expect(panels.rules.getByTestId('no-rules')).toBeVisible();
      await panels.rules.getByRole('button', { name: 'Add a rule' }).click();
      await panels.fillRule({ name: 'Shop mail' });
      await expect(panels.rules.getByRole('alert')).toHaveText(/Give at least one condition/);
      await panels.fillRule({ from: 'shop.example' });
      await expect(panels.ruleItems).toHaveCount(1);
      await expect(panels.ruleItems.first()).toContainText('From shop.example');

      await panels.rules.getByRole('button', { name: 'Edit rule Shop mail' }).click();
      await panels.fillRule({ subject: 'offers' });
      await expect(panels.ruleItems.first()).toContainText('From shop.example and subject contains “offers”');

      await panels.rules.getByRole('button', { name: 'Add a rule' }).click();
      await panels.fillRule({ name: 'Old and large', headerName: 'List Id', headerContains: 'x' });
      await expect(panels.rules.locator('#rule-headerName-error')).toBeVisible();
      await expect(panels.rules.getByLabel('Header name')).toBeFocused();
      // The form with an error, in the dark: still clean for axe.
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await axeViolations(page, '[data-testid="rules-editor"]')).toEqual([]);
      await snap(`rules-form-error-${width.label}-dark`);
      await page.emulateMedia({ colorScheme: 'light' });
      await panels.fillRule({ headerName: 'X-Never-Sent', headerContains: 'nothing', minSize: '5', olderThanDays: '3650' });
      await expect(panels.ruleItems).toHaveCount(2);
      await expect(panels.ruleItems.nth(1)).toContainText('Larger than 5 MB and older than 3650 days and header X-Never-Sent contains “nothing”');
      expect(await storedRules()).toEqual([
        { name: 'Shop mail', match: { from: 'shop.example', subject: 'offers' }, action: 'delete' },
        { name: 'Old and large', match: { minSize: 5 * 1024 * 1024, olderThanDays: 3650, header: { name: 'X-Never-Sent', contains: 'nothing' } }, action: 'delete' },
      ]);
      expect(await axeViolations(page, '[data-testid="rules-editor"]')).toEqual([]);
      await snap(`rules-editor-${width.label}`);
      if (width.label === 'desktop' && UPDATE_DOCS) await page.screenshot({ path: `${SCREENSHOT_DIR}/rules-editor.png` });

      // --- export, delete, import -------------------------------------------------------------
      const downloaded = page.waitForEvent('download');
      await panels.rules.getByRole('button', { name: 'Export' }).click();
      const download = await downloaded;
      expect(download.suggestedFilename()).toBe('postern-rules.json');
      const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { rules: unknown[] };
      expect(exported).toEqual({ rules: await storedRules() });

      await panels.rules.getByRole('button', { name: 'Delete rule Old and large' }).click();
      await expect(panels.ruleItems).toHaveCount(1);
      expect(await storedRules()).toHaveLength(1);

      const chooser = page.waitForEvent('filechooser');
      await panels.rules.getByRole('button', { name: 'Import…' }).click();
      await (await chooser).setFiles({ name: 'postern-rules.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exported)) });
      await expect(panels.rules.getByRole('status')).toHaveText('Imported 1 rule (1 already here).');
      await expect(panels.ruleItems).toHaveCount(2);
      expect(await storedRules()).toEqual(exported.rules);
      await panels.close(panels.rules);

      // --- "always delete mail like this", from an open message ---------------------------------
      const report = sampleMessage('attachments');
      await inbox.peek(report.subject);
      const always = page.getByTestId('always-delete');
      await always.getByText('Always delete mail like this…').click();
      await always.getByRole('button', { name: 'From this domain (example.net)' }).click();
      await expect(always.getByRole('status')).toContainText('Rule added: mail from anyone at example.net');
      expect(await storedRules()).toContainEqual({ name: 'Mail from anyone at example.net', match: { from: 'example.net' }, action: 'delete' });

      // --- proposals: all ticked, nothing marked until the one button is pressed ------------------------
      await panels.openProposed();
      const shop = sampleMessage('html');
      await expect(panels.proposedRows).toHaveCount(2);
      await expect(panels.proposedRows.filter({ hasText: shop.subject }).getByTestId('proposal-reason')).toHaveText('Shop mail: from shop.example, subject contains “offers”');
      await expect(panels.proposedRows.filter({ hasText: report.subject }).getByTestId('proposal-reason')).toHaveText('Mail from anyone at example.net: from example.net');
      const markButton = panels.proposed.getByRole('button', { name: 'Mark 2 proposed' });
      await expect(markButton).toBeEnabled();
      const before = (await (await page.request.get(`${state.appUrl}/api/session`)).json()) as { session: { pendingDeletion: string[] } };
      expect(before.session.pendingDeletion).toEqual([]);
      expect(await axeViolations(page, '[data-testid="proposed-panel"]')).toEqual([]);
      await snap(`proposed-${width.label}`);

      // From the proposals to the rules and back: one panel gives way to the other, which stays open.
      await panels.proposed.getByRole('button', { name: 'Edit rules' }).click();
      await expect(panels.rules.getByText('Loading the rules…')).toHaveCount(0);
      await expect(panels.ruleItems).toHaveCount(3);
      await expect(panels.rules).toBeVisible();
      await expect(panels.proposed).toBeHidden();
      await panels.close(panels.rules);
      await panels.openProposed();

      // One proposal taken out, from the keyboard: the button counts and marks only the ticked one.
      const reportBox = panels.proposedRows.filter({ hasText: report.subject }).getByRole('checkbox');
      await expect(reportBox).toBeChecked();
      await reportBox.focus();
      await page.keyboard.press('Space');
      await expect(reportBox).not.toBeChecked();
      // The first try refused (the session store briefly down, as the server says it): Retry marks the same ticks,
      // and the proposal taken out stays out.
      const unavailable = { code: 'STORE_UNAVAILABLE', message: 'Postern cannot reach its session storage right now. Nothing was changed: try again in a few seconds.' };
      await page.route('**/api/messages/delete', (route) => route.fulfill({ status: 503, contentType: 'application/json', headers: { 'Retry-After': '5' }, body: JSON.stringify({ error: unavailable }) }), { times: 1 });
      await panels.proposed.getByRole('button', { name: 'Mark 1 proposed' }).click();
      await expect(panels.proposed.getByRole('alert')).toContainText('Marking the proposed messages failed.');
      await panels.proposed.getByRole('button', { name: 'Retry' }).click();
      await expect(panels.proposed.getByRole('status')).toContainText('1 message marked for deletion.');
      await expect(reportBox).not.toBeChecked();
      await expect(panels.proposedRows.filter({ hasText: shop.subject })).toContainText('marked');
      await expect(panels.proposedRows.filter({ hasText: report.subject })).not.toContainText('marked');
      const after = (await (await page.request.get(`${state.appUrl}/api/session`)).json()) as { session: { pendingDeletion: string[] } };
      expect(after.session.pendingDeletion).toHaveLength(1);
      await expect(panels.proposed.getByRole('button', { name: 'Mark 0 proposed' })).toBeDisabled();
      expect(await axeViolations(page, '[data-testid="proposed-panel"]')).toEqual([]);

      // Ticked again, it is marked too.
      await reportBox.check();
      await panels.proposed.getByRole('button', { name: 'Mark 1 proposed' }).click();
      await expect(panels.proposed.getByRole('status')).toContainText('1 message marked for deletion.');
      await expect(panels.proposed.getByRole('button', { name: 'Mark 0 proposed' })).toBeDisabled();
      await panels.close(panels.proposed);

      // --- then Apply works as for any mark -------------------------------------------------------
      await expect(inbox.pendingBar).toContainText('2');
      expect(await harness.storedCount(user)).toBe(SAMPLE.length);
      await inbox.applyButton.click();
      await expect.poll(() => harness.storedCount(user), { timeout: 30_000 }).toBe(SAMPLE.length - 2);
      await expect(inbox.row(shop.subject)).toHaveCount(0);

      // A message read in full offers the same.
      await inbox.open(sampleMessage('plain').subject);
      await expect(page.getByTestId('read-view').getByTestId('always-delete')).toContainText('Always delete mail like this…');
    });
  });
}
