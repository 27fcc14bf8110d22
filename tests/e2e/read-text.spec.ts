import { expect, test } from './fixtures';
import { sampleMessage } from './support/sample';
import { USERS } from './support/users';

test.describe('a plain-text message', () => {
  test('is shown as text, with decoded headers and a header panel', async ({ logInAs, inbox, pane, snap }) => {
    await logInAs(USERS.reader);
    const message = sampleMessage('8bit-utf8');
    await inbox.open(message.subject);
    await pane.waitForRead();
    await expect(pane.read.getByRole('heading', { name: message.subject })).toBeVisible();
    await expect(pane.read).toContainText('Zoë Ångström <zoe@example.se>');
    await expect(pane.textBody).toContainText('Ünïcödé in 8bit: Grüße, naïve café, Ελληνικά, Русский, 日本語, emoji 🙂.');
    await pane.read.getByText(/^All headers/).click();
    await expect(pane.read.getByRole('rowheader', { name: 'Content-Transfer-Encoding' })).toBeVisible();
    await snap('read-text');
  });

  test('encoded headers are decoded in the list and the message', async ({ logInAs, inbox, pane }) => {
    await logInAs(USERS.reader);
    const message = sampleMessage('encoded-utf8');
    await expect(inbox.row(message.subject)).toContainText('José Müller-Lüdenscheidt');
    await inbox.open(message.subject);
    await expect(pane.read.getByRole('heading', { name: message.subject })).toBeVisible();
  });

  test('links in text are clickable and safe', async ({ logInAs, inbox, pane }) => {
    await logInAs(USERS.reader);
    await inbox.open(sampleMessage('html').subject);
    await pane.waitForRead();
    await pane.read.getByRole('button', { name: 'Plain text' }).click();
    const link = pane.textBody.getByRole('link', { name: 'https://shop.example/spring' });
    await expect(link).toHaveAttribute('href', 'https://shop.example/spring');
    await expect(link).toHaveAttribute('target', '_blank');
    await expect(link).toHaveAttribute('rel', /noopener/);
    await expect(link).toHaveAttribute('rel', /noreferrer/);
  });
});

test('in the full read of a large message, View source says what it downloads, as from the peek', async ({ logInAs, inbox, pane }) => {
  await logInAs(USERS.demo);
  await inbox.filterBy('Holiday photos');
  await inbox.open('Holiday photos');
  await expect(pane.read).toBeVisible();
  // 7.8 MB: the source view loads its first 1 MB, and the button says so before it is pressed.
  await expect(pane.viewSource).toHaveAccessibleName('View source (first 1 MB)');
  await expect(pane.viewSource).toHaveText('View source (first 1 MB)');

  // A small message costs nothing worth saying: the same words as the peek's.
  await pane.closeButton.click();
  await inbox.filterBy('Kick-off agenda');
  await inbox.open('Kick-off agenda');
  await pane.waitForRead();
  await expect(pane.viewSource).toHaveAccessibleName('View source');
});
