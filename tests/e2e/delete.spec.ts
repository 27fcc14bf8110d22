import { expect, test } from './fixtures';
import { SAMPLE, sampleMessage } from './support/sample';
import { USERS } from './support/users';
import { sampleAttachments } from '../support/maildrop';

test.describe.configure({ mode: 'serial' });

test.describe('deleting', () => {
  test('ticking boxes moves nothing; marking them shows no toast over the rows, the pending bar says it', async ({ page, logInAs, inbox }) => {
    await logInAs(USERS.undoer);
    const top = await inbox.listTop();
    const lineHeight = (await inbox.listActions.boundingBox())!.height;
    const [first, second] = [sampleMessage('plain'), sampleMessage('attachments')];
    await inbox.rowCheckbox(first.subject).check();
    await expect(inbox.listSummary).toContainText('1 selected');
    expect(await inbox.listTop()).toBe(top);
    await inbox.rowCheckbox(second.subject).check();
    await expect(inbox.listSummary).toContainText('2 selected');
    // Every action of the selection is on the one line, which kept its height.
    for (const name of [`Select all ${SAMPLE.length}`, 'Clear selection', 'Mark read', 'Mark unread', 'Delete 2 selected']) {
      await expect(inbox.listActions.getByRole('button', { name, exact: true })).toBeVisible();
    }
    expect((await inbox.listActions.boundingBox())!.height).toBe(lineHeight);
    expect(await inbox.listTop()).toBe(top);

    await page.getByRole('button', { name: 'Delete 2 selected' }).click();
    await expect(inbox.pendingBar).toContainText('2 messages marked for deletion. Nothing is deleted until you apply or log out.');
    await expect(inbox.marksAnnouncer).toHaveText('2 messages marked for deletion.');
    await expect(inbox.toast).toHaveText('');
    expect(await inbox.listTop()).toBe(top);

    await inbox.undoButton.click();
    await expect(inbox.toast).toHaveText('Undone: 2 messages will be kept.');
    await expect(inbox.marksAnnouncer).toHaveText('');
  });

  test('a single delete stays pending, struck through, until undone', async ({ harness, logInAs, inbox, pane, snap }) => {
    await logInAs(USERS.undoer);
    const message = sampleMessage('plain');
    await inbox.peek(message.subject);
    await pane.deleteButton.click();

    const row = inbox.row(message.subject);
    await expect(row).toHaveAttribute('data-pending', 'true');
    await expect(row).toContainText('to be deleted');
    await expect(row.locator('.line-through').first()).toBeVisible();
    await expect(inbox.pendingBar).toContainText('1 message marked for deletion');
    // Delete moves on: the pane shows the next message, not the one just marked.
    await expect(pane.peek).toBeVisible();
    await expect(pane.heading()).not.toHaveText(message.subject);
    await snap('pending-deletes');

    await inbox.undoButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    await expect(row).not.toHaveAttribute('data-pending', 'true');
    expect(await harness.storedCount(USERS.undoer)).toBe(SAMPLE.length);
  });

  test('a marked message is not asked for: the pane says why and offers Keep, not a Retry that cannot work', async ({ page, logInAs, inbox, pane }) => {
    await logInAs(USERS.undoer);
    const read = sampleMessage('plain');
    const peeked = sampleMessage('attachments');
    // Any request for these two messages' text, preview or source.
    const ids = await Promise.all([read, peeked].map(async ({ subject }) => (await inbox.row(subject).getAttribute('data-message-id'))!));
    const bodyRequests: string[] = [];
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (ids.some((id) => pathname.startsWith(`/api/messages/${encodeURIComponent(id)}`))) bodyRequests.push(pathname);
    });
    for (const subject of [read.subject, peeked.subject]) await inbox.rowCheckbox(subject).check();
    await page.getByRole('button', { name: 'Delete 2 selected' }).click();
    await expect(inbox.pendingBar).toContainText('2 messages marked for deletion');

    // Read in full (one click on a small message): the notice, no request, no error.
    await inbox.click(read.subject);
    await expect(pane.read.getByRole('heading', { name: read.subject })).toBeVisible();
    await expect(pane.markedNotice).toContainText('The mail server does not send a message marked for deletion: keep it to read it.');
    await expect(pane.read.getByRole('alert')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Retry' })).toHaveCount(0);
    // Neither its source nor a second mark: the toolbar offers what can work.
    await expect(pane.viewSource).toHaveCount(0);
    await expect(pane.deleteButton).toHaveCount(0);
    expect(bodyRequests).toEqual([]);
    // Keep takes the mark off, and the message comes.
    await pane.keepButton.click();
    await pane.waitForRead();
    await expect(pane.markedNotice).toHaveCount(0);
    await expect(pane.textBody).toContainText('Bring the printouts if you can.');
    await expect(inbox.row(read.subject)).not.toHaveAttribute('data-pending', 'true');
    await expect(inbox.pendingBar).toContainText('1 message marked for deletion');

    // The peek likewise: no TOP for a marked message, and Keep brings its first lines.
    bodyRequests.length = 0;
    await inbox.peek(peeked.subject);
    await expect(pane.peek.getByRole('heading', { name: peeked.subject })).toBeVisible();
    await expect(pane.markedNotice).toBeVisible();
    await expect(pane.downloadWhole).toHaveCount(0);
    await expect(pane.peek.getByRole('alert')).toHaveCount(0);
    expect(bodyRequests).toEqual([]);
    await pane.keepButton.click();
    await expect(pane.peekText).toBeVisible();
    await expect(pane.markedNotice).toHaveCount(0);
    await expect(inbox.pendingBar).toHaveCount(0);
  });

  test('a message read and then marked keeps its text, but offers its attachments again only once kept', async ({ page, logInAs, inbox, pane }) => {
    await logInAs(USERS.undoer);
    const withFiles = sampleMessage('attachments');
    await inbox.click(withFiles.subject);
    await pane.waitForRead();
    // Its attachments as the fixture holds them (the inline parts of other messages are not listed).
    const files = sampleAttachments.filter((part) => part.messageName === 'attachments' && part.disposition === 'attachment').length;
    await expect(pane.attachments).toHaveCount(files);
    // Marked from the list while it stays open (the toolbar's Delete would move on to the next message).
    await inbox.rowCheckbox(withFiles.subject).check();
    await page.getByRole('button', { name: 'Delete 1 selected' }).click();
    await expect(pane.markedNotice).toContainText('It is deleted from the server when you apply the marks.');
    // The server would refuse the download (RETR of a marked message): no link that cannot work.
    await expect(pane.attachments).toHaveCount(0);
    await expect(pane.textBody.or(pane.htmlFrameElement)).toBeVisible();
    await pane.keepButton.click();
    await expect(pane.markedNotice).toHaveCount(0);
    await expect(pane.attachments).toHaveCount(files);
  });

  test('logging out says how many deletions it applies, asks once, then applies them', async ({ page, harness, logInAs, inbox, loginPage, snap }) => {
    await logInAs(USERS.undoer);
    const before = await harness.storedCount(USERS.undoer);
    await inbox.rowCheckbox(sampleMessage('long-header').subject).check();
    await page.getByRole('button', { name: 'Delete 1 selected' }).click();
    await expect(inbox.pendingBar).toContainText('1 message marked for deletion');

    await inbox.logoutButton.click();
    const dialog = page.getByRole('dialog', { name: 'Log out and delete 1 message?' });
    await expect(dialog).toBeVisible();
    await snap('logout-confirm');
    await dialog.getByRole('button', { name: 'Delete 1 and log out' }).click();
    await expect(page.getByRole('heading', { name: 'Log in to your mailbox' })).toBeVisible();
    await expect(loginPage.page.getByText('You are logged out. 1 message deleted from the server.')).toBeVisible();
    expect(await harness.storedCount(USERS.undoer)).toBe(before - 1);
  });
});

