import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures';
import { sampleMessage, sampleNumber } from './support/sample';
import { USERS } from './support/users';

test('view source shows the message as the server holds it, and downloads it exactly', async ({ page, harness, logInAs, inbox, pane, snap }) => {
  await logInAs(USERS.reader);
  const message = sampleMessage('dot-lines');
  await inbox.peek(message.subject);
  await pane.viewSource.click();
  await expect(pane.source.getByRole('heading', { name: `Source of “${message.subject}”` })).toBeVisible();

  const expected = await harness.expectedRetr(USERS.reader, sampleNumber('dot-lines'));
  const shown = await pane.sourceText.evaluate((element) => element.textContent ?? '');
  expect(shown.replace(/\r\n/g, '\n')).toBe(expected.toString('utf8').replace(/\r\n/g, '\n'));
  await expect(pane.sourceText).toContainText(`Message-ID: <${message.messageId}>`);
  await snap('source');

  const [download] = await Promise.all([page.waitForEvent('download'), pane.source.getByRole('link', { name: /^Download \.eml/ }).click()]);
  const bytes = await readFile(await download.path());
  expect(bytes.equals(expected)).toBe(true);

  await pane.source.getByRole('button', { name: 'Back to the peek' }).click();
  await expect(pane.peek).toBeVisible();
});
