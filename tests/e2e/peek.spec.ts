import { expect, test } from './fixtures';
import { sampleMessage, shownSize } from './support/sample';
import { USERS } from './support/users';

test('peek shows headers and the first lines without downloading the body', async ({ page, harness, logInAs, inbox, pane, snap }) => {
  const apiCalls: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/messages/')) apiCalls.push(`${url.pathname}${url.search}`);
  });
  await logInAs(USERS.peeker);
  const commandsOf = async () => (await harness.logText()).split('\n').filter((line) => line.includes(`pop3(${USERS.peeker})`));

  const message = sampleMessage('plain');
  await inbox.peek(message.subject);
  await expect(pane.peek.getByRole('heading', { name: message.subject })).toBeVisible();
  await expect(pane.peek).toContainText('Ada Lovelace <ada@example.org>');
  await expect(pane.peekText).toContainText('are we still on for lunch on Thursday?');
  await expect(pane.downloadWhole).toHaveText(`Download whole message (${shownSize(message)})`);
  await pane.peek.getByText(/^All headers/).click();
  await expect(pane.peek.getByRole('rowheader', { name: 'Message-ID', exact: true })).toBeVisible();
  await snap('peek');

  // Only the preview route was called, and the server saw TOP, never RETR.
  expect(apiCalls.length).toBeGreaterThan(0);
  expect(apiCalls.every((call) => /\/preview\?lines=\d+$/.test(call))).toBe(true);
  await expect.poll(async () => (await commandsOf()).join('\n')).toMatch(/C: TOP \d+ 20/);
  expect((await commandsOf()).join('\n')).not.toMatch(/C: RETR /);

  // More lines on request.
  await pane.linesSelect.selectOption('50');
  await expect.poll(() => apiCalls.some((call) => call.endsWith('/preview?lines=50'))).toBe(true);

  // Downloading is a separate, explicit step.
  await pane.downloadWhole.click();
  await pane.waitForRead();
  await expect(pane.textBody).toContainText('Bring the printouts if you can.');
});
