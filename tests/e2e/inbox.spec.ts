import type { Locator, Page, Route } from '@playwright/test';
import { formatSize } from '../../components/format-size';
import { expect, test } from './fixtures';
import type { InboxPage } from './pages/inbox-page';
import { recordAnnouncements } from './support/announcements';
import { SAMPLE, listedSize, sampleMessage, shownSize } from './support/sample';
import { USERS } from './support/users';

/** Answers a request as the app does when the mail server timed out (504 TIMEOUT). */
function fulfillTimeout(route: Route): Promise<void> {
  return route.fulfill({
    status: 504,
    contentType: 'application/json',
    body: JSON.stringify({ error: { code: 'TIMEOUT', message: 'The mail server did not answer in time.' } }),
  });
}

/**
 * The first inbox page request `matches` picks answers 504 (the mail server timed out); every other goes
 * through. Returns how many were failed so far.
 */
async function failOnce(page: Page, matches: (url: URL) => boolean): Promise<() => number> {
  let failures = 0;
  await page.route('**/api/messages?*', async (route) => {
    if (failures === 0 && matches(new URL(route.request().url()))) {
      failures += 1;
      await fulfillTimeout(route);
      return;
    }
    await route.continue();
  });
  return () => failures;
}

/**
 * Logs in to the 10,000-message account, scrolls to where the second page is wanted and lets it fail, opens
 * (#9905) and selects (#9903), then presses Refresh, whose request is held until `release` (a state, not a time).
 * With `failRefresh` the refresh is let go at once, and fails. `asked` lists the inbox page requests made so far ("offset=N" and "&refresh=1" when it is one).
 */
async function furtherPageFailedThenRefresh(
  page: Page,
  logInAs: (user: typeof USERS.many) => Promise<void>,
  inbox: InboxPage,
  { failRefresh = false } = {},
): Promise<{ banner: Locator; release: () => void; asked: () => string[] }> {
  await failOnce(page, (url) => url.searchParams.get('offset') === '100');
  let release: () => void = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const asked: string[] = [];
  await page.route('**/api/messages?*', async (route) => {
    const url = new URL(route.request().url());
    const refresh = url.searchParams.get('refresh') === '1';
    asked.push(`offset=${url.searchParams.get('offset')}${refresh ? '&refresh=1' : ''}`);
    if (refresh) await held;
    if (refresh && failRefresh) {
      await fulfillTimeout(route);
      return;
    }
    await route.fallback();
  });
  await logInAs(USERS.many);
  await expect(inbox.rows.first()).toContainText('(#10000)');
  const rowHeight = (await inbox.rows.first().boundingBox())!.height;
  await page.getByTestId('message-scroller').evaluate((element, top) => {
    element.scrollTop = top;
  }, 95 * rowHeight);
  const banner = page.getByRole('alert').filter({ hasText: 'More messages could not be loaded.' });
  await expect(banner).toBeVisible();
  await inbox.open('(#9905)');
  await inbox.rowCheckbox('(#9903)').check();
  await expect(inbox.listSummary).toHaveText('1 selected');
  await inbox.refreshButton.click();
  await expect.poll(() => asked.includes('offset=0&refresh=1')).toBe(true);
  if (failRefresh) release();
  return { banner, release, asked: () => [...asked] };
}

/** Some rows, and only the window around what is on screen (never the whole maildrop): a state, awaited. */
async function expectWindowedRows(rows: Locator): Promise<void> {
  await expect(rows.first()).toBeVisible();
  await expect(rows.nth(59)).toHaveCount(0);
}

