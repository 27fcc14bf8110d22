import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { seriousViolations } from './support/axe';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

const READING_PANE = 'section[aria-label="Reading pane"]';
const LIST_COLUMN = 'section[aria-labelledby="inbox-heading"]';

test.describe('accessibility (axe-core): no serious or critical violations', () => {
  // Several whole-page scans per test: CPU-bound work that a busy 2-core machine slows several-fold.
  test.describe.configure({ timeout: 150_000 });

  for (const scheme of ['light', 'dark'] as const) {
    test(`login form, ${scheme}`, async ({ page, state, loginPage }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await loginPage.goto(state.appUrl);
      expect(await seriousViolations(page)).toEqual([]);
      // An error next to a field is still accessible.
      await loginPage.logIn({ host: '10.0.0.1', security: 'none', username: 'x', password: 'y' });
      await expect(loginPage.fieldError('allowInsecure')).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
    });

    test(`inbox, peek, read and dialogs, ${scheme}`, async ({ page, logInAs, inbox, pane }) => {
      await page.emulateMedia({ colorScheme: scheme });
      await logInAs(USERS.reader);
      expect(await seriousViolations(page)).toEqual([]);
      await inbox.peek(sampleMessage('attachments').subject);
      await expect(pane.peekText).toBeVisible();
      // The page was scanned whole above; from here on, the part that changed.
      expect(await seriousViolations(page, READING_PANE)).toEqual([]);
      await pane.downloadWhole.click();
      await pane.waitForRead();
      await expect(pane.attachments.first()).toBeVisible();
      expect(await seriousViolations(page, READING_PANE)).toEqual([]);
      await inbox.rowCheckbox(sampleMessage('plain').subject).check();
      await page.getByRole('button', { name: 'Delete 1 selected' }).click();
      await expect(inbox.pendingBar).toBeVisible();
      expect(await seriousViolations(page, LIST_COLUMN, '[role="region"][aria-label="Pending deletions"]')).toEqual([]);
      await inbox.undoButton.click();
      await expect(inbox.pendingBar).toHaveCount(0);
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      expect(await seriousViolations(page, 'dialog[open]')).toEqual([]);
    });
  }

  test('the scan itself finds a violation planted in the page, and only inside the scope asked for', async ({ page, state, loginPage }) => {
    await loginPage.goto(state.appUrl);
    await page.evaluate(() => {
      const image = document.createElement('img');
      image.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      image.id = 'planted';
      document.querySelector('main')?.append(image);
    });
    const found = await seriousViolations(page);
    expect(found.map((violation) => violation.id)).toContain('image-alt');
    expect(found.flatMap((violation) => violation.nodes)).toContain('#planted');
    expect(await seriousViolations(page, 'form')).toEqual([]);
  });

  test('landmarks and labels are in place', async ({ page, logInAs }) => {
    await logInAs(USERS.reader);
    await expect(page.getByRole('banner')).toBeVisible();
    await expect(page.getByRole('main')).toBeVisible();
    await expect(page.getByRole('search')).toBeVisible();
    await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
    // Tab order: the account actions (refresh, the three panels, shortcuts, log out), then the filter, then the list.
    await page.getByRole('button', { name: /^Refresh/ }).focus();
    const order: string[] = [];
    for (let step = 0; step < 9; step += 1) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.id || document.activeElement?.textContent?.trim() || ''));
    }
    expect(order.indexOf('filter')).toBeGreaterThan(-1);
    expect(order.indexOf('min-size')).toBeGreaterThan(order.indexOf('filter'));
  });
});