test.describe('multi-select', () => {
  test('marks several, applies them, and they are gone from the server', async ({ page, harness, logInAs, inbox }) => {
    await logInAs(USERS.applier);
    expect(await harness.storedCount(USERS.applier)).toBe(SAMPLE.length);
    const doomed = [sampleMessage('8bit-latin1').subject, sampleMessage('dot-lines').subject];
    for (const subject of doomed) await inbox.rowCheckbox(subject).check();
    await expect(inbox.listSummary).toContainText('2 selected');
    await page.getByRole('button', { name: 'Delete 2 selected' }).click();
    await expect(inbox.pendingBar).toContainText('2 messages marked for deletion');
    for (const subject of doomed) await expect(inbox.row(subject)).toHaveAttribute('data-pending', 'true');

    await inbox.applyButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    await expect(inbox.rows).toHaveCount(SAMPLE.length - 2);
    for (const subject of doomed) await expect(inbox.row(subject)).toHaveCount(0);
    await expect(inbox.stats).toContainText(`${SAMPLE.length - 2} messages`);
    expect(await harness.storedCount(USERS.applier)).toBe(SAMPLE.length - 2);
  });

  test('"select all matching" takes every message the filter matches', async ({ page, harness, logInAs, inbox }) => {
    await logInAs(USERS.applier);
    const before = await harness.storedCount(USERS.applier);
    // Matches the sender address of one sample message (Françoise, example.fr).
    await inbox.filterBy('example.fr');
    // Counted once the filter has settled (not from the rows of the unfiltered list still on screen).
    const matching = await inbox.matchingCount();
    expect(matching).toBeGreaterThan(0);
    await expect(inbox.rows).toHaveCount(matching);
    // "Select the 1 matching" for one, "Select all 3 matching" for more.
    await page.getByRole('button', { name: new RegExp(`^Select (the|all) ${matching} matching$`) }).click();
    await expect(inbox.listSummary).toContainText(`${matching} selected`);
    await page.getByRole('button', { name: `Delete ${matching} selected` }).click();
    await expect(inbox.pendingBar).toContainText(`${matching} message`);
    await inbox.applyButton.click();
    await expect(inbox.pendingBar).toHaveCount(0);
    expect(await harness.storedCount(USERS.applier)).toBe(before - matching);
  });
});
