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
