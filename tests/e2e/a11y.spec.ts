import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5) }));
}

test.describe('accessibility (axe-core): no serious or critical violations', () => {
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
      expect(await seriousViolations(page)).toEqual([]);
      await pane.downloadWhole.click();
      await pane.waitForRead();
      await expect(pane.attachments.first()).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await inbox.rowCheckbox(sampleMessage('plain').subject).check();
      await page.getByRole('button', { name: 'Delete 1 selected' }).click();
      await expect(inbox.pendingBar).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      await inbox.undoButton.click();
      await expect(inbox.pendingBar).toHaveCount(0);
      await page.keyboard.press('?');
      await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
    });
  }

  test('landmarks and labels are in place', async ({ page, logInAs }) => {
    await logInAs(USERS.reader);
    await expect(page.getByRole('banner')).toBeVisible();
    await expect(page.getByRole('main')).toBeVisible();
    await expect(page.getByRole('search')).toBeVisible();
    await expect(page.getByRole('list', { name: 'Messages' })).toBeVisible();
    // Tab order: the account actions, then the filter, then the list.
    await page.getByRole('button', { name: /^Refresh/ }).focus();
    const order: string[] = [];
    for (let step = 0; step < 6; step += 1) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.id || document.activeElement?.textContent?.trim() || ''));
    }
    expect(order.indexOf('filter')).toBeGreaterThan(-1);
    expect(order.indexOf('min-size')).toBeGreaterThan(order.indexOf('filter'));
  });
});
