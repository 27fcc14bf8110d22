import { expect, test } from './fixtures';
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
