import { expect, test } from './fixtures';
import { PanelsPage } from './pages/panels-page';
import { axeViolations, WIDTHS } from './support/axe-scan';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

/** The README's screenshots are rewritten only when asked (POSTERN_DOCS_SCREENSHOTS=1), so a test run leaves the tree clean. */
const SCREENSHOT_DIR = `${__dirname}/../../docs/screenshots`;
const UPDATE_DOCS = process.env.POSTERN_DOCS_SCREENSHOTS === '1';

for (const width of WIDTHS) {
  test.describe(`panels at ${width.label} width`, () => {
    test.use(width.use);
    test.describe.configure({ timeout: 150_000 });

    test('the peek names the attachments and their estimated sizes, without downloading the message', async ({ page, logInAs, inbox, pane, snap }) => {
      const apiCalls: string[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/api/messages/')) apiCalls.push(url.pathname);
      });
      await logInAs(USERS.demo);
      await inbox.filterBy('Holiday photos');
      await inbox.peek('Holiday photos (big attachment)');
      const parts = page.getByTestId('peek-parts');
      await expect(parts.getByRole('heading', { name: /1 attachment/ })).toBeVisible();
      // 6,000,000 bytes of zip behind base64 in a 7.8 MB message: named, with its size estimated.
      await expect(parts.getByTestId('peek-attachment')).toHaveCount(1);
      await expect(parts.getByTestId('peek-attachment')).toContainText('holiday-photos.zip · about 5.7 MB');
      await expect(parts.getByTestId('peek-attachment')).toContainText('application/zip');
      await expect(parts.getByTestId('peek-part')).toContainText('Message text');
      await expect(parts).toContainText('nothing was downloaded');
      // Only previews (and the filter's header warm-up): never the message itself.
      expect(apiCalls.filter((path) => !path.endsWith('/preview') && path !== '/api/messages/headers')).toEqual([]);
      expect(await axeViolations(page, 'section[aria-label="Reading pane"]')).toEqual([]);
      await snap(`peek-attachments-${width.label}`);
      if (width.label === 'desktop' && UPDATE_DOCS) await page.screenshot({ path: `${SCREENSHOT_DIR}/peek-attachments.png` });
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await axeViolations(page, 'section[aria-label="Reading pane"]')).toEqual([]);
      await snap(`peek-attachments-${width.label}-dark`);

      // Another message: its PDF is named too.
      await page.emulateMedia({ colorScheme: 'light' });
      await pane.closeButton.click();
      await inbox.filterBy('Your invoice INV-2025-0519');
      await inbox.peek('Your invoice INV-2025-0519 is ready');
      await expect(page.getByTestId('peek-parts').getByTestId('peek-attachment')).toContainText('INV-2025-0519.pdf');
    });

    test('the server, in words: policies in a sentence each, capabilities, and the transcript without the password', async ({ page, state, logInAs, snap }) => {
      const panels = new PanelsPage(page);
      await logInAs(USERS.reader);
      await panels.serverButton.click();
      await expect(panels.server).toBeVisible();
      await expect(panels.server.getByTestId('server-policy')).toHaveCount(5);
      for (const name of ['LOGIN-DELAY', 'EXPIRE', 'PIPELINING', 'TOP', 'UIDL']) {
        await expect(panels.server.getByTestId('server-policy').filter({ hasText: name })).toHaveCount(1);
      }
      // Dovecot offers TOP, UIDL and PIPELINING, and states no LOGIN-DELAY.
      await expect(panels.server.getByTestId('server-policy').filter({ hasText: 'TOP' })).toContainText('just the headers and first lines');
      await expect(panels.server.getByTestId('server-policy').filter({ hasText: 'UIDL' })).toContainText('lasting id');
      await expect(panels.server.getByTestId('server-policy').filter({ hasText: 'PIPELINING' })).toContainText('several commands at once');
      await expect(panels.server.getByRole('list', { name: 'Capabilities' })).toContainText('UIDL');
      const transcript = panels.server.getByTestId('server-transcript');
      await expect(transcript).toContainText(/Postern said\s*(CAPA|STAT|LIST|UIDL|TOP)/);
      await expect(transcript).toContainText(/Server said\s*\+OK/);
      const text = (await panels.server.textContent()) ?? '';
      expect(text).not.toContain(state.password);
      expect(await axeViolations(page, '[data-testid="server-panel"]')).toEqual([]);
      await snap(`server-panel-${width.label}`);
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await axeViolations(page, '[data-testid="server-panel"]')).toEqual([]);
      await snap(`server-panel-${width.label}-dark`);
      await panels.close(panels.server);
      await expect(panels.serverButton).toBeFocused();
    });

    test('every header button has a name; on a desktop, the icon-only ones name themselves on hover too', async ({ page, logInAs }) => {
      await logInAs(USERS.reader);
      const buttons = page.getByRole('navigation', { name: 'Account' }).getByRole('button');
      await expect(buttons.filter({ visible: true })).toHaveCount(width.label === 'desktop' ? 6 : 5);
      for (const button of await buttons.filter({ visible: true }).all()) {
        await expect(button).toHaveAccessibleName(/\S/);
        // A pointer can hover: a button showing no words says what it is in a tooltip.
        if (width.label === 'desktop' && (await button.innerText()).trim() === '') await expect(button).toHaveAttribute('title', /\S/);
      }
      if (width.label === 'desktop') await expect(page.getByRole('button', { name: 'Keyboard shortcuts' })).toHaveAttribute('title', 'Keyboard shortcuts (?)');
    });

    test('Proposed with no rules says so and offers to create one; with rules that match nothing, a plain sentence; no button that marks nothing', async ({ page, state, logInAs, snap }) => {
      const panels = new PanelsPage(page);
      await logInAs(USERS.reader);
      const setRules = async (rules: unknown[]) => expect((await page.request.put(`${state.appUrl}/api/rules`, { data: { rules } })).ok()).toBe(true);
      // Rules live per account for the life of the app process: this read-only account starts from none.
      await setRules([]);
      const markButton = panels.proposed.getByRole('button', { name: /^Mark \d+ proposed$/ });

      await panels.openProposed();
      const empty = panels.proposed.getByTestId('no-proposals');
      await expect(empty).toContainText('You have no rules yet.');
      await expect(markButton).toHaveCount(0);
      expect(await axeViolations(page, '[data-testid="proposed-panel"]')).toEqual([]);
      await snap(`proposed-no-rules-${width.label}`);
      await empty.getByRole('button', { name: 'Create a rule' }).click();
      await expect(panels.rules).toBeVisible();
      await expect(panels.proposed).toBeHidden();
      await panels.close(panels.rules);

      // One rule that matches none of this account's mail.
      await setRules([{ name: 'Never sent', match: { header: { name: 'X-Never-Sent', contains: 'nothing' } }, action: 'delete' }]);
      await panels.openProposed();
      await expect(empty).toHaveText(/^Your rule matches no message right now\.\s*Edit rules$/);
      await expect(markButton).toHaveCount(0);
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await axeViolations(page, '[data-testid="proposed-panel"]')).toEqual([]);
      await snap(`proposed-none-matching-${width.label}-dark`);
      await empty.getByRole('button', { name: 'Edit rules' }).click();
      await expect(panels.ruleItems).toHaveCount(1);
      await panels.close(panels.rules);
      await setRules([]);
    });
  });
}

test('more lines in the peek show every part, with sizes measured rather than estimated', async ({ page, logInAs, inbox, pane }) => {
  await logInAs(USERS.peeker);
  const message = sampleMessage('attachments');
  await inbox.peek(message.subject);
  const attachments = page.getByTestId('peek-parts').getByTestId('peek-attachment');
  await expect(attachments.filter({ hasText: 'report.pdf' })).toHaveCount(1);
  // 200 lines hold the whole 4 KB message: both files, neither size "about".
  await pane.linesSelect.selectOption('200');
  await expect(attachments).toHaveCount(2);
  await expect(attachments.filter({ hasText: 'report.pdf' })).not.toContainText('about');
  await expect(page.getByTestId('peek-parts')).not.toContainText('nothing was downloaded');
});
