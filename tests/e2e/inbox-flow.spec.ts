import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { sampleMessage } from './support/sample';
import { USERS, type UserName } from './support/users';

/**
 * Issue 11 in the inbox, as a person uses it, at desktop and at phone width: read state (item 2),
 * addresses for messages and filters (item 4), fewer steps (item 5).
 */
const WIDTHS = [
  { name: 'desktop', user: USERS.flow, use: { viewport: { width: 1280, height: 800 } } },
  { name: 'phone', user: USERS.flowPhone, use: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } },
] as const;

const BIG_SUBJECT = 'Big message (400000 bytes)';

/** On a phone the list gives way to an open message: come back to it. */
async function backToList(page: Page, phone: boolean): Promise<void> {
  if (!phone) return;
  await page.getByRole('button', { name: 'Back to inbox' }).click();
  await expect(page.getByTestId('message-row').first()).toBeVisible();
}

for (const width of WIDTHS) {
  const phone = width.name === 'phone';
  const user: UserName = width.user;

  test.describe(`inbox flow, ${width.name}`, () => {
    test.use(width.use);

    test('unread rows look unread; reading marks read; mark read and unread; kept across a reload', async ({ page, logInAs, inbox, pane, snap }) => {
      await logInAs(user);
      const dots = sampleMessage('dot-lines').subject;
      const latin = sampleMessage('8bit-latin1').subject;
      const utf8 = sampleMessage('8bit-utf8').subject;
      // A new account has read nothing: bold, a dot, and words for a screen reader.
      await expect(inbox.row(dots)).toHaveAttribute('data-unread', 'true');
      await expect(inbox.row(dots).getByTestId('unread-dot')).toBeVisible();
      await expect(inbox.rowButton(dots)).toContainText('Unread:');
      await snap(`flow-unread-${width.name}`);

      // One click reads a small message in full, which marks it read.
      await inbox.click(dots);
      await pane.waitForRead();
      await expect(inbox.row(dots)).not.toHaveAttribute('data-unread', 'true');
      await expect(inbox.rowButton(dots)).not.toContainText('Unread:');

      // Mark unread from the message; the row says so again.
      await pane.read.getByRole('button', { name: 'Mark unread' }).click();
      await expect(pane.read.getByRole('button', { name: 'Mark read' })).toBeVisible();
      await backToList(page, phone);
      await expect(inbox.row(dots)).toHaveAttribute('data-unread', 'true');

      // Mark two read from the selection.
      await inbox.rowCheckbox(latin).check();
      await inbox.rowCheckbox(utf8).check();
      await inbox.listColumn.getByRole('button', { name: 'Mark read', exact: true }).click();
      await expect(inbox.row(latin)).not.toHaveAttribute('data-unread', 'true');
      await expect(inbox.row(utf8)).not.toHaveAttribute('data-unread', 'true');

      // The account remembers: a reload lists them the same way.
      await page.goto('/');
      await inbox.waitForList();
      await expect(inbox.row(latin)).not.toHaveAttribute('data-unread', 'true');
      await expect(inbox.row(utf8)).not.toHaveAttribute('data-unread', 'true');
      await expect(inbox.row(dots)).toHaveAttribute('data-unread', 'true');
    });

    test('after Refresh, new mail is marked new and counted in the tab title', async ({ page, harness, logInAs, inbox, pane }) => {
      await logInAs(user);
      await expect(page).toHaveTitle('Postern');
      for (const n of [1, 2]) {
        const raw =
          `From: Late Arrival <late@example.org>\nTo: ${user}@postern.test\nSubject: Fresh ${width.name} ${n}\n` +
          `Date: ${new Date().toUTCString()}\nMessage-ID: <fresh-${width.name}-${n}@postern.test>\n\nJust arrived.\n`;
        await harness.deliver(user, Buffer.from(raw));
      }
      await inbox.refreshButton.click();
      await expect(inbox.row(`Fresh ${width.name} 2`)).toBeVisible({ timeout: 40_000 });
      await expect(inbox.row(`Fresh ${width.name} 1`)).toHaveAttribute('data-new', 'true');
      await expect(inbox.row(`Fresh ${width.name} 2`)).toHaveAttribute('data-new', 'true');
      await expect(inbox.row(`Fresh ${width.name} 2`)).toContainText('new');
      await expect(page).toHaveTitle('(2) Postern');
      // Reading one counts it off.
      await inbox.click(`Fresh ${width.name} 1`);
      await pane.waitForRead();
      await expect(page).toHaveTitle('(1) Postern');
    });

    test('the open message and the filter are in the address: Back, Forward and reload', async ({ page, logInAs, inbox, pane }) => {
      await logInAs(user);
      const lunch = sampleMessage('plain').subject;
      await inbox.click(lunch);
      await pane.waitForRead();
      await expect(pane.heading()).toHaveText(lunch);
      await expect.poll(() => new URL(page.url()).searchParams.get('m')).toBeTruthy();
      const messageUrl = page.url();

      // Back closes it, Forward opens it again.
      await page.goBack();
      await expect(pane.read).toHaveCount(0);
      expect(new URL(page.url()).searchParams.get('m')).toBeNull();
      await page.goForward();
      await expect(pane.heading()).toHaveText(lunch);
      await pane.waitForRead();

      // A reload opens the same message.
      await page.reload();
      await expect(pane.heading()).toHaveText(lunch);
      await pane.waitForRead();
      expect(page.url()).toBe(messageUrl);

      // The filter too.
      await backToList(page, phone);
      if (!phone) await pane.closeButton.click();
      await inbox.filterBy('example.fr');
      const matching = await inbox.matchingCount();
      await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('example.fr');
      await page.reload();
      await inbox.waitForList();
      await expect(inbox.filter).toHaveValue('example.fr');
      expect(await inbox.matchingCount()).toBe(matching);
    });

    test('a message opens in a new tab, after logging in there too', async ({ browser, state, logInAs, inbox }) => {
      await logInAs(user);
      const lunch = sampleMessage('plain').subject;
      const href = await inbox.rowButton(lunch).getAttribute('href');
      expect(href).toMatch(/^\/\?m=/);

      // A browser without the session: the login form first, then the message.
      const context = await browser.newContext(width.use);
      try {
        const tab = await context.newPage();
        await tab.goto(`${state.appUrl}${href}`);
        await expect(tab.getByRole('heading', { name: 'Log in to your mailbox' })).toBeVisible();
        await tab.getByLabel('Mail server (POP3)').fill('localhost');
        await tab.getByLabel('Security', { exact: true }).selectOption('tls');
        await tab.getByLabel('Port', { exact: true }).fill(String(state.dovecot.tlsPort));
        await tab.getByLabel('User name').fill(user);
        await tab.getByLabel('Password', { exact: true }).fill(state.password);
        await tab.getByRole('button', { name: 'Log in' }).click();
        await expect(tab.getByTestId('read-view').getByRole('heading', { name: lunch })).toBeVisible();

        // A second tab of that browser shares its session: straight to the message.
        const second = await context.newPage();
        await second.goto(`${state.appUrl}${href}`);
        await expect(second.getByTestId('read-view').getByRole('heading', { name: lunch })).toBeVisible();
        await expect(second.getByTestId('text-body')).toBeVisible();
      } finally {
        await context.close();
      }
    });

    test('one click reads a small message in full; a large one is peeked at first', async ({ page, logInAs, inbox, pane }) => {
      await logInAs(user);
      await inbox.click(sampleMessage('attachments').subject);
      await pane.waitForRead();
      await expect(pane.peek).toHaveCount(0);
      await backToList(page, phone);
      await inbox.click(BIG_SUBJECT);
      await expect(pane.peek).toBeVisible();
      await expect(pane.read).toHaveCount(0);
      // 400,000 bytes with LF line ends: a little more with CRLF, as LIST counts it.
      await expect(pane.downloadWhole).toContainText(/\(3\d\d KB\)/);
    });

    test('shift-click selects a range', async ({ page, logInAs, inbox }) => {
      await logInAs(user);
      const subjects = await inbox.visibleSubjects();
      await inbox.rowCheckbox(subjects[1]!).check();
      await inbox.rowCheckbox(subjects[4]!).click({ modifiers: ['Shift'] });
      await expect(inbox.listSummary).toContainText('4 selected');
      for (const subject of subjects.slice(1, 5)) await expect(inbox.rowCheckbox(subject)).toBeChecked();
      await expect(inbox.rowCheckbox(subjects[0]!)).not.toBeChecked();
      await expect(inbox.rowCheckbox(subjects[5]!)).not.toBeChecked();
      // Shift-click on a row extends it too.
      await inbox.click(subjects[6]!, ['Shift']);
      await expect(inbox.listSummary).toContainText('6 selected');
      await page.getByRole('button', { name: 'Clear selection' }).click();
      await expect(inbox.listSummary).not.toContainText('selected');
    });

    test('Delete moves on to the next message; one mark is undone, not all; the bar does not move the list', async ({ page, harness, logInAs, inbox, pane, snap }) => {
      await logInAs(user);
      const before = await harness.storedCount(user);
      const subjects = await inbox.visibleSubjects();
      // A small one to start from (one click reads it); the next ones are whatever follows it in the list.
      const start = subjects.findIndex((subject, index) => index >= 1 && subject !== BIG_SUBJECT);
      const [first, second, third] = [subjects[start]!, subjects[start + 1]!, subjects[start + 2]!];
      const firstRowTop = (await inbox.rows.first().boundingBox())!.y;

      await inbox.click(first);
      await pane.waitForRead();
      await pane.deleteButton.click();
      // The next message takes its place.
      await expect(pane.heading()).toHaveText(second);
      await expect(inbox.pendingBar).toContainText('1 message marked for deletion');
      await pane.deleteButton.click();
      await expect(pane.heading()).toHaveText(third);
      await expect(inbox.pendingBar).toContainText('2 messages marked for deletion');
      await snap(`flow-pending-${width.name}`);

      await backToList(page, phone);
      // The bar floats over space kept for it: the rows stay where they were.
      expect((await inbox.rows.first().boundingBox())!.y).toBe(firstRowTop);
      await expect(inbox.row(first)).toHaveAttribute('data-pending', 'true');
      await inbox.row(first).getByRole('button', { name: `Keep “${first}”` }).click();
      await expect(inbox.pendingBar).toContainText('1 message marked for deletion');
      await expect(inbox.row(first)).not.toHaveAttribute('data-pending', 'true');
      await expect(inbox.row(second)).toHaveAttribute('data-pending', 'true');

      await inbox.applyButton.click();
      await expect(inbox.pendingBar).toHaveCount(0);
      await expect(inbox.row(second)).toHaveCount(0);
      await expect(inbox.row(first)).toBeVisible();
      expect(await harness.storedCount(user)).toBe(before - 1);
    });

    test('"Reply in my mail app" writes a bounded mailto: with Re: and the quoted text', async ({ logInAs, inbox, pane }) => {
      await logInAs(user);
      const lunch = sampleMessage('plain');
      await inbox.click(lunch.subject);
      await pane.waitForRead();
      const link = pane.read.getByRole('link', { name: 'Reply in my mail app' });
      const href = (await link.getAttribute('href')) ?? '';
      expect(href.startsWith('mailto:ada@example.org?')).toBe(true);
      expect(href.length).toBeLessThanOrEqual(1800);
      const params = new URLSearchParams(href.slice(href.indexOf('?') + 1));
      expect(params.get('subject')).toBe(`Re: ${lunch.subject}`);
      const body = params.get('body') ?? '';
      expect(body).toMatch(/Ada Lovelace wrote:\r\n> /);
      const firstLine = (await pane.textBody.innerText()).split('\n')[0]!.trim();
      expect(body).toContain(`> ${firstLine}`);
    });
  });
}

test('dark scheme: unread rows, pending bar and a message read in full', async ({ page, logInAs, inbox, pane, snap }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await logInAs(USERS.flow);
  await inbox.click(sampleMessage('html').subject);
  await pane.waitForRead();
  await pane.deleteButton.click();
  await expect(inbox.pendingBar).toBeVisible();
  await snap('flow-dark');
  await inbox.undoButton.click();
  await expect(inbox.pendingBar).toHaveCount(0);
});