test.describe('the inbox', () => {
  test('lists every subject, sender and size, newest first, from headers alone', async ({ page, logInAs, inbox, snap }) => {
    const requests: string[] = [];
    page.on('request', (request) => requests.push(new URL(request.url()).pathname));
    await logInAs(USERS.reader);
    await expect(inbox.rows).toHaveCount(SAMPLE.length);
    const newestFirst = [...SAMPLE].sort((a, b) => b.date.getTime() - a.date.getTime());
    expect(await inbox.visibleSubjects()).toEqual(newestFirst.map((message) => message.subject));
    for (const message of SAMPLE) {
      const row = inbox.row(message.subject);
      await expect(row).toHaveCount(1);
      await expect(row).toContainText(message.fromName || message.fromAddress);
      await expect(row).toContainText(shownSize(message));
    }
    const total = SAMPLE.reduce((sum, message) => sum + listedSize(message), 0);
    await expect(inbox.stats).toHaveText(`${SAMPLE.length} messages · ${formatSize(total)}`);
    await expect(inbox.listSummary).toContainText(`${SAMPLE.length} messages, newest first`);
    // Listing downloads no message: no full-message, preview or raw request was made.
    expect(requests.filter((path) => /^\/api\/messages\/[^/]+(\/(preview|raw))?$/.test(path) && path !== '/api/messages/ids')).toEqual([]);
    await snap('inbox');
  });

  test("a row's focus ring sits inside it, clear of the unread dot and the size", async ({ page, logInAs, inbox }) => {
    await logInAs(USERS.reader);
    const message = sampleMessage('plain');
    const link = inbox.rowButton(message.subject);
    await link.focus();
    await expect(link).toBeFocused();
    const ring = 2;
    const area = (await link.boundingBox())!;
    const size = (await inbox.row(message.subject).getByText(shownSize(message), { exact: true }).boundingBox())!;
    // The first thing in the link is the column of the unread dot (read or not, it keeps its place).
    const dot = (await link.locator(':scope > span').first().boundingBox())!;
    expect(size.x + size.width).toBeLessThanOrEqual(area.x + area.width - ring);
    expect(dot.x).toBeGreaterThanOrEqual(area.x + ring);
  });

  test('filters by sender, by subject and by size', async ({ logInAs, inbox }) => {
    await logInAs(USERS.reader);
    await inbox.filterBy('grace');
    await expect(inbox.rows).toHaveCount(1);
    await expect(inbox.row('Quarterly report and notes')).toBeVisible();
    await expect(inbox.listSummary).toContainText(`1 matching · ${shownSize(sampleMessage('attachments'))}`);

    await inbox.filterBy('lunch');
    await expect(inbox.rows).toHaveCount(1);
    await expect(inbox.row('Lunch on Thursday?')).toBeVisible();

    await inbox.filterBy('no such thing at all');
    await expect(inbox.emptyState).toContainText('No messages match this filter.');
    await inbox.emptyState.getByRole('button', { name: 'Clear the filter' }).click();
    await expect(inbox.rows).toHaveCount(SAMPLE.length);

    const expected = SAMPLE.filter((message) => listedSize(message) > 100 * 1024).length;
    await inbox.minSize.selectOption({ label: '100 KB' });
    await inbox.waitForSettled();
    if (expected === 0) await expect(inbox.emptyState).toBeVisible();
    else await expect(inbox.rows).toHaveCount(expected);
  });

  test('an empty maildrop says so', async ({ logInAs, inbox, snap }) => {
    await logInAs(USERS.empty);
    await expect(inbox.emptyState).toContainText('Your inbox is empty.');
    await expect(inbox.stats).toHaveText('0 messages · 0 B');
    await snap('inbox-empty');
  });

  test('10,000 messages: the first page is quick, only rows on screen exist, and the end is one scroll away', async ({ page, logInAs, inbox }) => {
    const listCalls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/messages') listCalls.push(url.search);
    });
    await logInAs(USERS.many);
    await expect(inbox.stats).toContainText('10,000 messages');
    await inbox.waitForSettled();
    await expectWindowedRows(inbox.rows);
    // Newest first: the newest small message is number 10,000.
    await expect(inbox.rows.first()).toContainText('(#10000)');
    const scroller = page.getByTestId('message-scroller');
    await scroller.evaluate((element) => {
      element.scrollTop = element.scrollHeight;
    });
    await expect(inbox.row('(#1)')).toBeVisible({ timeout: 40_000 });
    await expectWindowedRows(inbox.rows);
    // Only the pages around what was on screen were fetched, never all 100.
    expect(listCalls.length).toBeLessThan(6);
  });

  test('going to the filter box loads every header in the background, once; the filter then searches all 10,000', async ({ page, logInAs, inbox, snap }) => {
    const warms: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/messages/headers') warms.push(response.status());
    });
    await logInAs(USERS.many);
    await expect(inbox.rows.first()).toContainText('(#10000)');
    await inbox.filter.focus();
    await expect.poll(() => warms).toEqual([202]);
    await inbox.filter.blur();
    await inbox.filter.focus();
    await inbox.filterBy('(#4242)');
    await expect(inbox.rows).toHaveCount(1, { timeout: 40_000 });
    await expect(inbox.rows.first()).toContainText('(#4242)');
    expect(warms).toEqual([202]);
    await snap('inbox-10000-filtered');
  });

  test('a failed refresh keeps the list as it was, says so, and Retry refreshes', async ({ page, logInAs, inbox, pane }) => {
    const failures = await failOnce(page, (url) => url.searchParams.get('refresh') === '1');
    await logInAs(USERS.reader);
    const [first, second] = [...SAMPLE].sort((a, b) => b.date.getTime() - a.date.getTime());
    await inbox.open(first!.subject);
    await inbox.rowCheckbox(second!.subject).check();
    await expect(inbox.listSummary).toContainText('1 selected');

    await inbox.refreshButton.click();
    await expect(page.getByRole('alert').filter({ hasText: 'The mail server did not answer in time. Try again.' })).toBeVisible();
    // Nothing that was on screen is lost: rows, selection, the open message; nothing says "Loading…".
    await expect(inbox.rows).toHaveCount(SAMPLE.length);
    await expect(inbox.rowCheckbox(second!.subject)).toBeChecked();
    await expect(inbox.listSummary).toHaveText('1 selected');
    await expect(pane.heading()).toHaveText(first!.subject);
    const banner = page.getByRole('alert').filter({ hasText: 'Refreshing the inbox failed.' });
    await expect(banner).toContainText('The mail server did not answer in time. Try again.');
    await expect(page.getByRole('alert').filter({ hasText: 'The inbox could not be loaded.' })).toHaveCount(0);
    await inbox.waitForSettled();
    await inbox.rowCheckbox(second!.subject).uncheck();
    await expect(inbox.listSummary).toHaveText(`${SAMPLE.length} messages, newest first`);

    await banner.getByRole('button', { name: 'Retry' }).click();
    await expect(banner).toHaveCount(0);
    await inbox.waitForSettled();
    await expect(inbox.rows).toHaveCount(SAMPLE.length);
    expect(failures()).toBe(1);
    // The button went with its banner: keyboard focus is back on a row of the list, not lost on the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('[data-testid="message-row"]') !== null)).toBe(true);
  });

  test('a further page that fails to load leaves the rows shown and says which part failed', async ({ page, logInAs, inbox }) => {
    await failOnce(page, (url) => url.searchParams.get('offset') === '100');
    await logInAs(USERS.many);
    await expect(inbox.rows.first()).toContainText('(#10000)');
    // Just before the end of the first page: its last rows on screen, the next page's wanted.
    const rowHeight = (await inbox.rows.first().boundingBox())!.height;
    await page.getByTestId('message-scroller').evaluate((element, top) => {
      element.scrollTop = top;
    }, 95 * rowHeight);
    const banner = page.getByRole('alert').filter({ hasText: 'More messages could not be loaded.' });
    await expect(banner).toContainText('The mail server did not answer in time. Try again.');
    await expect(inbox.row('(#9901)')).toBeVisible();
    await expect(inbox.listSummary).toContainText('10,000 messages');
    await banner.getByRole('button', { name: 'Retry' }).click();
    await expect(banner).toHaveCount(0);
    await expect(inbox.row('(#9900)')).toBeVisible();
  });

  test('a refresh after a further page failed keeps what is on screen while it loads; the banner goes when it is in', async ({ page, logInAs, inbox, pane }) => {
    const { banner, release } = await furtherPageFailedThenRefresh(page, logInAs, inbox);
    // While the refresh is out: the same rows, selection and open message; no skeleton, no "Loading…".
    await expect(inbox.listColumn).toHaveAttribute('data-state', 'loading');
    await expect(inbox.row('(#9901)')).toBeVisible();
    await expect(inbox.rowCheckbox('(#9903)')).toBeChecked();
    await expect(inbox.listSummary).toHaveText('1 selected');
    await expect(pane.heading()).toContainText('(#9905)');
    await expect(page.getByText('Loading the inbox…')).toHaveCount(0);
    await expect(banner).toBeVisible();

    release();
    await expect(banner).toHaveCount(0);
    await inbox.waitForSettled();
    await expect(inbox.row('(#9900)')).toBeVisible();
    // As after any refresh, the selection and the open message are still the same messages.
    await expect(inbox.rowCheckbox('(#9903)')).toBeChecked();
    await expect(pane.heading()).toContainText('(#9905)');
    await inbox.rowCheckbox('(#9903)').uncheck();
    await expect(inbox.listSummary).toContainText('10,000 messages');
  });

  test('Retry on the further page while a refresh is out asks nothing of the old listing: the refresh brings those rows', async ({ page, logInAs, inbox }) => {
    const { banner, release, asked } = await furtherPageFailedThenRefresh(page, logInAs, inbox);
    await banner.getByRole('button', { name: 'Retry' }).click();
    await expect(banner).toHaveCount(0);
    await expect(inbox.listColumn).toHaveAttribute('data-state', 'loading');
    await expect(inbox.row('(#9901)')).toBeVisible();
    await expect(inbox.rowCheckbox('(#9903)')).toBeChecked();
    const whileHeld = asked();
    release();
    await inbox.waitForSettled();
    await expect(inbox.row('(#9900)')).toBeVisible();
    // Only the refresh was asked for while it was out (the failed page before it; the new listing's after it).
    expect(whileHeld.slice(whileHeld.indexOf('offset=0&refresh=1'))).toEqual(['offset=0&refresh=1']);
  });

  test('a refresh that fails after a further page failed: one banner, the refresh\'s, and the missing rows come from the list kept', async ({ page, logInAs, inbox }) => {
    const { banner, asked } = await furtherPageFailedThenRefresh(page, logInAs, inbox, { failRefresh: true });
    const refreshBanner = page.getByRole('alert').filter({ hasText: 'Refreshing the inbox failed.' });
    await expect(refreshBanner).toContainText('The mail server did not answer in time. Try again.');
    await expect(banner).toHaveCount(0);
    await expect(inbox.row('(#9900)')).toBeVisible();
    await expect(inbox.rowCheckbox('(#9903)')).toBeChecked();
    expect(asked().filter((request) => request === 'offset=100')).toHaveLength(2);
  });

  test('Keep is said once, by its toast; marking, by the marks region', async ({ page, logInAs, inbox }) => {
    const announcements = await recordAnnouncements(page);
    await logInAs(USERS.undoer);
    const [first, second] = [sampleMessage('plain'), sampleMessage('attachments')];
    await inbox.rowCheckbox(first.subject).check();
    await inbox.rowCheckbox(second.subject).check();
    await expect(inbox.listSummary).toHaveText('2 selected');

    let before = (await announcements()).length;
    await page.getByRole('button', { name: 'Delete 2 selected' }).click();
    await expect(inbox.pendingBar).toContainText('2 messages marked for deletion.');
    await expect(inbox.listSummary).not.toHaveText('2 selected');
    // The list's summary says the selection went; the marks are said once.
    expect((await announcements()).slice(before).filter((text) => /marked|kept/.test(text))).toEqual(['2 messages marked for deletion.']);

    before = (await announcements()).length;
    await inbox.row(first.subject).getByRole('button', { name: `Keep “${first.subject}”` }).click();
    await expect(inbox.pendingBar).toContainText('1 message marked for deletion.');
    await expect(inbox.toast).toHaveText('Undone: 1 message will be kept.');
    expect((await announcements()).slice(before)).toEqual(['Undone: 1 message will be kept.']);

    // Undo for the last one, which leaves nothing of this test marked: said once too. Its toast has the same words
    // as Keep's; while that one is still up they are not heard again, and the marks region says it instead.
    before = (await announcements()).length;
    await inbox.undoButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    const said = (await announcements()).slice(before);
    expect(said).toHaveLength(1);
    expect(['Undone: 1 message will be kept.', 'No messages marked for deletion.']).toContain(said[0]);
  });

  test('an expired session goes back to the login form with a word of explanation', async ({ page, context, logInAs, inbox, loginPage }) => {
    await logInAs(USERS.reader);
    await context.clearCookies();
    await inbox.refreshButton.click();
    await expect(page.getByRole('heading', { name: 'Log in to your mailbox' })).toBeVisible();
    await expect(loginPage.page.getByText(/Your session has ended/)).toBeVisible();
  });
});
