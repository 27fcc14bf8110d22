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

test('on a large peeked message, View source says what it downloads before it does', async ({ logInAs, inbox, pane }) => {
  await logInAs(USERS.demo);
  await inbox.filterBy('Holiday photos');
  await inbox.peek('Holiday photos');
  await expect(pane.peek.getByText('This is a large message; the preview below costs only a few lines.')).toBeVisible();
  // The same "large" as the peek's notice: the button gives the cost (1 MB of 7.8 MB) that the source view then shows.
  await expect(pane.viewSource).toHaveAccessibleName('View source (first 1 MB)');
  await expect(pane.viewSource).toHaveText('View source (first 1 MB)');
  await pane.viewSource.click();
  await expect(pane.source.getByText('Showing the first 1 MB of 7.8 MB. Download the .eml for all of it.')).toBeVisible({ timeout: 30_000 });

  // A small message costs no more than its peek: the button says nothing more.
  await pane.source.getByRole('button', { name: 'Back to the peek' }).click();
  await inbox.filterBy('Kick-off agenda');
  await inbox.peek('Kick-off agenda');
  await expect(pane.viewSource).toHaveAccessibleName('View source');
});

test.describe('at phone width', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('the source wraps long lines at spaces, and keeps its whitespace', async ({ logInAs, inbox, pane }) => {
    await logInAs(USERS.demo);
    await inbox.filterBy('Kick-off agenda');
    await inbox.peek('Kick-off agenda');
    await pane.viewSource.click();
    await expect(pane.sourceText).toContainText('here is the agenda for Monday');
    // Words stay whole (no "agend a"); only a run with no space in it may break where it must.
    await expect(pane.sourceText).toHaveCSS('word-break', 'normal');
    await expect(pane.sourceText).toHaveCSS('overflow-wrap', 'break-word');
    await expect(pane.sourceText).toHaveCSS('white-space', 'pre-wrap');
    const sideways = await pane.sourceText.evaluate((element) => element.scrollWidth > element.clientWidth);
    expect(sideways).toBe(false);
  });
});
