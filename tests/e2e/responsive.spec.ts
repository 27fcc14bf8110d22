import { expect, test } from './fixtures';
import { seriousViolations } from './support/axe';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

test('works at phone width: list, then the message full-screen, then back', async ({ page, state, loginPage, logInAs, inbox, pane, snap }) => {
  await loginPage.goto(state.appUrl);
  await snap('phone-login');
  const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(await noSideways()).toBe(true);

  await logInAs(USERS.phone);
  await expect(inbox.rows.first()).toBeVisible();
  expect(await noSideways()).toBe(true);
  await snap('phone-inbox');

  const message = sampleMessage('attachments');
  // A small message: one tap reads it in full.
  await inbox.rowButton(message.subject).click();
  await pane.waitForRead();
  // The list gives way to the message on a phone.
  await expect(inbox.rows.first()).toBeHidden();
  expect(await noSideways()).toBe(true);
  await snap('phone-read');

  await page.getByRole('button', { name: 'Back to inbox' }).click();
  await expect(inbox.row(message.subject)).toBeVisible();

  // The peek (TOP only) is still one key away.
  await inbox.peek(message.subject);
  await expect(pane.peekText).toBeVisible();
  await expect(inbox.rows.first()).toBeHidden();
  expect(await noSideways()).toBe(true);
  await snap('phone-peek');
  await pane.downloadWhole.click();
  await pane.waitForRead();
  await page.getByRole('button', { name: 'Back to inbox' }).click();
  await expect(inbox.row(message.subject)).toBeVisible();
});

test('at phone width a marked row keeps its sender as wide as any row, and the message toolbar is one line', async ({ page, logInAs, inbox, pane }) => {
  await logInAs(USERS.phone);
  const marked = sampleMessage('plain');
  const unmarked = sampleMessage('attachments');
  await inbox.rowCheckbox(marked.subject).check();
  await page.getByRole('button', { name: 'Delete 1 selected' }).click();
  await expect(inbox.row(marked.subject)).toHaveAttribute('data-pending', 'true');
  await expect(inbox.row(marked.subject).getByRole('button', { name: `Keep “${marked.subject}”` })).toBeVisible();
  // The room the sender's line gets: the mark and its Keep do not take it away.
  const fromLineWidth = async (subject: string) => (await inbox.row(subject).getByTestId('row-from-line').boundingBox())!.width;
  expect(await fromLineWidth(marked.subject)).toBeGreaterThanOrEqual(await fromLineWidth(unmarked.subject));
  expect(await seriousViolations(page)).toEqual([]);

  // Every action of an open message on one line: back, reply, source, read state, delete.
  await inbox.rowButton(unmarked.subject).click();
  await pane.waitForRead();
  const toolbar = pane.read.getByRole('toolbar');
  await expect(toolbar.getByRole('button', { name: 'Delete', exact: true })).toBeVisible();
  const tops = await toolbar.locator('button, a').evaluateAll((controls) => controls.map((control) => Math.round(control.getBoundingClientRect().top)));
  expect(tops.length).toBeGreaterThanOrEqual(5);
  expect(new Set(tops).size).toBe(1);
  expect(await seriousViolations(page)).toEqual([]);
  await inbox.undoButton.click();
  await expect(inbox.pendingBar).toHaveCount(0);
});

test('at phone width ticking a box moves nothing, and marking puts no toast over the rows', async ({ page, logInAs, inbox }) => {
  await logInAs(USERS.phone);
  const top = await inbox.listTop();
  const lineHeight = (await inbox.listActions.boundingBox())!.height;
  const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  for (const [index, name] of ['plain', 'attachments', 'html'].entries()) {
    await inbox.rowCheckbox(sampleMessage(name).subject).check();
    await expect(inbox.listSummary).toContainText(`${index + 1} selected`);
  }
  for (const name of ['Clear selection', 'Mark read', 'Mark unread', 'Delete 3 selected']) {
    await expect(inbox.listActions.getByRole('button', { name, exact: true })).toBeVisible();
  }
  await expect(inbox.listActions.getByRole('button', { name: /^Select all \d+$/ })).toBeVisible();
  expect((await inbox.listActions.boundingBox())!.height).toBe(lineHeight);
  expect(await inbox.listTop()).toBe(top);
  expect(await noSideways()).toBe(true);

  await page.getByRole('button', { name: 'Delete 3 selected' }).click();
  await expect(inbox.pendingBar).toContainText('3 messages marked for deletion. Nothing is deleted until you apply or log out.');
  await expect(inbox.marksAnnouncer).toHaveText('3 messages marked for deletion.');
  await expect(inbox.toast).toHaveText('');
  await inbox.undoButton.click();
  await expect(inbox.pendingBar).toHaveCount(0);
});
