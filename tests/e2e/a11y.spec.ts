import type { Page } from '@playwright/test';
import type { AxeResults, RunOptions } from 'axe-core';
import { readFileSync } from 'node:fs';
import { expect, test } from './fixtures';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

/**
 * axe-core, injected once per document and run in place. @axe-core/playwright evaluated the whole
 * 1.3 MB axe source two or three times per scan and opened a blank page to merge the results: on
 * two cores shared with the app, Dovecot and a second browser that was seconds per scan, and the
 * five scans of one test ran past its time limit. The minified build, compiled once, costs that
 * once. Frames are not entered: the only one is the sandboxed body of an HTML mail, the sender's
 * content rather than this app's.
 */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  iframes: false,
  resultTypes: ['violations'],
};

/**
 * Serious and critical violations in `scope` (CSS selectors; the whole page without), once
 * the page holds still: nothing marked aria-busy (lists, previews, skeletons all say so while loading).
 */
async function seriousViolations(page: Page, ...scope: string[]) {
  await expect(page.locator('[aria-busy="true"]')).toHaveCount(0);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const started = Date.now();
  const results = await page.evaluate(
    ([selectors, options]) =>
      (window as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<AxeResults> } }).axe.run(
        selectors.length > 0 ? { include: selectors.map((selector) => [selector]) } : document,
        options,
      ),
    [scope, AXE_OPTIONS] as const,
  );
  // AXE_TIMING=1 prints each scan's time, to measure the scans on a loaded machine.
  if (process.env.AXE_TIMING) console.log(`axe: ${Date.now() - started} ms${scope.length ? ` in ${scope.join(', ')}` : ''}`);
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({ id: violation.id, impact: violation.impact, nodes: violation.nodes.map((node) => node.target.join(' ')).slice(0, 5) }));
}

const READING_PANE = 'section[aria-label="Reading pane"]';
const LIST_COLUMN = 'section[aria-labelledby="inbox-heading"]';

test.describe('accessibility (axe-core): no serious or critical violations', () => {
  // Several scans per test: CPU-bound work that a busy 2-core machine slows several-fold.
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
