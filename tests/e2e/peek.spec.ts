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

test('the peek says truthfully how much of the text it shows', async ({ page, logInAs, inbox, pane }) => {
  await logInAs(USERS.demo);
  await inbox.filterBy('Holiday photos');
  await inbox.peek('Holiday photos');
  await expect(pane.peekText).toContainText('As promised, the holiday photos.');
  // The 20 lines went past the one-line text into the attachment: the whole text is there.
  await expect(pane.peek.getByTestId('peek-more')).toHaveText('That is all of the text.');
  await expect(pane.peek.getByText(/Showing the first/)).toHaveCount(0);
  // One control for more lines: the menu.
  await expect(pane.peek.getByRole('button', { name: /^Show \d+ lines$/ })).toHaveCount(0);
  await expect(pane.linesSelect).toBeVisible();
  await expect(page.getByTestId('peek-parts')).toContainText('holiday-photos.zip');

  // A text longer than the lines asked for: it says how many, and where to ask for more.
  await inbox.filterBy('Weekly Byte #112');
  await inbox.peek('Weekly Byte #112');
  await pane.linesSelect.selectOption('10');
  await expect(pane.peek.getByTestId('peek-more')).toHaveText('Showing the first 10 lines. For more, change “Lines to show” above.');
});

test.describe('at phone width', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('"Always delete mail like this" opens into view, with the whole address', async ({ page, logInAs, inbox, pane }) => {
    await logInAs(USERS.demo);
    await inbox.filterBy('Weekly Byte #112');
    await inbox.peek('Weekly Byte #112');
    await expect(pane.peekText).toBeVisible();
    const always = pane.peek.getByTestId('always-delete');
    await always.getByText('Always delete mail like this…').click();
    const sender = always.getByRole('button', { name: 'From this sender (newsletter@weeklybyte.example)' });
    // The options come into view (the click visibly did something), and the address they act on is not cut off.
    await expect(sender).toBeInViewport({ ratio: 1 });
    await expect(always.getByRole('button', { name: 'From this domain (weeklybyte.example)' })).toBeInViewport({ ratio: 1 });
    const cut = await sender.evaluate((button) => [button, ...button.querySelectorAll('*')].some((element) => element.scrollWidth > element.clientWidth));
    expect(cut).toBe(false);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  });
});
