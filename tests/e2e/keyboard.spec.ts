import { expect, test } from './fixtures';
import { SAMPLE } from './support/sample';
import { USERS } from './support/users';

test('the whole inbox works from the keyboard', async ({ page, harness, logInAs, inbox, pane, snap }) => {
  await logInAs(USERS.keys);
  const newestFirst = [...SAMPLE].sort((a, b) => b.date.getTime() - a.date.getTime());
  const subjectAt = (index: number) => newestFirst[index]!.subject;
  const focusedRowText = () => page.evaluate(() => document.activeElement?.closest('[data-testid="message-row"]')?.textContent ?? '');

  // j / k move.
  await page.keyboard.press('j');
  await expect.poll(focusedRowText).toContain(subjectAt(1));
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await expect.poll(focusedRowText).toContain(subjectAt(1));

  // Space peeks, Enter opens.
  await page.keyboard.press(' ');
  await expect(pane.peek.getByRole('heading', { name: subjectAt(1) })).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(pane.read.getByRole('heading', { name: subjectAt(1) })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(pane.read).toHaveCount(0);

  // x selects, # marks the selection, u undoes.
  await page.keyboard.press('x');
  await expect(inbox.rowCheckbox(subjectAt(1))).toBeChecked();
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  await expect(inbox.listSummary).toContainText('2 selected');
  await page.keyboard.press('#');
  await expect(inbox.pendingBar).toContainText('2 messages marked for deletion');
  await expect(inbox.row(subjectAt(2))).toHaveAttribute('data-pending', 'true');
  await page.keyboard.press('u');
  await expect(inbox.pendingBar).toHaveCount(0);

  // Delete marks the current message when nothing is selected.
  await page.keyboard.press('Delete');
  await expect(inbox.row(subjectAt(2))).toHaveAttribute('data-pending', 'true');
  await page.keyboard.press('u');
  await expect(inbox.pendingBar).toHaveCount(0);

  // / filters; Escape leaves the filter box.
  await page.keyboard.press('/');
  await expect(inbox.filter).toBeFocused();
  await page.keyboard.type('lunch');
  await expect(inbox.rows).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(inbox.filter).not.toBeFocused();
  await expect(inbox.rows).toHaveCount(SAMPLE.length);

  // ? shows the shortcuts.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(help).toBeVisible();
  await snap('shortcuts');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();

  // r refreshes: newly delivered mail appears.
  const fresh = Buffer.from(
    'From: Late Arrival <late@example.org>\nTo: keys@postern.test\nSubject: Freshly delivered\n' +
      `Date: ${new Date().toUTCString()}\nMessage-ID: <fresh@postern.test>\n\nJust arrived.\n`,
  );
  await harness.deliver(USERS.keys, fresh);
  await page.keyboard.press('r');
  await expect(inbox.row('Freshly delivered')).toBeVisible({ timeout: 40_000 });
  await expect(inbox.rows.first()).toContainText('Freshly delivered');
});

test('the filter from the keyboard: Enter goes to the first match with its focus ring; Esc clears the filter, from the box or the list', async ({ page, logInAs, inbox, pane, snap }) => {
  await logInAs(USERS.reader);
  // The reader's maildrop is the sample: its size comes from the fixture, and the list is waited for.
  const all = SAMPLE.length;
  await expect(inbox.rows).toHaveCount(all);
  const focusedRow = () =>
    page.evaluate(() => {
      const active = document.activeElement;
      const row = active?.closest('[data-testid="message-row"]');
      // The ring is drawn for :focus-visible: focus that lands on a row without it shows nothing.
      return row ? { text: row.textContent ?? '', ring: active instanceof HTMLElement && active.matches(':focus-visible') } : null;
    });

  // Enter right after typing (before the pause that applies the filter): the first match takes focus, visibly.
  await page.keyboard.press('/');
  await expect(inbox.filter).toBeFocused();
  await page.keyboard.type('body');
  await page.keyboard.press('Enter');
  await expect.poll(focusedRow).toEqual({ text: expect.stringContaining('8-bit ISO-8859-1 body'), ring: true });
  await expect(inbox.rows).toHaveCount(2);
  await snap('filter-enter');
  // The list keys work from there.
  await page.keyboard.press('j');
  await expect.poll(focusedRow).toEqual({ text: expect.stringContaining('8-bit UTF-8 body'), ring: true });

  // Esc in the list, nothing open: the filter goes and the list keeps the focus.
  await page.keyboard.press('Escape');
  await expect(inbox.filter).toHaveValue('');
  await expect(inbox.rows).toHaveCount(all);
  // The cleared list's first row, not the position the filtered list had (its second row).
  const firstRow = (await inbox.rows.first().textContent()) ?? '';
  await expect.poll(focusedRow).toEqual({ text: firstRow, ring: true });

  // An open message takes Esc first; the filter goes with the next Esc.
  await page.keyboard.press('/');
  await page.keyboard.type('body');
  await page.keyboard.press('Enter');
  await expect.poll(focusedRow).toEqual({ text: expect.stringContaining('8-bit ISO-8859-1 body'), ring: true });
  await page.keyboard.press(' ');
  await expect(pane.peek.getByRole('heading', { name: '8-bit ISO-8859-1 body' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(pane.peek).toHaveCount(0);
  await expect(inbox.filter).toHaveValue('body');
  await expect(inbox.rows).toHaveCount(2);
  await page.keyboard.press('Escape');
  await expect(inbox.filter).toHaveValue('');
  await expect(inbox.rows).toHaveCount(all);

  // Nothing matches: Enter leaves the focus in the box, where the text can be fixed.
  await page.keyboard.press('/');
  await page.keyboard.type('zzzz-nothing');
  await page.keyboard.press('Enter');
  await expect(inbox.emptyState).toBeVisible();
  await expect(inbox.filter).toBeFocused();
  // Esc in the box clears it and goes back to the list.
  await page.keyboard.press('Escape');
  await expect(inbox.filter).toHaveValue('');
  await expect(inbox.rows).toHaveCount(all);
  await expect.poll(focusedRow).toEqual({ text: expect.stringContaining(await inbox.rows.first().textContent() ?? ''), ring: true });

  // The filter unchanged: Enter goes back to the row the person was on, not to the top.
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  const third = (await inbox.rows.nth(2).textContent()) ?? '';
  await expect.poll(focusedRow).toEqual({ text: third, ring: true });
  await page.keyboard.press('/');
  await expect(inbox.filter).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(focusedRow).toEqual({ text: third, ring: true });
});

test('Esc clears the whole filter, words and size, the same from the filter box as from the list', async ({ page, logInAs, inbox }) => {
  await logInAs(USERS.demo);
  const everything = (await inbox.listSummary.textContent()) ?? '';
  expect(everything).toMatch(/messages, newest first$/);
  const focusedRow = () => page.evaluate(() => document.activeElement?.closest('[data-testid="message-row"]')?.textContent ?? null);

  // From the box: words and a size, then Esc.
  await inbox.minSize.selectOption({ label: '1 MB' });
  await page.keyboard.press('/');
  await page.keyboard.type('holiday');
  await expect(inbox.listSummary).toHaveText(/^1 matching/);
  await page.keyboard.press('Escape');
  await expect(inbox.filter).toHaveValue('');
  await expect(inbox.minSize).toHaveValue('');
  await inbox.waitForSettled();
  await expect(inbox.listSummary).toHaveText(everything);
  await expect.poll(focusedRow).toContain(await inbox.rows.first().textContent() ?? '');

  // From the list: the same.
  await inbox.minSize.selectOption({ label: '1 MB' });
  await expect(inbox.listSummary).toContainText('matching');
  await inbox.rows.first().locator('[data-row-index]').focus();
  await page.keyboard.press('Escape');
  await expect(inbox.filter).toHaveValue('');
  await expect(inbox.minSize).toHaveValue('');
  await inbox.waitForSettled();
  await expect(inbox.listSummary).toHaveText(everything);

  // The shortcuts help says so.
  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' }).getByRole('row', { name: /Esc/ })).toContainText(
    'in the filter box, clear the filter (words and size)',
  );
});
